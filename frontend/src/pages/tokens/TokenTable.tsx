import { useState } from 'react';
import type { ApiToken } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { formatDateTime, formatRelative } from '../../lib/format';

/** The caller's tokens (never their secrets), each with Revoke behind a confirmation. */
export function TokenTable({ tokens, onRevoke }: { tokens: ApiToken[]; onRevoke: (id: number, name: string) => void }) {
  const [confirming, setConfirming] = useState<ApiToken | null>(null);
  if (tokens.length === 0) {
    return <p className="muted" data-testid="no-tokens">You have no tokens.</p>;
  }
  return (
    <div className="table-wrap">
      <table className="script-table" data-testid="token-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Role</th>
            <th>Created</th>
            <th>Last used</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => (
            <tr key={token.id} data-token={token.name}>
              <td>{token.name}</td>
              <td>
                <span className={`role-pill role-${token.role}`}>{token.role}</span>
              </td>
              <td title={formatDateTime(token.created_at)}>{formatRelative(token.created_at)}</td>
              <td title={formatDateTime(token.last_used_at)}>
                {token.last_used_at ? formatRelative(token.last_used_at) : 'never'}
              </td>
              <td className="row-actions">
                <button type="button" className="button button-small button-danger" onClick={() => setConfirming(token)}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {confirming && (
        <ConfirmDialog
          title={`Revoke “${confirming.name}”?`}
          testId="revoke-dialog"
          confirmLabel="Revoke"
          onCancel={() => setConfirming(null)}
          onConfirm={() => {
            onRevoke(confirming.id, confirming.name);
            setConfirming(null);
          }}
        >
          <p>Programs using it get 401 from their next request. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
