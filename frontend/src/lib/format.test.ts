import { describe, expect, it } from 'vitest';
import { formatBytes, formatCost, formatDuration, formatOrdering, formatRelative, outcomeOf } from './format';
import { safeNext } from './navigation';

describe('formatOrdering', () => {
  it('shows decimals as the server wrote them and integers with one decimal', () => {
    expect(formatOrdering(3.01)).toBe('3.01');
    expect(formatOrdering(1)).toBe('1.0');
    expect(formatOrdering('4.10')).toBe('4.10');
  });
});

describe('formatCost', () => {
  it('shows an unknown cost as "unknown", never as zero', () => {
    expect(formatCost(null)).toBe('unknown');
    expect(formatCost(undefined)).toBe('unknown');
    expect(formatCost(0)).toBe('$0');
    expect(formatCost(0.000123)).toBe('$0.00012');
    expect(formatCost(0.5)).toBe('$0.5000');
  });
});

describe('formatDuration', () => {
  it('scales from ms to minutes', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(420)).toBe('420 ms');
    expect(formatDuration(1234)).toBe('1.23 s');
    expect(formatDuration(30_000)).toBe('30.0 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });
});

describe('formatRelative', () => {
  it('says how long ago', () => {
    const now = Date.parse('2026-01-10T12:00:00Z');
    expect(formatRelative('2026-01-10T11:59:50Z', now)).toBe('just now');
    expect(formatRelative('2026-01-10T11:55:00Z', now)).toBe('5 min ago');
    expect(formatRelative('2026-01-10T09:00:00Z', now)).toBe('3 h ago');
    expect(formatRelative(null, now)).toBe('—');
  });
});

describe('outcomeOf', () => {
  it('maps every execution status to a badge', () => {
    expect(outcomeOf('succeeded')).toBe('success');
    for (const status of ['failed', 'timed_out', 'oom_killed', 'error']) expect(outcomeOf(status)).toBe('failure');
    expect(outcomeOf('running')).toBe('pending');
    expect(outcomeOf('queued')).toBe('pending');
    expect(outcomeOf(null)).toBe('none');
  });
});

describe('safeNext', () => {
  it('follows app paths only', () => {
    expect(safeNext('/editor/3?execution=4')).toBe('/editor/3?execution=4');
    expect(safeNext(null)).toBe('/');
    expect(safeNext('https://evil.example/')).toBe('/');
    expect(safeNext('//evil.example/')).toBe('/');
    expect(safeNext('/login?next=/')).toBe('/');
  });
});

describe('formatBytes', () => {
  it('says bytes below 1 KB, then KB, MB, GB', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KB');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(20 * 1024)).toBe('20 KB');
    expect(formatBytes(1024 * 1024 - 1)).toBe('1024 KB');
    expect(formatBytes(3_200_000)).toBe('3.1 MB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GB');
  });

  it('says — for a size that is not one', () => {
    expect(formatBytes(-1)).toBe('—');
    expect(formatBytes(Number.NaN)).toBe('—');
  });
});
