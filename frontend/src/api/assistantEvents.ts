/**
 * The Server-Sent Event streams of the assistant (SPEC §13), answers of POST requests read
 * with `sse.ts`. Like the run streams (`events.ts`), `data:` is JSON that the OpenAPI
 * document does not describe, so the payloads are spelled here in terms of its schemas.
 */
import type { SseMessage } from './sse';
import type { Execution, LlmCompletion } from './types';

/** An upstream failure after streaming began (502, 504 …). */
export interface StreamError {
  status: number;
  detail: string;
}

/** `POST /api/llm/complete` with `stream: true` */
export type CompletionEvent =
  | { kind: 'token'; data: { text: string } }
  | { kind: 'done'; data: LlmCompletion }
  | { kind: 'error'; data: StreamError };

export const COMPLETION_EVENT_KINDS: readonly CompletionEvent['kind'][] = ['token', 'done', 'error'];

/** Why a fix loop ended. */
export type FixStopReason = 'succeeded' | 'rounds_spent' | 'budget' | 'no_code' | 'llm_error';

/** The `done` event of a fix loop. */
export interface FixDone {
  /** The last round's code (the original content when no round produced code). */
  content: string;
  succeeded: boolean;
  /** Rounds in which the model was asked (round 0, a run of the script as given, is not one). */
  rounds: number;
  /** The known cost of every round, in USD. */
  cost_usd: number;
  interaction_ids: number[];
  stop_reason: FixStopReason;
  /** A sentence on how it ended (which budget and when it resets, the upstream's error …). */
  detail: string;
}

/**
 * `POST /api/assistant/fix`. Round 0, when there is one, runs the script as given (no earlier
 * run of exactly that code was found): it has `run_started` and `run` but no answer.
 */
export type FixEvent =
  | { kind: 'round'; data: { n: number } }
  | { kind: 'token'; data: { text: string } }
  | { kind: 'code'; data: { content: string } }
  | { kind: 'run_started'; data: { execution_id: number } }
  | { kind: 'run'; data: { execution: Execution } }
  | { kind: 'done'; data: FixDone };

export const FIX_EVENT_KINDS: readonly FixEvent['kind'][] = ['round', 'token', 'code', 'run_started', 'run', 'done'];

/**
 * Turns raw messages into typed events: kinds not listed (a newer server's) and data that is
 * not JSON are skipped rather than breaking the stream.
 */
export function typedEvents<E extends { kind: string; data: unknown }>(
  kinds: readonly E['kind'][],
  onEvent: (event: E) => void,
): (message: SseMessage) => void {
  return ({ event, data }) => {
    if (!kinds.includes(event)) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    onEvent({ kind: event, data: parsed } as E);
  };
}
