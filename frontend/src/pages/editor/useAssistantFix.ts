import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { api } from '../../api';
import { classifyError } from '../../hooks/llmConversation';
import { fixReducer, proposalOf, startSession, type FixAction, type FixSession } from './fixSession';

/** The loop's result against the editor's text, for Monaco's diff editor. */
export interface FixReview {
  /** Each review opened gets its own diff editor. */
  id: number;
  /** What the editor held when the review opened. */
  original: string;
  /** The assistant's code. */
  modified: string;
}

export type FixDecision = 'accepted' | 'discarded' | null;

export interface FixRequest {
  content: string;
  testData: string;
  /** What to aim for ('' for none: the loop then fixes whatever fails). */
  prompt: string;
  maxRounds: number;
}

/** Rounds the loop runs unless told otherwise (the server's default). */
export const DEFAULT_MAX_ROUNDS = 3;
/** The most rounds the server allows. */
export const MAX_ROUNDS_ALLOWED = 6;

function sessionReducer(session: FixSession | null, action: FixAction | { type: 'start'; maxRounds: number } | { type: 'dismiss' }) {
  if (action.type === 'start') return startSession(action.maxRounds);
  if (action.type === 'dismiss') return null;
  return session ? fixReducer(session, action) : null;
}

const isAbort = (err: unknown) => err instanceof DOMException && err.name === 'AbortError';

/**
 * One "Fix with assistant" loop of the script being edited: starts it, follows its events,
 * stops it (aborting the request ends the loop on the server), and holds the review of its
 * result — the diff against the editor's text, with Accept and Discard. Nothing is saved.
 */
export function useAssistantFix(scriptId: number | null, editorText: () => string) {
  const [session, dispatch] = useReducer(sessionReducer, null);
  const [review, setReview] = useState<FixReview | null>(null);
  const [decision, setDecision] = useState<FixDecision>(null);
  const request = useRef<AbortController | null>(null);
  const reviews = useRef(0);
  const textRef = useRef(editorText);
  useEffect(() => {
    textRef.current = editorText;
  });

  const openReview = useCallback((modified: string) => {
    setReview({ id: ++reviews.current, original: textRef.current(), modified });
  }, []);

  const start = useCallback(
    async ({ content, testData, prompt, maxRounds }: FixRequest) => {
      request.current?.abort();
      const controller = new AbortController();
      request.current = controller;
      dispatch({ type: 'start', maxRounds });
      setReview(null);
      setDecision(null);
      try {
        await api.assistant.fix(
          {
            script_id: scriptId ?? undefined,
            content,
            test_data: testData,
            prompt: prompt || undefined,
            max_rounds: maxRounds,
          },
          {
            signal: controller.signal,
            onEvent: (event) => {
              dispatch({ type: 'event', event });
              // The result goes straight to the diff editor.
              if (event.kind === 'done') openReview(event.data.content);
            },
          },
        );
        if (request.current === controller) dispatch({ type: 'closed' });
      } catch (err) {
        if (request.current !== controller) return;
        dispatch(isAbort(err) ? { type: 'stopped' } : { type: 'failed', message: classifyError(err).message });
      } finally {
        if (request.current === controller) request.current = null;
      }
    },
    [scriptId, openReview],
  );

  const stop = useCallback(() => request.current?.abort(), []);

  /** Shows the proposal again (or, after Stop, the last round's code). */
  const reviewAgain = useCallback(() => {
    const proposal = session ? proposalOf(session) : null;
    if (proposal !== null) openReview(proposal);
  }, [session, openReview]);

  const decide = useCallback((what: Exclude<FixDecision, null>) => {
    setReview(null);
    setDecision(what);
  }, []);

  /** Closes the loop's view (stopping it if it still runs). */
  const dismiss = useCallback(() => {
    request.current?.abort();
    request.current = null;
    setReview(null);
    setDecision(null);
    dispatch({ type: 'dismiss' });
  }, []);

  // Leaving the page stops a loop still running.
  useEffect(() => () => request.current?.abort(), []);

  return { session, review, decision, start, stop, reviewAgain, decide, dismiss };
}

export type AssistantFix = ReturnType<typeof useAssistantFix>;
