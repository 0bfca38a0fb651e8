import { useEffect } from 'react';
import { useSearchParams } from 'react-router';
import { api, errorMessage, type Execution } from '../../api';

/** `?execution=ID` (a link from run-all): loads that execution for the output panel. */
export function useLinkedExecution(onLoaded: (execution: Execution) => void, onError: (message: string) => void): void {
  const [searchParams] = useSearchParams();
  const executionId = Number(searchParams.get('execution'));
  useEffect(() => {
    if (!executionId) return;
    const controller = new AbortController();
    api.execution.get(executionId, { signal: controller.signal }).then(onLoaded, (err: unknown) => {
      if (!controller.signal.aborted) onError(`Could not load execution #${executionId}: ${errorMessage(err)}`);
    });
    return () => controller.abort();
    // The callbacks only deliver the answer; a new link is a new id.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [executionId]);
}
