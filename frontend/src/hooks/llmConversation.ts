/**
 * The assistant conversation as plain data: each question and its answer, which grows token
 * by token while it streams (SPEC §13). Pure (no React, no fetch): events in, state out.
 */
import { ApiError, errorMessage, type CompletionEvent, type LlmCompletion } from '../api';

export interface ExchangeError {
  kind: 'guardrail' | 'upstream' | 'other';
  message: string;
}

export interface LlmExchange {
  id: number;
  prompt: string;
  contextLabel: string;
  /** The answer so far: the tokens joined, then the server's whole text once `done`. */
  text: string;
  /** The `done` event: model, tokens, cost. */
  result: LlmCompletion | null;
  error: ExchangeError | null;
  /** Asked, and the answer is not over. */
  pending: boolean;
  /** The user stopped it; `text` is what had arrived. */
  stopped: boolean;
}

export type ConversationAction =
  | { type: 'asked'; id: number; prompt: string; contextLabel: string }
  | { type: 'event'; id: number; event: CompletionEvent }
  /** The request failed (refused before streaming, or the connection dropped). */
  | { type: 'failed'; id: number; error: ExchangeError }
  | { type: 'stopped'; id: number }
  /** The server closed the stream. */
  | { type: 'closed'; id: number }
  | { type: 'cleared' };

/** What a failure status means to the user (the server's `detail` says the rest). */
export function classifyFailure(status: number, detail: string): ExchangeError {
  if (status === 400 && /disallowed/i.test(detail)) return { kind: 'guardrail', message: detail };
  const what: Record<number, string> = {
    429: 'Over the assistant budget',
    502: 'The model service failed',
    503: 'The assistant is not available',
    504: 'The model took too long to answer',
  };
  const prefix = what[status];
  if (prefix) return { kind: 'upstream', message: `${prefix} (${status}): ${detail}` };
  return { kind: 'other', message: detail };
}

export function classifyError(err: unknown): ExchangeError {
  if (err instanceof ApiError) return classifyFailure(err.status, err.detail);
  return { kind: 'other', message: errorMessage(err) };
}

const CUT_OFF: ExchangeError = {
  kind: 'other',
  message: 'The connection closed before the answer was complete.',
};

function onEvent(exchange: LlmExchange, event: CompletionEvent): LlmExchange {
  switch (event.kind) {
    case 'token':
      return { ...exchange, text: exchange.text + event.data.text };
    case 'done':
      return { ...exchange, text: event.data.response_text, result: event.data, pending: false };
    case 'error':
      return { ...exchange, error: classifyFailure(event.data.status, event.data.detail), pending: false };
  }
}

function settle(exchange: LlmExchange, action: ConversationAction): LlmExchange {
  switch (action.type) {
    case 'event':
      return onEvent(exchange, action.event);
    case 'failed':
      return { ...exchange, error: action.error, pending: false };
    case 'stopped':
      return { ...exchange, stopped: true, pending: false };
    case 'closed':
      return { ...exchange, error: CUT_OFF, pending: false };
    default:
      return exchange;
  }
}

export function conversationReducer(exchanges: LlmExchange[], action: ConversationAction): LlmExchange[] {
  switch (action.type) {
    case 'asked':
      return [
        ...exchanges,
        {
          id: action.id,
          prompt: action.prompt,
          contextLabel: action.contextLabel,
          text: '',
          result: null,
          error: null,
          pending: true,
          stopped: false,
        },
      ];
    case 'cleared':
      return [];
    default:
      // Only an answer still going changes; anything after its end (a late event, the close
      // that follows `done`) or for a cleared one is ignored.
      return exchanges.map((x) => (x.id === action.id && x.pending ? settle(x, action) : x));
  }
}
