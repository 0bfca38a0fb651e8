import { useCallback, useEffect, useRef, useState } from 'react';
import { api, errorMessage, type Batch } from '../api';

const POLL_MS = 750;
const TERMINAL: ReadonlySet<string> = new Set(['succeeded', 'failed', 'finished', 'completed', 'done', 'error', 'stopped', 'cancelled']);

export function isBatchFinished(batch: Batch): boolean {
  return batch.finished_at != null || TERMINAL.has(batch.status);
}

export interface RunAllState {
  /** The batch being run, or the last one the server kept. */
  batch: Batch | null;
  running: boolean;
  starting: boolean;
  error: string | null;
  start(options: { stopOnFailure: boolean }): Promise<void>;
}

/**
 * "Run all": starts a batch without waiting (`?wait=false` → 202 {batch_id}) and polls it
 * for per-group progress until it finishes. Also shows the last batch when the page opens
 * and follows one another editor started.
 */
export function useRunAll(onFinished: () => void): RunAllState {
  const [batch, setBatch] = useState<Batch | null>(null);
  const [pollId, setPollId] = useState<number | 'latest' | null>(null);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const finishedRef = useRef(onFinished);
  useEffect(() => {
    finishedRef.current = onFinished;
  });

  // The last batch, once.
  useEffect(() => {
    const controller = new AbortController();
    api.execution.latestBatch({ signal: controller.signal }).then(
      (latest) => {
        if (!latest) return;
        setBatch((current) => current ?? latest);
        if (!isBatchFinished(latest)) setPollId(latest.id);
      },
      () => undefined, // no batch yet, or an older server: nothing to show
    );
    return () => controller.abort();
  }, []);

  // Poll while a batch runs.
  useEffect(() => {
    if (pollId === null) return;
    let cancelled = false;
    let timer: number | undefined;
    const controller = new AbortController();
    const tick = async () => {
      try {
        const next =
          pollId === 'latest'
            ? await api.execution.latestBatch({ signal: controller.signal })
            : await api.execution.batch(pollId, { signal: controller.signal });
        if (cancelled) return;
        if (next) setBatch(next);
        if (next && isBatchFinished(next)) {
          setPollId(null);
          finishedRef.current();
          return;
        }
      } catch (err) {
        if (cancelled) return;
        setError(errorMessage(err));
      }
      timer = window.setTimeout(tick, POLL_MS);
    };
    void tick();
    return () => {
      cancelled = true;
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [pollId]);

  const start = useCallback(async ({ stopOnFailure }: { stopOnFailure: boolean }) => {
    setStarting(true);
    setError(null);
    try {
      const started = await api.execution.startAll({ stop_on_failure: stopOnFailure });
      const id = started && typeof started.batch_id === 'number' ? started.batch_id : null;
      setBatch({
        id: id ?? 0,
        status: 'running',
        started_at: new Date().toISOString(),
        finished_at: null,
        triggered_by: '',
        groups: [],
      });
      setPollId(id ?? 'latest');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setStarting(false);
    }
  }, []);

  return { batch, running: pollId !== null, starting, error, start };
}
