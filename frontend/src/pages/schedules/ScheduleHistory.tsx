import { useCallback, useEffect, useRef } from 'react';
import { Link } from 'react-router';
import { api, type FiringStatus, type Schedule, type ScheduleFiring } from '../../api';
import { Spinner } from '../../components/Spinner';
import { useLoaded } from '../../hooks/useLoaded';
import { formatDateTime } from '../../lib/format';
import { firingLabel } from '../../lib/schedules';

export function FiringBadge({ status }: { status: FiringStatus }) {
  const { label, tone } = firingLabel(status);
  return (
    <span className={`badge badge-${tone}`} data-status={status}>
      {tone === 'pending' && <span className="pulse-dot" aria-hidden />}
      {label}
    </span>
  );
}

/** Where a firing's run can be seen: the script's editor (its last run), or the run-all. */
function RunLink({ firing, schedule }: { firing: ScheduleFiring; schedule: Schedule }) {
  if (firing.execution_id !== null && firing.execution_id !== undefined && schedule.target !== 'all') {
    return <Link to={`/editor/${schedule.target}`}>execution {firing.execution_id}</Link>;
  }
  if (firing.batch_id !== null && firing.batch_id !== undefined) {
    return <Link to="/">run-all {firing.batch_id}</Link>;
  }
  return <span className="muted">—</span>;
}

/** A schedule's firings, newest first: started runs with their status now, skips, refusals. */
export function ScheduleHistory({ schedule }: { schedule: Schedule }) {
  const { id, last_run_at: lastRun } = schedule;
  const history = useLoaded(useCallback((signal: AbortSignal) => api.schedules.runs(id, { signal }), [id]));
  // Read again whenever the schedule has fired since it was read (the page keeps the list fresh).
  const { reload } = history;
  const shownFor = useRef(lastRun);
  useEffect(() => {
    if (shownFor.current === lastRun) return;
    shownFor.current = lastRun;
    reload();
  }, [lastRun, reload]);
  if (history.error) return <div className="error-box">{history.error}</div>;
  if (!history.data) {
    return (
      <div className="muted">
        <Spinner /> Loading history…
      </div>
    );
  }
  return (
    <div className="schedule-history" data-testid={`history-${id}`}>
      <div className="history-head">
        <strong>{history.data.length === 1 ? 'Last firing' : `Last ${history.data.length} firings`}</strong>
        <button type="button" className="button button-small button-ghost" onClick={history.reload}>
          Refresh
        </button>
      </div>
      {history.data.length === 0 ? (
        <p className="muted small">It has not fired yet.</p>
      ) : (
        <table className="artifact-table">
          <thead>
            <tr>
              <th>Due</th>
              <th>Fired</th>
              <th>Status</th>
              <th>Run</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {history.data.map((firing) => (
              <tr key={firing.id} data-outcome={firing.outcome}>
                <td>{formatDateTime(firing.due_at)}</td>
                <td>{formatDateTime(firing.fired_at)}</td>
                <td>
                  <FiringBadge status={firing.status} />
                </td>
                <td>
                  <RunLink firing={firing} schedule={schedule} />
                </td>
                <td className="small">{firing.detail ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
