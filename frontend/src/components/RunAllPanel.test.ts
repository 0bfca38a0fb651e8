import { describe, expect, it } from 'vitest';
import type { Batch, Execution, ScriptSummary } from '../api';
import { groupsOf, inOrderingOrder } from './RunAllPanel';

const script = (id: number, ordering: number, prod: string | null): ScriptSummary => ({
  id,
  ordering_number: ordering,
  descriptive_name: `s${id}`,
  docstring: '',
  major: 0,
  minor: 1,
  version_label: '0.1',
  last_modified: '2026-01-01T00:00:00Z',
  prod_version_label: prod,
  last_run_at: null,
  last_run_exit_code: null,
  last_run_status: null,
});

const execution = (id: number, scriptId: number, status: Execution['status']): Execution => ({
  id,
  script_id: scriptId,
  script_version_id: 1,
  version_label: '0.1',
  batch_id: 7,
  artifacts: [],
  source: 'prod',
  status,
  exit_code: status === 'succeeded' ? 0 : null,
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

describe('groupsOf', () => {
  const scripts = [script(1, 1.0, '0.1'), script(2, 1.5, '0.1'), script(3, 2.01, '1.0'), script(4, 3, null)];
  const batch: Batch = {
    id: 7,
    status: 'running',
    started_at: '2026-01-01T00:00:00Z',
    finished_at: null,
    triggered_by: 'ed1',
    groups: [{ group: 1, executions: [execution(10, 1, 'succeeded'), execution(11, 2, 'running')] }],
  };

  it('while running, lists groups not reached yet from the prod scripts', () => {
    expect(groupsOf(batch, scripts, true).map((g) => [g.group, g.expected, g.executions.length])).toEqual([
      [1, 2, 2],
      [2, 1, 0],
    ]);
  });

  it('once finished, shows only what ran', () => {
    expect(groupsOf({ ...batch, finished_at: '2026-01-01T00:01:00Z' }, scripts, false).map((g) => g.group)).toEqual([1]);
  });

  it('accepts ordering numbers sent as decimal strings', () => {
    const asStrings = scripts.map((s) => ({ ...s, ordering_number: String(s.ordering_number) as unknown as number }));
    expect(groupsOf({ ...batch, groups: [] }, asStrings, true).map((g) => g.group)).toEqual([1, 2]);
  });
});

describe('results inside a group', () => {
  const scripts = [script(1, 1.3, '0.1'), script(2, 1.01, '0.1'), script(3, 1.2, '0.1'), script(4, 2, '0.1')];

  it('are listed by ordering number, not in the order they finished', () => {
    const finishOrder: Batch = {
      id: 8,
      status: 'succeeded',
      started_at: '2026-01-01T00:00:00Z',
      finished_at: '2026-01-01T00:01:00Z',
      triggered_by: 'ed1',
      groups: [
        { group: 1, executions: [execution(20, 1, 'succeeded'), execution(21, 3, 'failed'), execution(22, 2, 'succeeded')] },
        { group: 2, executions: [execution(23, 4, 'succeeded')] },
      ],
    };
    const groups = groupsOf(finishOrder, scripts, false);
    expect(groups.map((g) => g.executions.map((e) => e.script_id))).toEqual([[2, 3, 1], [4]]);
  });

  it('puts scripts the catalog does not know last, by script id', () => {
    const executions = [execution(30, 9, 'succeeded'), execution(31, 7, 'succeeded'), execution(32, 1, 'succeeded')];
    expect(inOrderingOrder(executions, scripts).map((e) => e.script_id)).toEqual([1, 7, 9]);
  });
});
