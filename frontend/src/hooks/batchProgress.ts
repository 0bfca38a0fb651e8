/**
 * A run-all as its event stream tells it (SPEC §12): groups as they start and finish, each
 * execution as its status changes, then the finished batch. Pure: events in, state out.
 */
import type { Batch, BatchEvent, Execution, GroupStatus } from '../api';

const FINISHED_BATCH: ReadonlySet<string> = new Set(['succeeded', 'failed', 'stopped', 'error']);

export function isBatchFinished(batch: Batch): boolean {
  return batch.finished_at != null || FINISHED_BATCH.has(batch.status);
}

export interface BatchProgress {
  batch: Batch;
  /** What the stream said of each group (absent: not reached yet, or an older batch). */
  groupStatus: Record<number, GroupStatus>;
  /** The group running now: groups run strictly one after another. */
  runningGroup: number | null;
}

export function progressOf(batch: Batch): BatchProgress {
  return { batch, groupStatus: {}, runningGroup: null };
}

function withGroup(batch: Batch, group: number): Batch {
  if (batch.groups.some((g) => g.group === group)) return batch;
  const groups = [...batch.groups, { group, executions: [] }].sort((a, b) => a.group - b.group);
  return { ...batch, groups };
}

/** Replaces the execution where it is listed, else adds it to `group`. */
function withExecution(batch: Batch, execution: Execution, group: number | null): Batch {
  const listed = batch.groups.findIndex((g) => g.executions.some((e) => e.id === execution.id));
  if (listed >= 0) {
    return {
      ...batch,
      groups: batch.groups.map((g, i) =>
        i === listed ? { ...g, executions: g.executions.map((e) => (e.id === execution.id ? execution : e)) } : g,
      ),
    };
  }
  if (group === null) return batch;
  const next = withGroup(batch, group);
  return {
    ...next,
    groups: next.groups.map((g) => (g.group === group ? { ...g, executions: [...g.executions, execution] } : g)),
  };
}

/**
 * One event applied. A new execution belongs to the group running when it is heard of (the
 * stream says `group … running` before any of the group's executions, and `… succeeded` or
 * `… failed` after all of them).
 */
export function applyBatchEvent(progress: BatchProgress, event: BatchEvent): BatchProgress {
  switch (event.kind) {
    case 'group': {
      const { group, status } = event.data;
      return {
        batch: withGroup(progress.batch, group),
        groupStatus: { ...progress.groupStatus, [group]: status },
        runningGroup: status === 'running' ? group : progress.runningGroup === group ? null : progress.runningGroup,
      };
    }
    case 'execution': {
      return { ...progress, batch: withExecution(progress.batch, event.data, progress.runningGroup) };
    }
    case 'end':
      return { ...progress, batch: event.data.batch, runningGroup: null };
  }
}

/** A batch just started, before the server has said anything of it. */
export function startedBatch(id: number, now: Date = new Date()): Batch {
  return { id, status: 'running', started_at: now.toISOString(), finished_at: null, triggered_by: '', groups: [] };
}
