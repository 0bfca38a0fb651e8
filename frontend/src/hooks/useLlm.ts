import { useCallback, useRef, useState } from 'react';
import { api, ApiError, errorMessage, type LlmCompletion } from '../api';

export interface LlmExchange {
  id: number;
  prompt: string;
  contextLabel: string;
  result: LlmCompletion | null;
  error: { kind: 'guardrail' | 'upstream' | 'other'; message: string } | null;
  pending: boolean;
}

function classify(err: unknown): NonNullable<LlmExchange['error']> {
  if (err instanceof ApiError) {
    if (err.status === 400 && /disallowed/i.test(err.detail)) return { kind: 'guardrail', message: err.detail };
    if (err.status === 502 || err.status === 503 || err.status === 504) {
      const what =
        err.status === 504
          ? 'The model took too long to answer'
          : err.status === 503
            ? 'The assistant is not available'
            : 'The model service failed';
      return { kind: 'upstream', message: `${what} (${err.status}): ${err.detail}` };
    }
  }
  return { kind: 'other', message: errorMessage(err) };
}

/** The assistant conversation of one editor session. */
export function useLlm(scriptId: number | null, versionId: number | undefined) {
  const [exchanges, setExchanges] = useState<LlmExchange[]>([]);
  const nextId = useRef(1);
  const pending = exchanges.some((e) => e.pending);

  const ask = useCallback(
    async (prompt: string, contextCode: string, contextLabel: string) => {
      const id = nextId.current++;
      setExchanges((all) => [...all, { id, prompt, contextLabel, result: null, error: null, pending: true }]);
      const update = (patch: Partial<LlmExchange>) =>
        setExchanges((all) => all.map((e) => (e.id === id ? { ...e, ...patch, pending: false } : e)));
      try {
        const result = await api.llm.complete({
          script_id: scriptId ?? undefined,
          script_version_id: versionId,
          prompt,
          context_code: contextCode,
        });
        update({ result });
      } catch (err) {
        update({ error: classify(err) });
      }
    },
    [scriptId, versionId],
  );

  const clear = useCallback(() => setExchanges([]), []);
  return { exchanges, pending, ask, clear };
}
