import { Link } from 'react-router';

export function NotFoundPage({ what = 'page' }: { what?: string }) {
  return (
    <main className="page page-center">
      <h1>Not found</h1>
      <p className="muted">This {what} does not exist or was deleted.</p>
      <Link to="/" className="button">
        Back to the scripts
      </Link>
    </main>
  );
}
