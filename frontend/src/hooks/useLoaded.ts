import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../api';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  /** Load again (after a change); the old data stays on screen meanwhile. */
  reload(): void;
}

/** One GET's answer, loaded on mount and on `reload()`; a reload cancels the one before. */
export function useLoaded<T>(load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal).then(
      (answer) => {
        setData(answer);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError(errorMessage(err));
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [load, generation]);

  const reload = useCallback(() => {
    setLoading(true);
    setGeneration((g) => g + 1);
  }, []);
  return { data, error, loading, reload };
}
