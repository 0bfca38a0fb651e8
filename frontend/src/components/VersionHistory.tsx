import type { VersionInfo } from '../api';
import { formatDateTime, formatRelative, shortHash } from '../lib/format';
import { Spinner } from './Spinner';

export function VersionHistory({
  versions,
  error,
  latestId,
  prodId,
  viewingId,
  onSelect,
  onClose,
  footer,
}: {
  versions: VersionInfo[] | null;
  error: string | null;
  latestId: number | undefined;
  prodId: number | undefined;
  viewingId: number | null;
  onSelect: (version: VersionInfo) => void;
  onClose: () => void;
  footer?: React.ReactNode;
}) {
  return (
    <aside className="drawer" aria-label="Version history" data-testid="version-history">
      <header className="drawer-head">
        <h2>Version history</h2>
        <button type="button" className="icon-button" aria-label="Close history" onClick={onClose}>
          ×
        </button>
      </header>
      {error && <p className="form-error">{error}</p>}
      {!versions && !error && (
        <p className="muted">
          <Spinner /> Loading…
        </p>
      )}
      <ol className="version-list">
        {versions?.map((v) => {
          const isLatest = v.id === latestId;
          const active = viewingId === null ? isLatest : viewingId === v.id;
          return (
            <li key={v.id}>
              <button
                type="button"
                className={`version-item${active ? ' active' : ''}`}
                onClick={() => onSelect(v)}
                aria-current={active ? 'true' : undefined}
                data-version={v.label}
              >
                <span className="version-item-top">
                  <span className="version-chip">v{v.label}</span>
                  {isLatest && <span className="tag">latest</span>}
                  {v.id === prodId && <span className="tag tag-prod">prod</span>}
                  {v.parent_script_id != null && (
                    <span className="tag" title={`Forked from script #${v.parent_script_id}`}>
                      fork of #{v.parent_script_id}
                    </span>
                  )}
                </span>
                {v.message && (
                  <span className="version-message" data-testid="version-message">
                    {v.message}
                  </span>
                )}
                <span className="version-item-meta muted small">
                  {v.committer} · <time title={formatDateTime(v.created_at)}>{formatRelative(v.created_at)}</time> ·{' '}
                  <span className="mono">{shortHash(v.git_commit_hash)}</span>
                </span>
              </button>
            </li>
          );
        })}
      </ol>
      {footer && <footer className="drawer-foot">{footer}</footer>}
    </aside>
  );
}
