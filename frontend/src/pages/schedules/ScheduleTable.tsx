import { Fragment, useState } from 'react';
import type { Schedule, ScriptSummary } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { formatDateTime, formatRelative } from '../../lib/format';
import { formatUntil, targetLabel } from '../../lib/schedules';
import { FiringBadge, ScheduleHistory } from './ScheduleHistory';

/** Every schedule with its next and last run; editors pause, resume and delete. */
export function ScheduleTable({
  schedules,
  scripts,
  isEditor,
  onSetEnabled,
  onDelete,
}: {
  schedules: Schedule[];
  scripts: ScriptSummary[];
  isEditor: boolean;
  onSetEnabled: (schedule: Schedule, enabled: boolean) => void;
  onDelete: (schedule: Schedule) => void;
}) {
  const [open, setOpen] = useState<number | null>(null);
  const [deleting, setDeleting] = useState<Schedule | null>(null);
  if (schedules.length === 0) {
    return (
      <p className="muted" data-testid="no-schedules">
        No schedules yet.
      </p>
    );
  }
  return (
    <div className="table-wrap">
      <table className="script-table" data-testid="schedule-table">
        <thead>
          <tr>
            <th>Cron (UTC)</th>
            <th>Runs</th>
            <th>Next run</th>
            <th>Last run</th>
            <th>State</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {schedules.map((schedule) => (
            <Fragment key={schedule.id}>
              <tr data-schedule={schedule.id}>
                <td>
                  <code>{schedule.cron}</code>
                </td>
                <td>
                  {targetLabel(schedule.target, scripts)}
                  {schedule.test_data !== null && schedule.test_data !== undefined && (
                    <span className="muted small"> · own test data</span>
                  )}
                </td>
                <td title={formatDateTime(schedule.next_run_at)} data-testid="next-run">
                  {schedule.enabled ? formatUntil(schedule.next_run_at) : '—'}
                </td>
                <td title={formatDateTime(schedule.last_run_at)} data-testid="last-run">
                  {schedule.last_run_at ? formatRelative(schedule.last_run_at) : 'never'}{' '}
                  {schedule.last_status && <FiringBadge status={schedule.last_status} />}
                </td>
                <td data-testid="schedule-state">
                  {schedule.enabled ? 'enabled' : 'paused'}
                  {schedule.disabled_reason && (
                    <div className="muted small" data-testid="disabled-reason">
                      {schedule.disabled_reason}
                    </div>
                  )}
                </td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="button button-small button-ghost"
                    aria-expanded={open === schedule.id}
                    onClick={() => setOpen(open === schedule.id ? null : schedule.id)}
                  >
                    History
                  </button>
                  {isEditor && (
                    <>
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() => onSetEnabled(schedule, !schedule.enabled)}
                      >
                        {schedule.enabled ? 'Pause' : 'Enable'}
                      </button>
                      <button
                        type="button"
                        className="button button-small button-danger"
                        onClick={() => setDeleting(schedule)}
                      >
                        Delete
                      </button>
                    </>
                  )}
                </td>
              </tr>
              {open === schedule.id && (
                <tr className="history-row">
                  <td colSpan={6}>
                    <ScheduleHistory schedule={schedule} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
      {deleting && (
        <ConfirmDialog
          title={`Delete schedule ${deleting.id}?`}
          testId="delete-schedule-dialog"
          confirmLabel="Delete"
          onCancel={() => setDeleting(null)}
          onConfirm={() => {
            onDelete(deleting);
            setDeleting(null);
          }}
        >
          <p>It stops firing and its history goes with it; the runs it started stay.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
