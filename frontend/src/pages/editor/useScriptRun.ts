import { useCallback, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, errorMessage, type Execution, type RunSource } from '../../api';
import { isLive, type LiveRun } from './liveRun';
import { useExecutionStream } from './useExecutionStream';

/** What the output panel shows of the runs started on this page. */
export interface RunView {
  /** The finished run to show (the one followed, else the script's last run). */
  execution: Execution | null;
  /** A run going on now, streaming (or being started: then `live` is null and `starting` set). */
  live: LiveRun | null;
  starting: boolean;
  /** What runs, as the page said when it started it ("draft v0.3"). */
  label: string | null;
  error: string | null;
}

/** `?execution=ID`: a link from run-all, or the run this page started before a reload. */
function linkedExecution(params: URLSearchParams): number | null {
  const id = Number(params.get('execution'));
  return Number.isInteger(id) && id > 0 ? id : null;
}

/**
 * Runs of one script: starts one without waiting (`?wait=false` → its id), follows its
 * events, and keeps its id in the URL (`?execution=ID`) so that a reload reattaches to a run
 * still going. `onEnd` hears each finished run.
 */
export function useScriptRun(
  scriptId: number | null,
  lastExecution: Execution | null,
  onEnd: (execution: Execution) => void,
) {
  const [searchParams, setSearchParams] = useSearchParams();
  // The URL is read once: afterwards this page is the one that changes it.
  const [executionId, setExecutionId] = useState<number | null>(() => linkedExecution(searchParams));
  const [starting, setStarting] = useState<string | null>(null);
  const [label, setLabel] = useState<string | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const stream = useExecutionStream(executionId, onEnd);

  const start = useCallback(
    async (source: RunSource, testData: string, what: string) => {
      if (scriptId === null) return;
      setStarting(what);
      setStartError(null);
      try {
        const { execution_id: id } = await api.execution.start(scriptId, { source, test_data: testData });
        setExecutionId(id);
        setLabel(what);
        setSearchParams(
          (params) => {
            params.set('execution', String(id));
            return params;
          },
          { replace: true, preventScrollReset: true },
        );
      } catch (err) {
        setStartError(errorMessage(err));
      } finally {
        setStarting(null);
      }
    },
    [scriptId, setSearchParams],
  );

  const live = isLive(stream) ? stream : null;
  const view: RunView = {
    execution: starting ? null : (stream?.execution ?? (executionId === null ? lastExecution : null)),
    live: starting ? null : live,
    starting: starting !== null,
    label: starting ?? label,
    error: startError ?? stream?.error ?? null,
  };
  return { view, running: view.starting || live !== null, start };
}
