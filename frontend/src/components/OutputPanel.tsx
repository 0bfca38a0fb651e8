import { useEffect, useState } from 'react';
import type { Execution, ExecutionStatus } from '../api';
import { formatDateTime, formatDuration, outcomeOf } from '../lib/format';
import { ArtifactsStrip } from './artifacts/ArtifactsStrip';
import { OutputStream } from './OutputStream';
import { Spinner } from './Spinner';
import { StatusBadge } from './StatusBadge';

/** A run going on, as far as it has come. */
export interface LiveOutput {
  /** null: being started, or queued and not heard of yet. */
  status: ExecutionStatus | null;
  stdout: string;
  stderr: string;
  stdoutClipped: boolean;
  stderrClipped: boolean;
  /** When it started running (ms since the epoch), if known. */
  since: number | null;
  /** What runs ("draft v0.3"). */
  label: string;
  reconnecting: boolean;
}

function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 200);
    return () => window.clearInterval(timer);
  }, []);
  return <span className="muted small">{formatDuration(Math.max(0, now - since))}</span>;
}

function LiveView({ live }: { live: LiveOutput }) {
  const { status } = live;
  return (
    <>
      <div className="output-meta" data-testid="live-meta">
        <span data-testid="run-status">
          {status ? <StatusBadge status={status} precise /> : <span className="badge badge-pending">Starting</span>}
        </span>
        <Spinner label="Running" />
        <strong>
          {status === 'queued' ? 'Waiting to run' : status === 'running' ? 'Running' : 'Starting'} {live.label}…
        </strong>
        {live.since !== null && <Elapsed since={live.since} />}
        {live.reconnecting && (
          <span className="muted small" role="status">
            connection lost, reconnecting…
          </span>
        )}
      </div>
      <div className="streams">
        <OutputStream name="stdout" text={live.stdout} truncated={false} clipped={live.stdoutClipped} follow />
        <OutputStream name="stderr" text={live.stderr} truncated={false} clipped={live.stderrClipped} follow />
      </div>
    </>
  );
}

export function OutputPanel({
  execution,
  live,
  error,
  hint,
  onFix,
}: {
  /** The finished run to show. */
  execution: Execution | null;
  /** A run going on now: shown instead of `execution`. */
  live: LiveOutput | null;
  error: string | null;
  /** What to say when there is no run yet (editors: how to start one). */
  hint?: string;
  /** "Fix with assistant", offered on a run that failed (editors only). */
  onFix?: () => void;
}) {
  if (live) {
    return (
      <div className="output-panel" data-testid="output-panel" aria-busy>
        <LiveView live={live} />
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
            <span data-testid="run-status">
              <StatusBadge status={execution.status} exitCode={execution.exit_code} precise />
            </span>
            <span>
              exit code <strong className="mono" data-testid="exit-code">{execution.exit_code ?? '—'}</strong>
            </span>
            <span>
              duration <strong data-testid="duration">{formatDuration(execution.duration_ms)}</strong>
            </span>
            {execution.interpreter && <span className="mono small">{execution.interpreter}</span>}
            <span className="version-chip">v{execution.version_label}</span>
            {onFix && outcomeOf(execution.status) === 'failure' && (
              <button type="button" className="button button-small" data-testid="fix-with-assistant" onClick={onFix}>
                Fix with assistant
              </button>
            )}
            <span className="muted small">
              by {execution.triggered_by} · {formatDateTime(execution.finished_at ?? execution.started_at)}
              {execution.worker && <> · on {execution.worker}</>}
              {execution.batch_id != null && <> · batch #{execution.batch_id}</>}
            </span>
          </div>
          {execution.error && (
            <div className={outcomeOf(execution.status) === 'failure' ? 'error-box' : 'notice'}>{execution.error}</div>
          )}
          <div className="streams">
            <OutputStream name="stdout" text={execution.stdout} truncated={execution.stdout_truncated} />
            <OutputStream name="stderr" text={execution.stderr} truncated={execution.stderr_truncated} />
          </div>
          <ArtifactsStrip key={execution.id} executionId={execution.id} artifacts={execution.artifacts} />
        </>
      )}
    </div>
  );
}
