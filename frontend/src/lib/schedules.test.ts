import { describe, expect, it } from 'vitest';
import type { Schedule, ScriptSummary } from '../api';
import {
  cronFieldCount,
  earliestNextRun,
  EMPTY_FORM,
  firingLabel,
  formatUntil,
  parseTarget,
  refreshDelay,
  requestOf,
  targetLabel,
  targetValue,
} from './schedules';

const script = { id: 3, descriptive_name: 'Nightly export' } as ScriptSummary;

describe('schedule targets', () => {
  it('round-trips through the select value', () => {
    expect(parseTarget(targetValue('all'))).toBe('all');
    expect(parseTarget(targetValue(3))).toBe(3);
  });

  it('names the script, or says it is gone', () => {
    expect(targetLabel('all', [script])).toBe('All scripts on prod');
    expect(targetLabel(3, [script])).toBe('#3 Nightly export');
    expect(targetLabel(9, [script])).toBe('Script #9');
  });
});

describe('the schedule form', () => {
  it('sends null test data unless the schedule has its own', () => {
    const form = { ...EMPTY_FORM, cron: '  */5 * * * * ', target: '3', testData: 'x' };
    expect(requestOf(form)).toEqual({ cron: '*/5 * * * *', target: 3, test_data: null, enabled: true });
    expect(requestOf({ ...form, ownTestData: true, enabled: false })).toEqual({
      cron: '*/5 * * * *',
      target: 3,
      test_data: 'x',
      enabled: false,
    });
  });

  it('counts cron fields the way the server splits them', () => {
    expect(cronFieldCount('')).toBe(0);
    expect(cronFieldCount(' * *  * * * ')).toBe(5);
    expect(cronFieldCount('@hourly')).toBe(1);
  });
});

describe('firings', () => {
  it('gives every status a label and a tone', () => {
    expect(firingLabel('skipped')).toEqual({ label: 'Skipped', tone: 'warn' });
    expect(firingLabel('succeeded').tone).toBe('success');
    expect(firingLabel('running').tone).toBe('pending');
    expect(firingLabel('stopped').tone).toBe('failure');
  });

  it('says how long until the next run', () => {
    const now = Date.parse('2026-12-04T15:00:00Z');
    expect(formatUntil('2026-12-04T15:00:40Z', now)).toBe('in 40 s');
    expect(formatUntil('2026-12-04T15:05:00Z', now)).toBe('in 5 min');
    expect(formatUntil('2026-12-05T02:30:00Z', now)).toBe('in 12 h');
    expect(formatUntil('2026-12-04T14:59:00Z', now)).toBe('due now');
    expect(formatUntil(null, now)).toBe('—');
  });
});

describe('refreshing the list', () => {
  const at = (iso: string, enabled = true) => ({ next_run_at: iso, enabled }) as Schedule;

  it('follows the earliest enabled next run', () => {
    const soon = '2026-12-04T15:01:00Z';
    expect(earliestNextRun([at('2026-12-04T16:00:00Z'), at(soon), at('2026-12-04T14:00:00Z', false)])).toBe(
      Date.parse(soon),
    );
    expect(earliestNextRun([at('2026-12-04T16:00:00Z', false)])).toBeNull();
  });

  it('reads again just after a firing, never more often than the pause after it', () => {
    const now = Date.parse('2026-12-04T15:00:57Z');
    expect(refreshDelay(Date.parse('2026-12-04T15:01:00Z'), now, 10_000, 1_500)).toBe(4_500);
    expect(refreshDelay(Date.parse('2026-12-04T16:00:00Z'), now, 10_000, 1_500)).toBe(10_000);
    expect(refreshDelay(Date.parse('2026-12-04T15:00:00Z'), now, 10_000, 1_500)).toBe(1_500);
    expect(refreshDelay(null, now, 10_000, 1_500)).toBe(10_000);
  });
});
