import { useCallback, useEffect, useState } from 'react';
import { api, errorMessage, type ScriptSummary } from '../api';

export interface ScriptsState {
  scripts: ScriptSummary[] | null;
  error: string | null;
  loading: boolean;
  reload(): void;
}

/** The catalog list (`GET /api/scripts`), reloadable. */
export function useScripts(): ScriptsState {
  const [scripts, setScripts] = useState<ScriptSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    api.scripts.list({ signal: controller.signal }).then(
      (list) => {
        setScripts(list);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError(errorMessage(err));
        setLoading(false);
      },
    );
    return () => {
      controller.abort();
    };
  }, [generation]);

  const reload = useCallback(() => {
    setLoading(true);
    setGeneration((g) => g + 1);
  }, []);
  return { scripts, error, loading, reload };
}
