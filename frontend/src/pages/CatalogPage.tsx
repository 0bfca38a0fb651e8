import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { ScriptSummary } from '../api';
import { RunAllPanel } from '../components/RunAllPanel';
import { ScriptTable } from '../components/ScriptTable';
import { Spinner } from '../components/Spinner';
import { useAuth } from '../hooks/useAuth';
import { useRunAll } from '../hooks/useRunAll';
import { useScripts } from '../hooks/useScripts';
import { whenIdle } from '../lib/idle';
import { prefetchEditor } from './lazyPages';

function matches(script: ScriptSummary, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return (
    script.descriptive_name.toLowerCase().includes(q) ||
    script.docstring.toLowerCase().includes(q) ||
    String(script.ordering_number).startsWith(q) ||
    `#${script.id}` === q
  );
}

function EmptyState({ isEditor }: { isEditor: boolean }) {
  return (
    <div className="empty-state" data-testid="empty-state">
      <div className="empty-icon" aria-hidden>
        {'{ }'}
      </div>
      <h2>No scripts yet</h2>
      {isEditor ? (
        <>
          <p>
            Start with <strong>+ New script</strong>. The first line of the module docstring becomes the
            script's name; saving creates <span className="version-chip">v0.1</span>.
          </p>
          <ol className="steps">
            <li>Write the script (argv[1] is the path of its test data) and save it.</li>
            <li>Run the draft until you like it, then merge it to prod.</li>
            <li>“Run all” runs everything on prod, group by group.</li>
          </ol>
          <Link to="/editor/new" className="button button-primary" onMouseEnter={prefetchEditor}>
            + New script
          </Link>
        </>
      ) : (
        <p>An editor has not created any script yet. They will show here.</p>
      )}
    </div>
  );
}

export function CatalogPage() {
  const { isEditor } = useAuth();
  const navigate = useNavigate();
  const { scripts, error, loading, reload } = useScripts();
  const runAll = useRunAll(reload);
  const [stopOnFailure, setStopOnFailure] = useState(false);
  const [query, setQuery] = useState('');
  useEffect(() => whenIdle(prefetchEditor), []);

  const visible = useMemo(() => (scripts ?? []).filter((s) => matches(s, query)), [scripts, query]);
  const onProd = (scripts ?? []).filter((s) => s.prod_version_label).length;

  function open(script: ScriptSummary, newTab: boolean) {
    const url = `/editor/${script.id}`;
    if (newTab) window.open(url, '_blank');
    else void navigate(url);
  }

  return (
    <main className="page catalog-page">
      <div className="page-head">
        <div>
          <h1>Scripts</h1>
          {scripts && (
            <p className="muted small">
              {scripts.length} script{scripts.length === 1 ? '' : 's'} · {onProd} on prod
            </p>
          )}
        </div>
        <div className="page-actions">
          {scripts && scripts.length > 0 && (
            <input
              type="search"
              className="search"
              placeholder="Filter…"
              aria-label="Filter scripts"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
            />
          )}
          {isEditor && (
            <>
              <label className="checkbox small" title="Stop after the first group with a failure">
                <input
                  type="checkbox"
                  checked={stopOnFailure}
                  onChange={(e) => setStopOnFailure(e.target.checked)}
                />
                stop on failure
              </label>
              <button
                type="button"
                className="button"
                disabled={runAll.running || runAll.starting || onProd === 0}
                title={onProd === 0 ? 'Merge a script to prod first' : 'Run every script on prod, group by group'}
                onClick={() => void runAll.start({ stopOnFailure })}
              >
                {runAll.running || runAll.starting ? <Spinner label="Running" /> : '▶'} Run all
              </button>
              <Link
                to="/editor/new"
                className="button button-primary"
                aria-label="New script"
                title="New script"
                onMouseEnter={prefetchEditor}
                onFocus={prefetchEditor}
              >
                + New script
              </Link>
            </>
          )}
        </div>
      </div>

      <RunAllPanel
        batch={runAll.batch}
        groupStatus={runAll.groupStatus}
        running={runAll.running}
        scripts={scripts}
        error={runAll.error}
      />

      {error && (
        <div className="error-box" role="alert">
          <p>Could not load the scripts: {error}</p>
          <button type="button" className="button" onClick={reload}>
            Retry
          </button>
        </div>
      )}
      {!scripts && loading && !error && (
        <div className="loading-block">
          <Spinner /> Loading scripts…
        </div>
      )}
      {scripts && scripts.length === 0 && <EmptyState isEditor={isEditor} />}
      {scripts && scripts.length > 0 && (
        <>
          <ScriptTable scripts={visible} onOpen={open} onIntent={prefetchEditor} />
          {visible.length === 0 && <p className="muted center">No script matches “{query}”.</p>}
        </>
      )}
    </main>
  );
}
