/** Rules of the Schedules and Tokens pages that need no React (unit-tested). */
import type { FiringStatus, Schedule, ScheduleRequest, ScheduleTarget, ScriptSummary } from '../api';

/** Common patterns offered next to the cron box (standard 5 fields, UTC). */
export const CRON_PRESETS: readonly { label: string; cron: string }[] = [
  { label: 'Every minute', cron: '* * * * *' },
  { label: 'Every hour', cron: '0 * * * *' },
  { label: 'Every night at 02:30', cron: '30 2 * * *' },
  { label: 'Weekdays at 09:00', cron: '0 9 * * 1-5' },
];

/** The value of the target `<select>`: `"all"` or a script id as text. */
export function targetValue(target: ScheduleTarget): string {
  return target === 'all' ? 'all' : String(target);
}

export function parseTarget(value: string): ScheduleTarget {
  return value === 'all' ? 'all' : Number(value);
}

export function targetLabel(target: ScheduleTarget, scripts: readonly ScriptSummary[]): string {
  if (target === 'all') return 'All scripts on prod';
  const script = scripts.find((s) => s.id === target);
  return script ? `#${script.id} ${script.descriptive_name}` : `Script #${target}`;
}

export interface ScheduleForm {
  cron: string;
  target: string;
  /** `false`: each script's saved test data. */
  ownTestData: boolean;
  testData: string;
  enabled: boolean;
}

export const EMPTY_FORM: ScheduleForm = { cron: '', target: 'all', ownTestData: false, testData: '', enabled: true };

export function requestOf(form: ScheduleForm): ScheduleRequest {
  return {
    cron: form.cron.trim(),
    target: parseTarget(form.target),
    test_data: form.ownTestData ? form.testData : null,
    enabled: form.enabled,
  };
}

/** Whether the text can be sent at all: five fields. The server names a wrong field. */
export function cronFieldCount(cron: string): number {
  const trimmed = cron.trim();
  return trimmed ? trimmed.split(/\s+/).length : 0;
}

export type Tone = 'success' | 'failure' | 'pending' | 'warn';

const FIRING: Record<FiringStatus, { label: string; tone: Tone }> = {
  queued: { label: 'Queued', tone: 'pending' },
  running: { label: 'Running', tone: 'pending' },
  succeeded: { label: 'Success', tone: 'success' },
  failed: { label: 'Failed', tone: 'failure' },
  timed_out: { label: 'Timed out', tone: 'failure' },
  oom_killed: { label: 'Out of memory', tone: 'failure' },
  stopped: { label: 'Stopped', tone: 'failure' },
  error: { label: 'Error', tone: 'failure' },
  skipped: { label: 'Skipped', tone: 'warn' },
};

export function firingLabel(status: FiringStatus): { label: string; tone: Tone } {
  return FIRING[status];
}

/** "in 40 s", "in 5 min", "in 3 h", "in 2 d"; "due now" once passed. */
export function formatUntil(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '—';
  const time = new Date(iso).getTime();
  if (Number.isNaN(time)) return iso;
  const seconds = Math.round((time - now) / 1000);
  if (seconds <= 0) return 'due now';
  if (seconds < 60) return `in ${seconds} s`;
  if (seconds < 3600) return `in ${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `in ${Math.round(seconds / 3600)} h`;
  return `in ${Math.round(seconds / 86_400)} d`;
}

/** The first time any enabled schedule fires next, as epoch milliseconds. */
export function earliestNextRun(schedules: readonly Schedule[]): number | null {
  const times = schedules
    .filter((s) => s.enabled && s.next_run_at)
    .map((s) => new Date(s.next_run_at as string).getTime())
    .filter((t) => !Number.isNaN(t));
  return times.length ? Math.min(...times) : null;
}

/** When to read the list again: shortly after the next firing, or at the latest `every`. */
export function refreshDelay(nextRun: number | null, now: number, every: number, afterFiring: number): number {
  if (nextRun === null) return every;
  return Math.max(afterFiring, Math.min(every, nextRun - now + afterFiring));
}
