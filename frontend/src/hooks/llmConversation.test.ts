import { describe, expect, it } from 'vitest';
import type { CompletionEvent, LlmCompletion } from '../api';
import { conversationReducer, type ConversationAction, type LlmExchange } from './llmConversation';

const DONE: LlmCompletion = {
  response_text: 'Here:\n```python\nprint(1)\n```\n',
  model_id: 'fake/model',
  cost_usd: 0.000123,
  input_tokens: 42,
  output_tokens: 17,
  latency_ms: 80,
  interaction_id: 9,
  cost_source: 'upstream',
};

const token = (text: string): CompletionEvent => ({ kind: 'token', data: { text } });

function run(actions: ConversationAction[]): LlmExchange[] {
  return actions.reduce(conversationReducer, [] as LlmExchange[]);
}

const asked = (id: number): ConversationAction => ({ type: 'asked', id, prompt: `q${id}`, contextLabel: 'about the whole script' });
const ev = (id: number, event: CompletionEvent): ConversationAction => ({ type: 'event', id, event });

describe('the streamed conversation', () => {
  it('joins tokens in order as they arrive, and is pending until done', () => {
    const states: LlmExchange[][] = [];
    let state: LlmExchange[] = [];
    for (const action of [asked(1), ev(1, token('Here')), ev(1, token(':\n```py')), ev(1, token('thon\nprint(1)'))]) {
      state = conversationReducer(state, action);
      states.push(state);
    }
    expect(states.map((s) => s[0]!.text)).toEqual(['', 'Here', 'Here:\n```py', 'Here:\n```python\nprint(1)']);
    expect(state[0]!.pending).toBe(true);
    expect(state[0]!.result).toBeNull();
  });

  it('takes the server\'s whole text and the cost at done, and ignores the close after it', () => {
    const [x] = run([asked(1), ev(1, token('Here:')), ev(1, { kind: 'done', data: DONE }), { type: 'closed', id: 1 }]);
    expect(x).toMatchObject({ text: DONE.response_text, result: DONE, pending: false, error: null });
  });

  it('keeps the partial answer when an error event ends it, and says what failed', () => {
    const [x] = run([asked(1), ev(1, token('Half an ans')), ev(1, { kind: 'error', data: { status: 504, detail: 'upstream timed out' } })]);
    expect(x!.text).toBe('Half an ans');
    expect(x!.pending).toBe(false);
    expect(x!.error).toEqual({ kind: 'upstream', message: 'The model took too long to answer (504): upstream timed out' });
  });

  it('marks a stopped answer and keeps what had arrived; later events change nothing', () => {
    const [x] = run([asked(1), ev(1, token('So far')), { type: 'stopped', id: 1 }, ev(1, token(' more'))]);
    expect(x).toMatchObject({ text: 'So far', stopped: true, pending: false, error: null });
  });

  it('says the answer was cut off when the stream closes without done or error', () => {
    const [x] = run([asked(1), ev(1, token('Hal')), { type: 'closed', id: 1 }]);
    expect(x!.error?.message).toMatch(/closed before the answer was complete/);
  });

  it('classifies refusals: the guardrail, the budget', () => {
    const [guard, budget] = run([
      asked(1),
      { type: 'failed', id: 1, error: { kind: 'guardrail', message: "Prompt contains disallowed content: 'rm -rf'" } },
      asked(2),
      ev(2, { kind: 'error', data: { status: 429, detail: 'Daily budget of $1.00 spent; resets at 00:00 UTC' } }),
    ]);
    expect(guard!.error?.kind).toBe('guardrail');
    expect(budget!.error).toEqual({
      kind: 'upstream',
      message: 'Over the assistant budget (429): Daily budget of $1.00 spent; resets at 00:00 UTC',
    });
  });

  it('keeps two answers apart by id and forgets everything when cleared', () => {
    const state = run([asked(1), asked(2), ev(2, token('two')), ev(1, token('one'))]);
    expect(state.map((x) => x.text)).toEqual(['one', 'two']);
    const cleared = conversationReducer(state, { type: 'cleared' });
    expect(cleared).toEqual([]);
    // A token of a cleared answer still in flight adds nothing.
    expect(conversationReducer(cleared, ev(1, token('late')))).toEqual([]);
  });
});
