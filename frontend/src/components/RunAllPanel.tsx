import { Link } from 'react-router';
import type { Batch, GroupStatus, ScriptSummary } from '../api';
import { formatDuration, formatOrdering, formatRelative, outcomeOf } from '../lib/format';
import { StatusBadge } from './StatusBadge';

interface GroupView {
  group: number;
  expected: number;
  executions: GroupExecution[];
}

type GroupExecution = Batch['groups'][number]['executions'][number];

/**
 * A group's results in ordering-number order (then by script id), whatever order the server
 * lists them in: scripts of a group run concurrently and finish in any order.
 */
export function inOrderingOrder(executions: GroupExecution[], scripts: ScriptSummary[] | null): GroupExecution[] {
  const ordering = new Map((scripts ?? []).map((s) => [s.id, Number(s.ordering_number)]));
  const key = (e: GroupExecution) => ordering.get(e.script_id) ?? Number.POSITIVE_INFINITY;
  return [...executions].sort((a, b) => key(a) - key(b) || a.script_id - b.script_id || a.id - b.id);
}

/** Groups to show: the batch's, plus groups of prod scripts the batch has not reached yet. */
export function groupsOf(batch: Batch, scripts: ScriptSummary[] | null, running: boolean): GroupView[] {
  const expected = new Map<number, number>();
  if (running) {
    for (const s of scripts ?? []) {
      if (!s.prod_version_label) continue;
      const g = Math.floor(Number(s.ordering_number));
      expected.set(g, (expected.get(g) ?? 0) + 1);
    }
  }
  const byGroup = new Map<number, GroupView>();
  for (const [group, count] of expected) byGroup.set(group, { group, expected: count, executions: [] });
  for (const g of batch.groups) {
    const prior = byGroup.get(g.group);
    byGroup.set(g.group, {
      group: g.group,
      expected: Math.max(prior?.expected ?? 0, g.executions.length),
      executions: inOrderingOrder(g.executions, scripts),
    });
  }
  return [...byGroup.values()].sort((a, b) => a.group - b.group);
}

export function RunAllPanel({
  batch,
  groupStatus = {},
  running,
  scripts,
  error,
}: {
  batch: Batch | null;
  /** What the batch's stream said of each group. */
  groupStatus?: Record<number, GroupStatus>;
  running: boolean;
  scripts: ScriptSummary[] | null;
  error: string | null;
}) {
  if (!batch && !error) return null;
  const names = new Map((scripts ?? []).map((s) => [s.id, s]));
  const groups = batch ? groupsOf(batch, scripts, running) : [];
  const all = groups.flatMap((g) => g.executions);
  const succeeded = all.filter((e) => outcomeOf(e.status) === 'success').length;
  const failed = all.filter((e) => outcomeOf(e.status) === 'failure').length;
  const total = groups.reduce((n, g) => n + g.expected, 0);

  return (
    <section className="run-all-panel" aria-label="Run all" data-testid="run-all-panel">
      <header className="run-all-header">
        <h2>
          {running ? 'Running all scripts…' : 'Last run-all'}
          {batch && batch.id > 0 && <span className="muted"> · batch #{batch.id}</span>}
        </h2>
        {batch && (
          <span className="muted small">
            {batch.triggered_by && <>by {batch.triggered_by} · </>}
            started {formatRelative(batch.started_at)}
            {batch.finished_at && <> · finished {formatRelative(batch.finished_at)}</>}
          </span>
        )}
        <span className="run-all-summary" data-testid="run-all-summary">
          <span className="ok-text">{succeeded} succeeded</span>
          {' · '}
          <span className={failed ? 'fail-text' : 'muted'}>{failed} failed</span>
          {running && total > 0 && <span className="muted"> · {total - succeeded - failed} to go</span>}
        </span>
      </header>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {batch && groups.length === 0 && !running && <p className="muted">No script is on prod yet: merge one first.</p>}
      <ol className="run-groups">
        {groups.map((g) => {
          const done = g.executions.filter((e) => outcomeOf(e.status) !== 'pending').length;
          const pct = g.expected ? Math.round((done / g.expected) * 100) : 0;
          return (
            <li
              key={`${batch?.id ?? 0}-${g.group}`}
              className="run-group"
              data-group={g.group}
              data-group-status={groupStatus[g.group]}
            >
              <div className="run-group-head">
                <span className="run-group-name">Group {g.group}</span>
                {groupStatus[g.group] && (
                  <span className={`tag tag-group-${groupStatus[g.group]}`}>{groupStatus[g.group]}</span>
                )}
                <span className="progress" aria-label={`Group ${g.group}: ${done} of ${g.expected} done`}>
                  <span className="progress-bar" style={{ width: `${pct}%` }} />
                </span>
                <span className="muted small">
                  {done}/{g.expected}
                </span>
              </div>
              <ul className="run-group-items">
                {g.executions.map((e) => {
                  const script = names.get(e.script_id);
                  return (
                    <li key={e.id} className="run-item">
                      <span className="mono muted">
                        {script ? formatOrdering(script.ordering_number) : `#${e.script_id}`}
                      </span>
                      <span className="run-item-name">{script?.descriptive_name ?? `Script ${e.script_id}`}</span>
                      <span className="version-chip">v{e.version_label}</span>
                      <StatusBadge status={e.status} exitCode={e.exit_code} precise />
                      <span className="muted small">{formatDuration(e.duration_ms)}</span>
                      <Link className="small" to={`/editor/${e.script_id}?execution=${e.id}`}>
                        output →
                      </Link>
                    </li>
                  );
                })}
              </ul>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
