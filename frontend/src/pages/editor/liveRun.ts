/**
 * A run as the output panel shows it while it streams (SPEC §12): its status, the output so
 * far, then the finished `Execution`. Pure (no React, no EventSource): events in, state out.
 */
import type { ArtifactAnnounced, Connection, Execution, ExecutionEvent, ExecutionStatus } from '../../api';

/** Characters of each stream kept on screen while a run streams: the last 1 MiB. */
export const LIVE_OUTPUT_CAP = 1024 * 1024;

export interface LiveRun {
  executionId: number;
  /** null until the server has said (the run was just queued). */
  status: ExecutionStatus | null;
  stdout: string;
  stderr: string;
  /** The beginning was dropped to stay within the cap. */
  stdoutClipped: boolean;
  stderrClipped: boolean;
  /** When it started running (ms since the epoch), as far as this page knows. */
  startedAt: number | null;
  /** The version that runs, once known (`1.2`). */
  versionLabel: string | null;
  /** Files announced by `artifact` events so far (the finished execution lists them too). */
  artifacts: ArtifactAnnounced[];
  /** The finished run, from `end` (or read back when the stream could not be followed). */
  execution: Execution | null;
  connection: Connection;
  error: string | null;
}

export type LiveRunAction = { executionId: number } & (
  | { type: 'event'; event: ExecutionEvent; at: number }
  | { type: 'connection'; connection: Connection }
  /** What `GET /api/executions/{id}` answered. */
  | { type: 'snapshot'; execution: Execution }
  | { type: 'failed'; message: string }
);

export function isFinished(status: ExecutionStatus | null | undefined): boolean {
  return !!status && status !== 'queued' && status !== 'running';
}

export function initialLiveRun(executionId: number): LiveRun {
  return {
    executionId,
    status: null,
    stdout: '',
    stderr: '',
    stdoutClipped: false,
    stderrClipped: false,
    startedAt: null,
    versionLabel: null,
    artifacts: [],
    execution: null,
    connection: 'connecting',
    error: null,
  };
}

/** `text + more`, keeping the last `cap` characters; `clipped` says whether anything was dropped. */
export function appendCapped(text: string, more: string, cap: number = LIVE_OUTPUT_CAP): { text: string; clipped: boolean } {
  const joined = text + more;
  if (joined.length <= cap) return { text: joined, clipped: false };
  let kept = joined.slice(joined.length - cap);
  // Start on a whole line when one begins soon enough.
  const newline = kept.indexOf('\n');
  if (newline >= 0 && newline < 200) kept = kept.slice(newline + 1);
  return { text: kept, clipped: true };
}

function finished(state: LiveRun, execution: Execution): LiveRun {
  return {
    ...state,
    status: execution.status,
    versionLabel: execution.version_label,
    artifacts: execution.artifacts,
    execution,
    error: null,
  };
}

export function liveRunReducer(state: LiveRun | null, action: LiveRunAction): LiveRun {
  const run = state && state.executionId === action.executionId ? state : initialLiveRun(action.executionId);
  // Once finished, nothing changes it any more (a late replay, a snapshot answering late).
  if (run.execution) return action.type === 'connection' ? { ...run, connection: action.connection } : run;
  switch (action.type) {
    case 'event': {
      const { event, at } = action;
      switch (event.kind) {
        case 'status':
          return {
            ...run,
            status: event.data.status,
            startedAt: run.startedAt ?? (event.data.status === 'running' ? at : null),
          };
        case 'stdout': {
          const { text, clipped } = appendCapped(run.stdout, event.data.text);
          return { ...run, stdout: text, stdoutClipped: run.stdoutClipped || clipped };
        }
        case 'stderr': {
          const { text, clipped } = appendCapped(run.stderr, event.data.text);
          return { ...run, stderr: text, stderrClipped: run.stderrClipped || clipped };
        }
        case 'artifact':
          // A replay after a reconnection may announce a file again.
          if (run.artifacts.some((a) => a.name === event.data.name)) return run;
          return { ...run, artifacts: [...run.artifacts, event.data] };
        case 'end':
          return finished(run, event.data.execution);
      }
      return run;
    }
    case 'connection':
      return { ...run, connection: action.connection };
    case 'snapshot': {
      const e = action.execution;
      if (isFinished(e.status)) return finished(run, e);
      // The server's start wins over when this page heard of it (a page reloaded mid-run).
      const startedAt = e.started_at ? Date.parse(e.started_at) : run.startedAt;
      return { ...run, status: run.status ?? e.status, startedAt, versionLabel: e.version_label };
    }
    case 'failed':
      return { ...run, error: action.message };
  }
}

/** Still going, as far as the page can tell (a run whose stream failed is not shown as going). */
export function isLive(run: LiveRun | null): boolean {
  return !!run && !run.execution && !run.error;
}
