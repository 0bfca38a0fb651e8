import { describe, expect, it } from 'vitest';
import type { Batch, BatchEvent, Execution } from '../api';
import { applyBatchEvent, isBatchFinished, progressOf, startedBatch, type BatchProgress } from './batchProgress';

const run = (id: number, scriptId: number, status: Execution['status']): Execution => ({
  id,
  script_id: scriptId,
  script_version_id: 1,
  version_label: '1.0',
  batch_id: 9,
  artifacts: [],
  source: 'prod',
  status,
  exit_code: status === 'succeeded' ? 0 : status === 'failed' ? 1 : null,
  stdout: '',
  stderr: '',
  stdout_truncated: false,
  stderr_truncated: false,
  started_at: null,
  finished_at: null,
  duration_ms: null,
  interpreter: 'cpython-3.13.5',
  triggered_by: 'ed1',
  error: null,
});

const play = (events: BatchEvent[], from: BatchProgress = progressOf(startedBatch(9, new Date(0)))) =>
  events.reduce(applyBatchEvent, from);

describe('applyBatchEvent', () => {
  it('groups appear as they start; executions land in the running group and are updated in place', () => {
    const progress = play([
      { kind: 'group', data: { group: 1, status: 'running' } },
      { kind: 'execution', data: run(21, 5, 'running') },
      { kind: 'execution', data: run(20, 4, 'running') },
      { kind: 'execution', data: run(21, 5, 'succeeded') },
    ]);
    expect(progress.runningGroup).toBe(1);
    expect(progress.groupStatus).toEqual({ 1: 'running' });
    expect(progress.batch.groups).toHaveLength(1);
    expect(progress.batch.groups[0]!.executions.map((e) => [e.id, e.status])).toEqual([
      [21, 'succeeded'],
      [20, 'running'],
    ]);
  });

  it('the next group starts after the last one ended; groups stay in group order', () => {
    const progress = play([
      { kind: 'group', data: { group: 2, status: 'running' } },
      { kind: 'execution', data: run(30, 7, 'failed') },
      { kind: 'group', data: { group: 2, status: 'failed' } },
      { kind: 'group', data: { group: 1, status: 'running' } },
      { kind: 'execution', data: run(31, 8, 'running') },
    ]);
    expect(progress.groupStatus).toEqual({ 2: 'failed', 1: 'running' });
    expect(progress.batch.groups.map((g) => [g.group, g.executions.map((e) => e.id)])).toEqual([
      [1, [31]],
      [2, [30]],
    ]);
  });

  it('a replayed stream on top of the batch already shown changes nothing', () => {
    const events: BatchEvent[] = [
      { kind: 'group', data: { group: 1, status: 'running' } },
      { kind: 'execution', data: run(21, 5, 'running') },
      { kind: 'execution', data: run(21, 5, 'succeeded') },
    ];
    const once = play(events);
    const twice = play(events, once);
    expect(twice.batch).toEqual(once.batch);
  });

  it('end gives the batch as the server has it', () => {
    const final: Batch = {
      id: 9,
      status: 'succeeded',
      started_at: '2026-01-01T00:00:00Z',
      finished_at: '2026-01-01T00:00:05Z',
      triggered_by: 'ed1',
      groups: [{ group: 1, executions: [run(21, 5, 'succeeded')] }],
    };
    const progress = play([{ kind: 'group', data: { group: 1, status: 'running' } }, { kind: 'end', data: { batch: final } }]);
    expect(progress.batch).toBe(final);
    expect(progress.runningGroup).toBeNull();
    expect(isBatchFinished(progress.batch)).toBe(true);
  });

  it('a batch just started is running', () => {
    expect(isBatchFinished(startedBatch(3))).toBe(false);
  });
});
