import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router';
import { ApiError, errorMessage } from '../api';
import { Spinner } from '../components/Spinner';
import { useAuth } from '../hooks/useAuth';
import { safeNext } from '../lib/navigation';

function loginError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return 'Wrong username or password.';
    if (err.status === 429) return `Too many attempts. ${err.detail}`;
  }
  return errorMessage(err);
}

export function LoginPage() {
  const { login, logout, status, user } = useAuth();
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const navState = location.state as { logout?: boolean; expired?: boolean } | null;
  const loggingOut = navState?.logout === true;
  const expired = navState?.expired === true;
  const didLogout = useRef(false);
  const next = safeNext(params.get('next'));

  useEffect(() => {
    if (loggingOut && !didLogout.current) {
      didLogout.current = true;
      // Forget the request in the history entry too: a remount of this page must not
      // log out a second time (which the server answers 401).
      void navigate(`${location.pathname}${location.search}`, { replace: true, state: null });
      void logout().catch(() => undefined);
    }
  }, [loggingOut, logout, navigate, location.pathname, location.search]);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!username || !password) {
      setError('Enter your username and password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await login(username.trim(), password);
      void navigate(next, { replace: true });
    } catch (err) {
      setError(loginError(err));
      setPassword('');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login-page">
      <form className="login-card" onSubmit={onSubmit} noValidate aria-label="Log in">
        <h1 className="login-title">
          <span className="brand-mark" aria-hidden>
            {'</>'}
          </span>
          <span className="wordmark">
          code<span className="brand-dot">.</span>ved
        </span>
        </h1>
        <p className="muted">Write, version and run Python scripts with your team.</p>
        {expired && (
          <p className="notice" data-testid="session-expired">
            Your session has ended. Log in again to continue; unsaved work is kept in this browser.
          </p>
        )}
        {status === 'authenticated' && user && !loggingOut && (
          <p className="notice">
            Signed in as <strong>{user.username}</strong>.{' '}
            <button type="button" className="link-button" onClick={() => void navigate(next)}>
              Continue
            </button>
          </p>
        )}
        <label className="field">
          <span>Username</span>
          <input
            name="username"
            autoComplete="username"
            autoFocus
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button button-primary button-wide" disabled={busy}>
          {busy ? <Spinner label="Logging in" /> : null} Log in
        </button>
      </form>
    </main>
  );
}
