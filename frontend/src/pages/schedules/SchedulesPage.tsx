import { useCallback, useEffect } from 'react';
import { api, errorMessage, type Schedule, type ScheduleRequest } from '../../api';
import { Spinner } from '../../components/Spinner';
import { useToast } from '../../components/Toasts';
import { useAuth } from '../../hooks/useAuth';
import { useLoaded } from '../../hooks/useLoaded';
import { useScripts } from '../../hooks/useScripts';
import { earliestNextRun, refreshDelay } from '../../lib/schedules';
import { ScheduleForm } from './ScheduleForm';
import { ScheduleTable } from './ScheduleTable';

/** Next and last runs move on their own: the list is read again this often, and just
 * after the earliest next run. */
const REFRESH_MS = 10_000;
const AFTER_FIRING_MS = 1_500;

/** `/schedules`: cron schedules that run one script or all of them (SPEC §17). */
export function SchedulesPage() {
  const { isEditor } = useAuth();
  const toast = useToast();
  const { scripts } = useScripts();
  const schedules = useLoaded(useCallback((signal: AbortSignal) => api.schedules.list({ signal }), []));
  const { reload } = schedules;

  const nextFiring = earliestNextRun(schedules.data ?? []);
  useEffect(() => {
    const timer = window.setTimeout(reload, refreshDelay(nextFiring, Date.now(), REFRESH_MS, AFTER_FIRING_MS));
    return () => window.clearTimeout(timer);
  }, [reload, nextFiring, schedules.data]);

  async function create(request: ScheduleRequest) {
    const created = await api.schedules.create(request);
    toast.success(`Schedule ${created.id} created.`);
    reload();
  }

  async function change(action: () => Promise<unknown>, done: string) {
    try {
      await action();
      toast.success(done);
      reload();
    } catch (err) {
      toast.error(errorMessage(err));
    }
  }

  const setEnabled = (schedule: Schedule, enabled: boolean) =>
    void change(
      () => api.schedules.change(schedule.id, { enabled }),
      `Schedule ${schedule.id} ${enabled ? 'enabled' : 'paused'}.`,
    );
  const remove = (schedule: Schedule) =>
    void change(() => api.schedules.remove(schedule.id), `Schedule ${schedule.id} deleted.`);

  return (
    <main className="page schedules-page">
      <div className="page-head">
        <div>
          <h1>Schedules</h1>
          <p className="muted small">
            Runs started by the clock: standard 5-field cron, in UTC. A firing is skipped while the previous run of
            its schedule is still going.
          </p>
        </div>
      </div>
      {isEditor && <ScheduleForm scripts={scripts ?? []} onCreate={create} />}
      {schedules.error && <div className="error-box">{schedules.error}</div>}
      {schedules.data ? (
        <ScheduleTable
          schedules={schedules.data}
          scripts={scripts ?? []}
          isEditor={isEditor}
          onSetEnabled={setEnabled}
          onDelete={remove}
        />
      ) : (
        schedules.loading && (
          <div className="splash">
            <Spinner /> Loading schedules…
          </div>
        )
      )}
    </main>
  );
}
