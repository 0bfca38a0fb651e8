import { describe, expect, it } from 'vitest';
import type { Execution, FixDone, FixEvent } from '../../api';
import {
  fixReducer,
  isOver,
  outcomeSentence,
  phaseOf,
  proposalOf,
  startSession,
  type FixAction,
  type FixSession,
} from './fixSession';

const ran = (id: number, status: Execution['status'], exitCode: number, stderr = ''): Execution => ({
  id,
  script_id: 5,
  script_version_id: 9,
  version_label: '0.1',
  batch_id: null,
  status,
  exit_code: exitCode,
  stdout: '',
  stderr,
  stdout_truncated: false,
  stderr_truncated: false,
  started_at: '2026-12-04T15:00:00Z',
  finished_at: '2026-12-04T15:00:01Z',
  duration_ms: 900,
  interpreter: 'cpython-3.11.2',
  triggered_by: 'ed1',
  error: null,
  worker: 'local',
  artifacts: [],
  source: 'assistant',
});

const done = (over: Partial<FixDone> = {}): FixDone => ({
  content: 'print("fixed")\n',
  succeeded: true,
  rounds: 2,
  cost_usd: 0.000246,
  interaction_ids: [11, 12],
  stop_reason: 'succeeded',
  detail: "Round 2's script ran successfully.",
  ...over,
});

const e = (event: FixEvent): FixAction => ({ type: 'event', event });
const play = (actions: FixAction[], from: FixSession = startSession(3)) => actions.reduce(fixReducer, from);

/** Round `n`: the answer in two tokens, its code, the run started and finished. */
function round(n: number, code: string, execution: Execution): FixAction[] {
  return [
    e({ kind: 'round', data: { n } }),
    e({ kind: 'token', data: { text: 'Here:\n```python\n' } }),
    e({ kind: 'token', data: { text: `${code}\`\`\`\n` } }),
    e({ kind: 'code', data: { content: code } }),
    e({ kind: 'run_started', data: { execution_id: execution.id } }),
    e({ kind: 'run', data: { execution } }),
  ];
}

