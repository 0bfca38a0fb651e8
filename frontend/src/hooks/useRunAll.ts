import { useCallback, useEffect, useRef, useState } from 'react';
import {
  api,
  BATCH_EVENT_KINDS,
  batchEventsUrl,
  errorMessage,
  followEvents,
  type Batch,
  type BatchEvent,
  type GroupStatus,
} from '../api';
import { applyBatchEvent, isBatchFinished, progressOf, startedBatch, type BatchProgress } from './batchProgress';

export interface RunAllState {
  /** The batch being run, or the last one the server kept. */
  batch: Batch | null;
  /** What the stream said of each group of the batch. */
  groupStatus: Record<number, GroupStatus>;
  running: boolean;
  starting: boolean;
  error: string | null;
  start(options: { stopOnFailure: boolean }): Promise<void>;
}

/**
 * "Run all": starts a batch without waiting (`?wait=false` → 202 {batch_id}) and follows its
 * events (`/api/batches/{id}/events`) for per-group progress until `end`. Also shows the last
 * batch when the page opens, and follows it if it is still running (another editor's, or one
 * started before a reload).
 */
export function useRunAll(onFinished: () => void): RunAllState {
  const [progress, setProgress] = useState<BatchProgress | null>(null);
  const [followId, setFollowId] = useState<number | null>(null);
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
        setProgress((current) => current ?? progressOf(latest));
        if (!isBatchFinished(latest)) setFollowId((current) => current ?? latest.id);
      },
      () => undefined, // no batch yet: nothing to show
    );
    return () => controller.abort();
  }, []);

  // Follow the running batch's events.
  useEffect(() => {
    if (followId === null) return;
    const controller = new AbortController();
    const done = () => {
      setFollowId(null);
      finishedRef.current();
    };
    const follower = followEvents<BatchEvent>({
      url: batchEventsUrl(followId),
      kinds: BATCH_EVENT_KINDS,
      onEvent: (event) => {
        setProgress((current) =>
          applyBatchEvent(current?.batch.id === followId ? current : progressOf(startedBatch(followId)), event),
        );
        if (event.kind === 'end') done();
      },
      onConnection: (connection) => {
        if (connection !== 'failed') return;
        // The stream cannot be followed: the batch as the server has it now.
        api.execution.batch(followId, { signal: controller.signal }).then(
          (batch) => {
            setProgress(progressOf(batch));
            if (isBatchFinished(batch)) return done();
            setFollowId(null);
            setError(`Lost the live progress of batch #${followId}; reload the page to follow it again.`);
          },
          (err: unknown) => {
            if (!controller.signal.aborted) setError(errorMessage(err));
          },
        );
      },
    });
    return () => {
      follower.close();
      controller.abort();
    };
  }, [followId]);

  const start = useCallback(async ({ stopOnFailure }: { stopOnFailure: boolean }) => {
    setStarting(true);
    setError(null);
    try {
      const { batch_id: id } = await api.execution.startAll({ stop_on_failure: stopOnFailure });
      setProgress(progressOf(startedBatch(id)));
      setFollowId(id);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setStarting(false);
    }
  }, []);

  return {
    batch: progress?.batch ?? null,
    groupStatus: progress?.groupStatus ?? {},
    running: followId !== null,
    starting,
    error,
    start,
  };
}
