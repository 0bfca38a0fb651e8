/**
 * "Fix with assistant" (SPEC §13) as plain data: the rounds of the loop as its events arrive
 * — the model's answer streaming, the code taken from it, its run in the sandbox — then how
 * it ended. Pure (no React, no fetch): events in, state out.
 */
import type { Execution, FixDone, FixEvent } from '../../api';

export interface FixRound {
  /** 0: the script as given, run first because no run of exactly that code was known. */
  n: number;
  /** The model's answer so far. */
  answer: string;
  /** The whole script taken from the answer's code block (null: not yet, or none). */
  code: string | null;
  /** The run of `code`, once started (`run_started`). */
  executionId: number | null;
  /** The finished run (`run`). */
  execution: Execution | null;
}

export interface FixSession {
  /** The round limit asked for. */
  maxRounds: number;
  rounds: FixRound[];
  /** The server's last word; null while the loop goes on, and when it was cut short. */
  done: FixDone | null;
  /** The user pressed Stop (the request was aborted, which ends the loop on the server). */
  stopped: boolean;
  /** The loop could not start (a refusal such as the budget's 429) or the connection failed. */
  error: string | null;
}

export type FixAction =
  | { type: 'event'; event: FixEvent }
  | { type: 'failed'; message: string }
  | { type: 'stopped' }
  /** The server closed the stream. */
  | { type: 'closed' };

export type FixPhase = 'asking' | 'running' | 'finished' | 'stopped' | 'failed';

/** Round 0 runs the script as given; the model is asked from round 1 on. */
export const isBaselineRound = (round: FixRound) => round.n === 0;

export function startSession(maxRounds: number): FixSession {
  return { maxRounds, rounds: [], done: null, stopped: false, error: null };
}

export function isOver(session: FixSession): boolean {
  return session.done !== null || session.stopped || session.error !== null;
}

export function phaseOf(session: FixSession): FixPhase {
  if (session.done) return 'finished';
  if (session.stopped) return 'stopped';
  if (session.error) return 'failed';
  const last = session.rounds.at(-1);
  if (!last || last.execution) return 'asking';
  return last.code !== null || last.executionId !== null || isBaselineRound(last) ? 'running' : 'asking';
}

/**
 * The code to review against the editor: the loop's result, or — when it was cut short —
 * the last code a round produced. Null when there is nothing to offer.
 */
export function proposalOf(session: FixSession): string | null {
  if (session.done) return session.done.content;
  return lastCodeRound(session)?.code ?? null;
}

/** The latest round that produced code. */
export function lastCodeRound(session: FixSession): FixRound | undefined {
  return session.rounds.findLast((r) => r.code !== null);
}

function updateLast(session: FixSession, change: (round: FixRound) => FixRound): FixSession {
  const last = session.rounds.at(-1);
  // An event about a round that never began (a server out of order) changes nothing.
  if (!last) return session;
  return { ...session, rounds: [...session.rounds.slice(0, -1), change(last)] };
}

function onEvent(session: FixSession, event: FixEvent): FixSession {
  switch (event.kind) {
    case 'round':
      return {
        ...session,
        rounds: [...session.rounds, { n: event.data.n, answer: '', code: null, executionId: null, execution: null }],
      };
    case 'token':
      return updateLast(session, (r) => ({ ...r, answer: r.answer + event.data.text }));
    case 'code':
      return updateLast(session, (r) => ({ ...r, code: event.data.content }));
    case 'run_started':
      return updateLast(session, (r) => ({ ...r, executionId: event.data.execution_id }));
    case 'run': {
      const { execution } = event.data;
      return updateLast(session, (r) => ({ ...r, executionId: execution.id, execution }));
    }
    case 'done':
      return { ...session, done: event.data };
  }
}

const CUT_OFF = 'The connection closed before the loop finished.';

export function fixReducer(session: FixSession, action: FixAction): FixSession {
  // Once over, it stays as it ended (the close that follows `done`, an abort arriving late).
  if (isOver(session)) return session;
  switch (action.type) {
    case 'event':
      return onEvent(session, action.event);
    case 'failed':
      return { ...session, error: action.message };
    case 'stopped':
      return { ...session, stopped: true };
    case 'closed':
      return { ...session, error: CUT_OFF };
  }
}

/** One sentence on how the loop ended, for the panel and the review banner. */
export function outcomeSentence(session: FixSession): string | null {
  const { done } = session;
  if (session.stopped) {
    const last = session.rounds.at(-1);
    return !last || isBaselineRound(last) ? 'Stopped before the model was asked.' : `Stopped by you during round ${last.n}.`;
  }
  if (session.error) return session.error;
  if (!done) return null;
  const rounds = `${done.rounds} round${done.rounds === 1 ? '' : 's'}`;
  switch (done.stop_reason) {
    case 'succeeded':
      return `Fixed in ${rounds}: the last code ran successfully.`;
    case 'rounds_spent':
      return `Stopped after ${rounds}, the round limit: the last code still fails.`;
    case 'budget':
      return `Stopped after ${rounds}: the assistant budget is spent. ${done.detail}`;
    case 'no_code':
      return `Stopped after ${rounds}: ${done.detail}`;
    case 'llm_error':
      return `Stopped after ${rounds}: the model failed. ${done.detail}`;
  }
}
