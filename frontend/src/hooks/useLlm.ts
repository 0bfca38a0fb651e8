import { useCallback, useEffect, useReducer, useRef } from 'react';
import { api } from '../api';
import { classifyError, conversationReducer } from './llmConversation';

export type { LlmExchange } from './llmConversation';

const isAbort = (err: unknown) => err instanceof DOMException && err.name === 'AbortError';

/**
 * The assistant conversation of one editor session. Answers stream (`stream: true`): their
 * tokens show as they arrive, and `stop` aborts the request, which makes the server cancel
 * the upstream call.
 */
export function useLlm(scriptId: number | null, versionId: number | undefined) {
  const [exchanges, dispatch] = useReducer(conversationReducer, []);
  const nextId = useRef(1);
  const requests = useRef(new Map<number, AbortController>());
  const pending = exchanges.some((e) => e.pending);

  const ask = useCallback(
    async (prompt: string, contextCode: string, contextLabel: string) => {
      const id = nextId.current++;
      const controller = new AbortController();
      requests.current.set(id, controller);
      dispatch({ type: 'asked', id, prompt, contextLabel });
      try {
        await api.llm.completeStream(
          { script_id: scriptId ?? undefined, script_version_id: versionId, prompt, context_code: contextCode },
          { signal: controller.signal, onEvent: (event) => dispatch({ type: 'event', id, event }) },
        );
        dispatch({ type: 'closed', id });
      } catch (err) {
        dispatch(isAbort(err) ? { type: 'stopped', id } : { type: 'failed', id, error: classifyError(err) });
      } finally {
        requests.current.delete(id);
      }
    },
    [scriptId, versionId],
  );

  const stop = useCallback(() => {
    for (const controller of requests.current.values()) controller.abort();
  }, []);

  const clear = useCallback(() => {
    stop();
    dispatch({ type: 'cleared' });
  }, [stop]);

  // Leaving the page stops an answer still streaming (and its cost upstream).
  useEffect(() => stop, [stop]);

  return { exchanges, pending, ask, stop, clear };
}
