import type { ArtifactText } from '../../hooks/useArtifactText';

/** What an artifact shows before its text has come, or when it could not be read. */
export function ArtifactLoading({ text }: { text: ArtifactText }) {
  if (text.state === 'failed') {
    return (
      <p className="error-box small" role="alert">
        Could not load this file: {text.message}
      </p>
    );
  }
  return <p className="muted small">Loading…</p>;
}
