import { isBaselineRound, type FixRound } from '../../pages/editor/fixSession';
import { useExecutionStream } from '../../pages/editor/useExecutionStream';
import { formatDuration } from '../../lib/format';
import { OutputStream } from '../OutputStream';
import { Spinner } from '../Spinner';
import { StatusBadge } from '../StatusBadge';

/** The last lines of the answer while it streams: enough to see it move, not the whole page. */
function tail(text: string, lines = 8): string {
  const all = text.split('\n');
  return all.length <= lines ? text : `…\n${all.slice(-lines).join('\n')}`;
}

/** A round's run while it goes on: its output as it arrives (SPEC §12's event stream). */
function LiveRoundRun({ executionId }: { executionId: number }) {
  const live = useExecutionStream(executionId);
  return (
    <div className="fix-run" data-testid="fix-run-live">
      <div className="output-meta">
        {live?.status ? <StatusBadge status={live.status} precise /> : <span className="badge badge-pending">Starting</span>}
        <Spinner label="Running" />
        <span className="muted small">run #{executionId}</span>
      </div>
      <OutputStream name="stdout" text={live?.stdout ?? ''} truncated={false} clipped={live?.stdoutClipped} follow />
      <OutputStream name="stderr" text={live?.stderr ?? ''} truncated={false} clipped={live?.stderrClipped} follow />
    </div>
  );
}

/** One round: the model's answer collapsed to its code, then the code's run (round 0: the script as given). */
export function FixRoundView({ round, current }: { round: FixRound; current: boolean }) {
  const { execution } = round;
  const baseline = isBaselineRound(round);
  const lines = round.code === null ? 0 : round.code.replace(/\n$/, '').split('\n').length;
  return (
    <section className="fix-round" data-testid="fix-round" data-round={round.n} data-status={execution?.status ?? ''}>
      <h3 className="fix-round-head">
        {baseline ? 'Your script as it is' : `Round ${round.n}`}
        {execution && <StatusBadge status={execution.status} exitCode={execution.exit_code} precise />}
      </h3>
      {baseline ? null : round.code === null ? (
        round.answer ? (
          <pre className="fix-answer" data-testid="fix-answer" aria-busy={current}>
            {tail(round.answer)}
          </pre>
        ) : (
          current && (
            <p className="muted small">
              <Spinner /> Asking the model…
            </p>
          )
        )
      ) : (
        <details className="fix-code">
          <summary>
            code · {lines} line{lines === 1 ? '' : 's'}
          </summary>
          <pre data-testid="fix-code">{round.code}</pre>
        </details>
      )}
      {execution ? (
        <div className="fix-run" data-testid="fix-run">
          <div className="output-meta small">
            <span>
              exit code <strong className="mono" data-testid="fix-exit-code">{execution.exit_code ?? '—'}</strong>
            </span>
            <span>{formatDuration(execution.duration_ms)}</span>
            <span className="muted">run #{execution.id}</span>
          </div>
          {execution.error && <div className="error-box">{execution.error}</div>}
          <OutputStream name="stdout" text={execution.stdout} truncated={execution.stdout_truncated} />
          <OutputStream name="stderr" text={execution.stderr} truncated={execution.stderr_truncated} />
        </div>
      ) : round.executionId !== null && current ? (
        <LiveRoundRun executionId={round.executionId} />
      ) : (
        (round.code !== null || baseline) &&
        current && (
          <p className="muted small">
            <Spinner /> Starting the run…
          </p>
        )
      )}
    </section>
  );
}
