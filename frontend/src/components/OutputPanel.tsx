import { useEffect, useState } from 'react';
import type { Execution } from '../api';
import { formatDateTime, formatDuration, outcomeOf } from '../lib/format';
import { Spinner } from './Spinner';
import { StatusBadge } from './StatusBadge';

function Stream({ name, text, truncated }: { name: string; text: string; truncated: boolean }) {
  return (
    <section className={`stream stream-${name}`} aria-label={name}>
      <header className="stream-head">
        <span>{name}</span>
        {truncated && (
          <span className="badge badge-warn" title="The output was longer than the capture limit">
            truncated
          </span>
        )}
        {text && (
          <button
            type="button"
            className="link-button small"
            onClick={() => void navigator.clipboard?.writeText(text)}
          >
            copy
          </button>
        )}
      </header>
      {text ? (
        <pre className="stream-text" data-testid={name}>
          {text}
          {truncated && <span className="truncation-mark">{'\n'}… output truncated</span>}
        </pre>
      ) : (
        <p className="muted small stream-empty">(empty)</p>
      )}
    </section>
  );
}

function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 200);
    return () => window.clearInterval(timer);
  }, []);
  return <span className="muted small">{formatDuration(now - since)}</span>;
}

export function OutputPanel({
  execution,
  running,
  error,
  hint,
}: {
  /** What to say when there is no run yet (editors: how to start one). */
  hint?: string;
  execution: Execution | null;
  /** A run in flight: its start time and what runs. */
  running: { since: number; label: string } | null;
  error: string | null;
}) {
  if (running) {
    return (
      <div className="output-panel" data-testid="output-panel">
        <div className="output-meta">
          <Spinner label="Running" /> <strong>Running {running.label}…</strong> <Elapsed since={running.since} />
        </div>
      </div>
    );
  }
  return (
    <div className="output-panel" data-testid="output-panel">
      {error && (
        <div className="error-box" role="alert" data-testid="run-error">
          {error}
        </div>
      )}
      {!execution && !error && <p className="muted">No run yet.{hint ? ` ${hint}` : ''}</p>}
      {execution && (
        <>
          <div className="output-meta" data-testid="execution-meta">
            <StatusBadge status={execution.status} exitCode={execution.exit_code} precise />
            <span>
              exit code <strong className="mono" data-testid="exit-code">{execution.exit_code ?? '—'}</strong>
            </span>
            <span>
              duration <strong>{formatDuration(execution.duration_ms)}</strong>
            </span>
            {execution.interpreter && <span className="mono small">{execution.interpreter}</span>}
            <span className="version-chip">v{execution.version_label}</span>
            <span className="muted small">
              by {execution.triggered_by} · {formatDateTime(execution.finished_at ?? execution.started_at)}
              {execution.batch_id != null && <> · batch #{execution.batch_id}</>}
            </span>
          </div>
          {execution.error && (
            <div className={outcomeOf(execution.status) === 'failure' ? 'error-box' : 'notice'}>{execution.error}</div>
          )}
          <div className="streams">
            <Stream name="stdout" text={execution.stdout} truncated={execution.stdout_truncated} />
            <Stream name="stderr" text={execution.stderr} truncated={execution.stderr_truncated} />
          </div>
        </>
      )}
    </div>
  );
}
