import { useCallback, useRef, useState } from 'react';
import { api, errorMessage, type VersionDiff } from '../../api';

/** What "Merge to prod" shows before it asks to confirm. */
export type MergeReview =
  | { state: 'loading' }
  /** What the latest version changes against prod's. */
  | { state: 'diff'; diff: VersionDiff }
  /** Nothing is on prod yet: the latest becomes prod's first version. */
  | { state: 'first' }
  | { state: 'error'; message: string };

/** Loads the diff of the latest version against prod's (`GET /api/scripts/{id}/diff`). */
export function useMergeReview(scriptId: number | null, hasProd: boolean) {
  const [review, setReview] = useState<MergeReview | null>(null);
  const generation = useRef(0);

  const load = useCallback(async () => {
    if (scriptId === null) return;
    const mine = ++generation.current;
    if (!hasProd) {
      setReview({ state: 'first' });
      return;
    }
    setReview({ state: 'loading' });
    try {
      const diff = await api.scripts.diff(scriptId);
      if (mine === generation.current) setReview({ state: 'diff', diff });
    } catch (err) {
      if (mine === generation.current) setReview({ state: 'error', message: errorMessage(err) });
    }
  }, [scriptId, hasProd]);

  const clear = useCallback(() => {
    generation.current++;
    setReview(null);
  }, []);

  return { review, load, clear };
}