describe('the fix loop as its events arrive', () => {
  it('follows a round through asking, running and its finished run', () => {
    let s = play([e({ kind: 'round', data: { n: 1 } })]);
    expect(phaseOf(s)).toBe('asking');
    s = play([e({ kind: 'token', data: { text: 'Here:\n```py' } }), e({ kind: 'token', data: { text: 'thon\nx = 1\n' } })], s);
    expect(s.rounds[0]!.answer).toBe('Here:\n```python\nx = 1\n');
    expect(phaseOf(s)).toBe('asking');
    s = play([e({ kind: 'code', data: { content: 'x = 1\n' } })], s);
    expect(phaseOf(s)).toBe('running');
    s = play([e({ kind: 'run_started', data: { execution_id: 40 } })], s);
    expect(s.rounds[0]).toMatchObject({ code: 'x = 1\n', executionId: 40, execution: null });
    s = play([e({ kind: 'run', data: { execution: ran(40, 'failed', 1, 'NameError') } })], s);
    expect(s.rounds[0]!.execution?.stderr).toBe('NameError');
    expect(phaseOf(s)).toBe('asking');
    expect(isOver(s)).toBe(false);
  });

  it('a failing first round and a succeeding second: two rounds, the result, its cost', () => {
    const s = play([
      ...round(1, 'print(undefined_name)\n', ran(40, 'failed', 1, "NameError: name 'undefined_name'")),
      ...round(2, 'print("fixed")\n', ran(41, 'succeeded', 0)),
      e({ kind: 'done', data: done() }),
      { type: 'closed' },
    ]);
    expect(s.rounds.map((r) => [r.n, r.execution?.status, r.code])).toEqual([
      [1, 'failed', 'print(undefined_name)\n'],
      [2, 'succeeded', 'print("fixed")\n'],
    ]);
    expect(phaseOf(s)).toBe('finished');
    expect(s.error).toBeNull();
    expect(proposalOf(s)).toBe('print("fixed")\n');
    expect(outcomeSentence(s)).toBe('Fixed in 2 rounds: the last code ran successfully.');
  });

  it('says clearly that the rounds ran out, or the budget did', () => {
    const spent = play(
      [
        ...round(1, 'boom()\n', ran(1, 'failed', 1)),
        e({
          kind: 'done',
          data: done({ succeeded: false, rounds: 1, stop_reason: 'rounds_spent', content: 'boom()\n', detail: 'No run succeeded in 1 rounds.' }),
        }),
      ],
      startSession(1),
    );
    expect(outcomeSentence(spent)).toBe('Stopped after 1 round, the round limit: the last code still fails.');
    expect(proposalOf(spent)).toBe('boom()\n');

    const budget = play([
      ...round(1, 'boom()\n', ran(1, 'failed', 1)),
      e({
        kind: 'done',
        data: done({ succeeded: false, rounds: 1, stop_reason: 'budget', detail: 'Daily budget of $0.01 reached; it resets at 00:00 UTC.' }),
      }),
    ]);
    expect(outcomeSentence(budget)).toBe(
      'Stopped after 1 round: the assistant budget is spent. Daily budget of $0.01 reached; it resets at 00:00 UTC.',
    );
  });

  it('a user who stops keeps the rounds so far and the last code to review; nothing changes afterwards', () => {
    const s = play([
      ...round(1, 'first()\n', ran(1, 'failed', 1)),
      e({ kind: 'round', data: { n: 2 } }),
      e({ kind: 'token', data: { text: 'Let me' } }),
      { type: 'stopped' },
      e({ kind: 'token', data: { text: ' try again' } }),
    ]);
    expect(phaseOf(s)).toBe('stopped');
    expect(s.rounds[1]!.answer).toBe('Let me');
    expect(proposalOf(s)).toBe('first()\n');
    expect(outcomeSentence(s)).toBe('Stopped by you during round 2.');
  });

  it('a refusal before streaming (the budget\'s 429) ends it with the server\'s words and nothing to review', () => {
    const s = play([{ type: 'failed', message: 'Over the assistant budget (429): budget of $1.00 spent' }]);
    expect(phaseOf(s)).toBe('failed');
    expect(proposalOf(s)).toBeNull();
    expect(outcomeSentence(s)).toBe('Over the assistant budget (429): budget of $1.00 spent');
  });

  it('a stream that closes without done says so', () => {
    const s = play([...round(1, 'x()\n', ran(1, 'failed', 1)), { type: 'closed' }]);
    expect(phaseOf(s)).toBe('failed');
    expect(outcomeSentence(s)).toMatch(/closed before the loop finished/);
  });

  it('round 0 runs the script as given before the model is asked: no answer, no code, its run', () => {
    let s = play([e({ kind: 'round', data: { n: 0 } })]);
    expect(phaseOf(s)).toBe('running');
    s = play([e({ kind: 'run_started', data: { execution_id: 39 } })], s);
    expect(phaseOf(s)).toBe('running');
    s = play([e({ kind: 'run', data: { execution: ran(39, 'failed', 1, 'NameError') } })], s);
    expect(phaseOf(s)).toBe('asking');
    expect(s.rounds[0]).toMatchObject({ n: 0, code: null, answer: '', executionId: 39 });
    // Nothing to review yet: the script as given is not a proposal.
    expect(proposalOf(s)).toBeNull();
    s = play([e({ kind: 'round', data: { n: 1 } }), { type: 'stopped' }], s);
    expect(outcomeSentence(s)).toBe('Stopped by you during round 1.');
    expect(outcomeSentence(play([e({ kind: 'round', data: { n: 0 } }), { type: 'stopped' }]))).toBe(
      'Stopped before the model was asked.',
    );
  });

  it('says what the server said when the answer had no code or the model failed', () => {
    const noCode = play([
      e({ kind: 'round', data: { n: 1 } }),
      e({ kind: 'token', data: { text: 'I cannot help with that.' } }),
      e({
        kind: 'done',
        data: done({ succeeded: false, rounds: 1, stop_reason: 'no_code', content: 'orig\n', detail: "Round 1: the model's answer had no code block to run." }),
      }),
    ]);
    expect(outcomeSentence(noCode)).toBe("Stopped after 1 round: Round 1: the model's answer had no code block to run.");
    expect(proposalOf(noCode)).toBe('orig\n');
    const failed = play([
      e({ kind: 'round', data: { n: 1 } }),
      e({ kind: 'done', data: done({ succeeded: false, rounds: 1, stop_reason: 'llm_error', detail: 'The model service failed (502).' }) }),
    ]);
    expect(outcomeSentence(failed)).toBe('Stopped after 1 round: the model failed. The model service failed (502).');
  });

  it('events about a round that never began change nothing', () => {
    const s = play([e({ kind: 'token', data: { text: 'stray' } }), e({ kind: 'code', data: { content: 'x' } })]);
    expect(s.rounds).toEqual([]);
  });
});
