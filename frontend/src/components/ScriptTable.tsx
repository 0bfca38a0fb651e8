import { useState, type MouseEvent } from 'react';
import { Link } from 'react-router';
import type { ScriptSummary } from '../api';
import { formatDateTime, formatOrdering, formatRelative } from '../lib/format';
import { StatusBadge } from './StatusBadge';

/** On prod, but not its latest version: prod runs older code than the editor shows. */
export function differsFromProd(script: Pick<ScriptSummary, 'version_label' | 'prod_version_label'>): boolean {
  return !!script.prod_version_label && script.prod_version_label !== script.version_label;
}

interface HoverCard {
  script: ScriptSummary;
  top: number;
  left: number;
}

export function ScriptTable({
  scripts,
  onOpen,
  onIntent,
}: {
  scripts: ScriptSummary[];
  onOpen: (script: ScriptSummary, newTab: boolean) => void;
  /** The pointer is on a row: a good moment to prefetch the editor. */
  onIntent?: () => void;
}) {
  const [hover, setHover] = useState<HoverCard | null>(null);

  function showCard(script: ScriptSummary, event: MouseEvent<HTMLTableRowElement>) {
    onIntent?.();
    const row = event.currentTarget.getBoundingClientRect();
    const container = event.currentTarget.closest('.table-wrap')!.getBoundingClientRect();
    setHover({ script, top: row.bottom - container.top + 4, left: Math.min(row.width - 440, 220) });
  }

  return (
    <div className="table-wrap" onMouseLeave={() => setHover(null)}>
      <table className="script-table">
        <thead>
          <tr>
            <th className="col-order">#</th>
            <th>Name</th>
            <th className="col-version">Version</th>
            <th className="col-version">Prod</th>
            <th className="col-run">Last run</th>
            <th className="col-modified">Modified</th>
          </tr>
        </thead>
        <tbody>
          {scripts.map((s) => (
            <tr
              key={s.id}
              className="script-row"
              data-script-id={s.id}
              tabIndex={0}
              onClick={(e) => onOpen(s, e.metaKey || e.ctrlKey)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') onOpen(s, e.metaKey || e.ctrlKey);
              }}
              onMouseEnter={(e) => showCard(s, e)}
              onFocus={() => onIntent?.()}
            >
              <td className="col-order mono">{formatOrdering(s.ordering_number)}</td>
              <td className="col-name">
                <span className="script-name">{s.descriptive_name || 'Untitled'}</span>
                <span className="script-id">#{s.id}</span>
              </td>
              <td className="col-version">
                <span className="version-chip">v{s.version_label}</span>
              </td>
              <td className="col-version">
                {s.prod_version_label ? (
                  <>
                    <span className={`version-chip version-prod${differsFromProd(s) ? ' stale' : ''}`}>
                      v{s.prod_version_label}
                    </span>
                    {differsFromProd(s) && (
                      <Link
                        to={`/editor/${s.id}?compare=prod`}
                        className="prod-diff small"
                        data-testid="prod-diff"
                        title={`Prod runs v${s.prod_version_label}; the latest is v${s.version_label}. See what changed.`}
                        onClick={(e) => e.stopPropagation()}
                        onKeyDown={(e) => e.stopPropagation()}
                      >
                        ≠ diff
                      </Link>
                    )}
                  </>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td className="col-run">
                <StatusBadge status={s.last_run_status} exitCode={s.last_run_exit_code} />
                {s.last_run_at && (
                  <time className="muted small" dateTime={s.last_run_at} title={formatDateTime(s.last_run_at)}>
                    {formatRelative(s.last_run_at)}
                  </time>
                )}
              </td>
              <td className="col-modified muted small">
                <time dateTime={s.last_modified}>{formatRelative(s.last_modified)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {hover && (
        <div
          className="hover-card"
          role="tooltip"
          data-testid="script-tooltip"
          style={{ top: hover.top, left: Math.max(hover.left, 8) }}
        >
          <div className="hover-card-title">
            {hover.script.descriptive_name || 'Untitled'}{' '}
            <span className="version-chip">v{hover.script.version_label}</span>
          </div>
          <pre className="docstring">{hover.script.docstring || 'No docstring.'}</pre>
          <dl className="meta-list">
            <dt>Version</dt>
            <dd>v{hover.script.version_label}</dd>
            <dt>Last modified</dt>
            <dd>{formatDateTime(hover.script.last_modified)}</dd>
            <dt>Prod</dt>
            <dd>{hover.script.prod_version_label ? `v${hover.script.prod_version_label}` : 'not merged'}</dd>
          </dl>
        </div>
      )}
    </div>
  );
}
