import { outcomeOf, statusLabel } from '../lib/format';

/** Success/Failure badge for an execution status; the precise status is in the title. */
export function StatusBadge({
  status,
  exitCode,
  precise = false,
}: {
  status: string | null | undefined;
  exitCode?: number | null;
  /** Show "Timed out" etc. instead of the Success/Failure summary. */
  precise?: boolean;
}) {
  const outcome = outcomeOf(status);
  if (outcome === 'none' || !status) return <span className="badge badge-none">never run</span>;
  const summary =
    outcome === 'success' ? 'Success' : outcome === 'failure' ? 'Failure' : statusLabel(status);
  const title = [statusLabel(status), exitCode !== null && exitCode !== undefined ? `exit code ${exitCode}` : '']
    .filter(Boolean)
    .join(', ');
  return (
    <span className={`badge badge-${outcome}`} title={title} data-status={status}>
      {outcome === 'pending' && <span className="pulse-dot" aria-hidden />}
      {precise ? statusLabel(status) : summary}
    </span>
  );
}
