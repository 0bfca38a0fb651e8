import { describe, expect, it } from 'vitest';
import type { Execution, ExecutionEvent } from '../../api';
import { appendCapped, isLive, liveRunReducer, type LiveRun, type LiveRunAction } from './liveRun';

const finished = (over: Partial<Execution> = {}): Execution => ({
  id: 7,
  script_id: 1,
  script_version_id: 3,
  version_label: '0.3',
  batch_id: null,
  status: 'succeeded',
  exit_code: 0,
  stdout: 'first\nsecond\n',
  stderr: '',
  stdout_truncated: false,
  stderr_truncated: false,
  started_at: '2026-01-01T00:00:00Z',
  finished_at: '2026-01-01T00:00:02Z',
  duration_ms: 2000,
  interpreter: 'cpython-3.13.5',
  triggered_by: 'ed1',
  error: null,
  worker: 'local',
  artifacts: [],
  source: 'prod',
  ...over,
});

const event = (e: ExecutionEvent, at = 1000): LiveRunAction => ({ executionId: 7, type: 'event', event: e, at });
const play = (actions: LiveRunAction[], from: LiveRun | null = null) => actions.reduce(liveRunReducer, from)!;

describe('liveRunReducer', () => {
  it('a run streams: queued, running with output as it comes, then the finished execution', () => {
    let run = play([event({ kind: 'status', data: { status: 'queued' } }, 1000)]);
    expect(run.status).toBe('queued');
    expect(run.startedAt).toBeNull();
    expect(isLive(run)).toBe(true);

    run = play(
      [
        event({ kind: 'status', data: { status: 'running' } }, 1500),
        event({ kind: 'stdout', data: { text: 'first\n' } }),
        event({ kind: 'stderr', data: { text: 'warn\n' } }),
      ],
      run,
    );
    expect(run).toMatchObject({ status: 'running', startedAt: 1500, stdout: 'first\n', stderr: 'warn\n', execution: null });

    run = play([event({ kind: 'stdout', data: { text: 'second\n' } })], run);
    expect(run.stdout).toBe('first\nsecond\n');

    run = play([event({ kind: 'end', data: { execution: finished() } })], run);
    expect(run.status).toBe('succeeded');
    expect(run.execution?.exit_code).toBe(0);
    expect(isLive(run)).toBe(false);
  });

  it('nothing changes a finished run: neither a late event nor a late snapshot', () => {
    const run = play([event({ kind: 'end', data: { execution: finished() } })]);
    const after = play(
      [
        event({ kind: 'stdout', data: { text: 'late' } }),
        { executionId: 7, type: 'snapshot', execution: finished({ status: 'running', exit_code: null }) },
      ],
      run,
    );
    expect(after.stdout).toBe('');
    expect(after.status).toBe('succeeded');
    expect(after.execution).toBe(run.execution);
  });

  it('a snapshot of a finished run finishes it (a run from before live events)', () => {
    const run = play([{ executionId: 7, type: 'snapshot', execution: finished({ status: 'failed', exit_code: 1 }) }]);
    expect(run.execution?.status).toBe('failed');
    expect(isLive(run)).toBe(false);
  });

  it('a snapshot of a running run gives its start and version, and never takes back a newer status', () => {
    let run = play([{ executionId: 7, type: 'snapshot', execution: finished({ status: 'running', started_at: '2026-01-01T00:00:00Z' }) }]);
    expect(run).toMatchObject({ status: 'running', startedAt: Date.parse('2026-01-01T00:00:00Z'), versionLabel: '0.3' });
    run = play(
      [
        event({ kind: 'status', data: { status: 'running' } }),
        { executionId: 7, type: 'snapshot', execution: finished({ status: 'queued', started_at: null }) },
      ],
      play([event({ kind: 'status', data: { status: 'queued' } })]),
    );
    expect(run.status).toBe('running');

    // Reattached after a reload: the replayed `running` is heard now, but it started earlier.
    run = play(
      [
        event({ kind: 'status', data: { status: 'running' } }, Date.parse('2026-01-01T00:00:09Z')),
        { executionId: 7, type: 'snapshot', execution: finished({ status: 'running', started_at: '2026-01-01T00:00:01Z' }) },
      ],
      null,
    );
    expect(run.startedAt).toBe(Date.parse('2026-01-01T00:00:01Z'));
  });

  it('another execution id starts afresh', () => {
    const first = play([event({ kind: 'stdout', data: { text: 'old' } })]);
    const second = liveRunReducer(first, { executionId: 8, type: 'event', event: { kind: 'stdout', data: { text: 'new' } }, at: 0 });
    expect(second).toMatchObject({ executionId: 8, stdout: 'new' });
  });

  it('a stream that could not be followed is no longer shown as going', () => {
    const run = play([
      event({ kind: 'status', data: { status: 'running' } }),
      { executionId: 7, type: 'connection', connection: 'failed' },
      { executionId: 7, type: 'failed', message: 'Lost the live output' },
    ]);
    expect(run.connection).toBe('failed');
    expect(run.error).toBe('Lost the live output');
    expect(isLive(run)).toBe(false);
  });

  it('artifact events list the files once each, and the finished execution has the last word', () => {
    const figure = { name: 'figure-1.png', size: 2048, content_type: 'image/png' };
    const table = { name: 'table.csv', size: 40, content_type: 'text/csv; charset=utf-8' };
    let run = play([
      event({ kind: 'status', data: { status: 'running' } }),
      event({ kind: 'artifact', data: table }),
      event({ kind: 'artifact', data: figure }),
      event({ kind: 'artifact', data: table }),
    ]);
    expect(run.artifacts).toEqual([table, figure]);
    expect(isLive(run)).toBe(true);

    const listed = [{ ...table, sha256: 'ab' }, { ...figure, sha256: 'cd' }];
    run = play([event({ kind: 'end', data: { execution: finished({ artifacts: listed }) } })], run);
    expect(run.artifacts).toEqual(listed);
    expect(run.execution?.artifacts).toEqual(listed);
  });

  it('long output keeps only the last part on screen, and says so', () => {
    let run = play([event({ kind: 'stdout', data: { text: 'x'.repeat(1024 * 1024 - 2) } })]);
    expect(run.stdoutClipped).toBe(false);
    run = play([event({ kind: 'stdout', data: { text: '\nthe end\n' } })], run);
    expect(run.stdoutClipped).toBe(true);
    expect(run.stdout.length).toBeLessThanOrEqual(1024 * 1024);
    expect(run.stdout.endsWith('\nthe end\n')).toBe(true);
    expect(run.stderrClipped).toBe(false);
  });
});

describe('appendCapped', () => {
  it('keeps everything under the cap', () => {
    expect(appendCapped('ab', 'cd', 10)).toEqual({ text: 'abcd', clipped: false });
  });

  it('keeps the last characters over the cap, from a line start when one is near', () => {
    expect(appendCapped('line1\nline2\n', 'line3\n', 14)).toEqual({ text: 'line2\nline3\n', clipped: true });
    expect(appendCapped('', 'abcdefghij', 4)).toEqual({ text: 'ghij', clipped: true });
  });
});
