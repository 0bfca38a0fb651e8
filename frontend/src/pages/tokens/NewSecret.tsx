import { useState } from 'react';
import type { ApiTokenCreated } from '../../api';

/** The secret of a token just created: the one time it can be seen. */
export function NewSecret({ token, onDismiss }: { token: ApiTokenCreated; onDismiss: () => void }) {
  const [copied, setCopied] = useState<boolean | null>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied(true);
    } catch {
      // No clipboard (plain http on another host): the text is selected for Ctrl+C.
      setCopied(false);
    }
  }

  return (
    <div className="new-secret" data-testid="new-token">
      <p>
        <strong>{token.name}</strong> ({token.role}) is ready. Copy it now: this is the only time it is shown.
      </p>
      <div className="secret-row">
        <input
          readOnly
          value={token.token}
          aria-label="New token"
          data-testid="new-token-secret"
          onFocus={(e) => e.currentTarget.select()}
          autoFocus={copied === false}
        />
        <button type="button" className="button button-primary" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="button button-ghost" onClick={onDismiss}>
          Done
        </button>
      </div>
      {copied === false && <p className="muted small">The browser gave no clipboard: press Ctrl+C to copy.</p>}
    </div>
  );
}
