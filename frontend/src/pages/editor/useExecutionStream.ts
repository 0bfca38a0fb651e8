import { useEffect, useReducer, useRef } from 'react';
import {
  api,
  errorMessage,
  EXECUTION_EVENT_KINDS,
  executionEventsUrl,
  followEvents,
  type Execution,
  type ExecutionEvent,
} from '../../api';
import { initialLiveRun, isFinished, liveRunReducer, type LiveRun } from './liveRun';

/**
 * Follows one execution's events (`GET /api/executions/{id}/events`) into a `LiveRun`: the
 * status, the output as it arrives, then the finished execution. The stream replays from the
 * start, so attaching late (a reloaded page) shows everything. It also reads the execution
 * once: a run that finished before live events existed, or whose stream cannot be followed,
 * still shows how it ended. `onEnd` hears the finished execution once.
 */
export function useExecutionStream(executionId: number | null, onEnd?: (execution: Execution) => void): LiveRun | null {
  const [state, dispatch] = useReducer(liveRunReducer, null);
  const endRef = useRef(onEnd);
  useEffect(() => {
    endRef.current = onEnd;
  });

  useEffect(() => {
    if (executionId === null) return;
    const controller = new AbortController();
    const readBack = (then: (execution: Execution) => void) =>
      api.execution.get(executionId, { signal: controller.signal }).then(then, (err: unknown) => {
        if (!controller.signal.aborted) {
          dispatch({ executionId, type: 'failed', message: `Could not follow run #${executionId}: ${errorMessage(err)}` });
        }
      });

    const follower = followEvents<ExecutionEvent>({
      url: executionEventsUrl(executionId),
      kinds: EXECUTION_EVENT_KINDS,
      onEvent: (event) => dispatch({ executionId, type: 'event', event, at: Date.now() }),
      onConnection: (connection) => {
        dispatch({ executionId, type: 'connection', connection });
        if (connection === 'failed') {
          void readBack((execution) => {
            dispatch({ executionId, type: 'snapshot', execution });
            if (!isFinished(execution.status)) {
              dispatch({ executionId, type: 'failed', message: `Lost the live output of run #${executionId}; reload the page to follow it again.` });
            }
          });
        }
      },
    });
    void readBack((execution) => {
      if (isFinished(execution.status)) follower.close();
      dispatch({ executionId, type: 'snapshot', execution });
    });
    return () => {
      follower.close();
      controller.abort();
    };
  }, [executionId]);

  const current =
    executionId === null ? null : state && state.executionId === executionId ? state : initialLiveRun(executionId);
  const finished = current?.execution ?? null;
  const told = useRef<number | null>(null);
  useEffect(() => {
    if (finished && told.current !== finished.id) {
      told.current = finished.id;
      endRef.current?.(finished);
    }
  }, [finished]);

  return current;
}
