import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, ApiError, errorMessage, type Execution, type RunSource, type ScriptDetail, type VersionInfo } from '../api';
import type { CodeEditorHandle, DiagnosticsSummary } from '../components/CodeEditor';
import { Dialog } from '../components/Dialog';
import { LlmPanel } from '../components/LlmPanel';
import { OutputPanel } from '../components/OutputPanel';
import { Spinner } from '../components/Spinner';
import { useToast } from '../components/Toasts';
import { VersionHistory } from '../components/VersionHistory';
import { useAuth } from '../hooks/useAuth';
import { useLanguageService } from '../hooks/useLanguageService';
import { useLlm } from '../hooks/useLlm';
import { useScriptDocument, useVersions } from '../hooks/useScriptDocument';
import { useUnsavedChangesGuard } from '../hooks/useUnsavedChangesGuard';
import { clearDraft, draftKey, loadDraft, saveDraft, type Draft } from '../lib/drafts';
import { formatDateTime, formatOrdering, formatRelative, shortHash } from '../lib/format';
import { NotFoundPage } from './NotFoundPage';

const loadCodeEditor = () => import('../components/CodeEditor');
const CodeEditor = lazy(loadCodeEditor);

/** Called when the pointer heads for a script: fetch Monaco before the click. */
export function prefetchEditorAssets(): void {
  void loadCodeEditor();
}

export const NEW_SCRIPT_TEMPLATE = `"""New script.

Describe what the script does; the first line of this docstring is its name.
"""

import sys


def main(input_path: str) -> None:
    with open(input_path, encoding="utf-8") as f:
        data = f.read()
    print(f"read {len(data)} characters")


if __name__ == "__main__":
    main(sys.argv[1])
`;

function labelOf(v: Pick<VersionInfo, 'label' | 'major' | 'minor'>): string {
  return v.label || `${v.major}.${v.minor}`;
}

/** The server keeps two decimals at most (3.01). */
const ORDERING_PATTERN = /^\d{1,9}(\.\d{1,2})?$/;

interface NavState {
  detail?: ScriptDetail;
  runAfterLoad?: RunSource;
  bypassGuard?: boolean;
}

export default function EditorPage() {
  const { id } = useParams();
  const scriptId = id === undefined ? null : Number(id);
  if (scriptId !== null && (!Number.isInteger(scriptId) || scriptId <= 0)) return <NotFoundPage what="script" />;
  return <ScriptLoader key={id ?? 'new'} scriptId={scriptId} />;
}

/** Loads the script, then hands it to the workbench (which owns all editing state). */
function ScriptLoader({ scriptId }: { scriptId: number | null }) {
  const location = useLocation();
  const state = (location.state ?? {}) as NavState;
  const passed = state.detail && state.detail.id === scriptId ? state.detail : null;
  const doc = useScriptDocument(scriptId, passed);

  if (doc.error?.status === 404) return <NotFoundPage what="script" />;
  if (doc.error) {
    return (
      <main className="page">
        <div className="error-box" role="alert">
          Could not load script #{scriptId}: {doc.error.message}
        </div>
      </main>
    );
  }
  if (scriptId !== null && !doc.detail) {
    return (
      <div className="splash">
        <Spinner /> Loading script #{scriptId}…
      </div>
    );
  }
  return <Workbench scriptId={scriptId} initialDetail={doc.detail} runAfterLoad={state.runAfterLoad} />;
}

type DialogState =
  | { kind: 'conflict'; detail: string }
  | { kind: 'fork' }
  | { kind: 'delete' }
  | null;

interface Viewing {
  version: VersionInfo;
  content: string;
  testData: string;
}

function Workbench({
  scriptId,
  initialDetail,
  runAfterLoad,
}: {
  scriptId: number | null;
  initialDetail: ScriptDetail | null;
  runAfterLoad: RunSource | undefined;
}) {
  const { user, isEditor } = useAuth();
  const toast = useToast();
  const navigate = useNavigate();
  const [searchParams] = useSearchParams();
  const readOnly = !isEditor;
  const key = draftKey(user?.username ?? 'anonymous', scriptId);

  const [detail, setDetail] = useState<ScriptDetail | null>(initialDetail);
  const savedContent = detail?.content ?? NEW_SCRIPT_TEMPLATE;
  const savedTestData = detail?.test_data ?? '';
  const savedOrdering = detail ? formatOrdering(detail.ordering_number) : '';

  // A draft from an earlier visit wins over the saved text (editors only).
  const [restoredDraft] = useState<Draft | null>(() => {
    if (readOnly) return null;
    const draft = loadDraft(key);
    if (!draft) return null;
    const differs =
      draft.content !== savedContent ||
      draft.test_data !== savedTestData ||
      (draft.ordering_number !== null && draft.ordering_number !== savedOrdering);
    return differs ? draft : null;
  });
  const [showRestored, setShowRestored] = useState(restoredDraft !== null);
  const [content, setContent] = useState(restoredDraft?.content ?? savedContent);
  const [testData, setTestData] = useState(restoredDraft?.test_data ?? savedTestData);
  const [ordering, setOrdering] = useState(restoredDraft?.ordering_number ?? savedOrdering);
  const [baseVersionId, setBaseVersionId] = useState<number | null>(
    restoredDraft?.base_version_id ?? detail?.version.id ?? null,
  );

  const [viewing, setViewing] = useState<Viewing | null>(null);
  const [execution, setExecution] = useState<Execution | null>(detail?.last_execution ?? null);
  const [running, setRunning] = useState<{ since: number; label: string } | null>(null);
  const [runError, setRunError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [dialog, setDialog] = useState<DialogState>(null);
  const [historyOpen, setHistoryOpen] = useState(false);
  const [llmOpen, setLlmOpen] = useState(isEditor);
  const [bottomTab, setBottomTab] = useState<'output' | 'input'>('output');
  const [selectedLines, setSelectedLines] = useState(0);
  const [diagnostics, setDiagnostics] = useState<DiagnosticsSummary | null>(null);
  const editorRef = useRef<CodeEditorHandle>(null);

  const orderingChanged = detail !== null && ordering !== savedOrdering;
  const dirty = !readOnly && (content !== savedContent || testData !== savedTestData || orderingChanged);
  const orderingValid = ordering === savedOrdering || ORDERING_PATTERN.test(ordering.trim());
  const onProd = !!detail?.prod_version && detail.prod_version.id === detail.version.id;

  const blocker = useUnsavedChangesGuard(dirty);
  const languageService = useLanguageService();
  const versions = useVersions(scriptId, detail?.version.id);
  const llm = useLlm(scriptId, detail?.version.id);

  // ---- drafts: every change is kept in localStorage until it is saved ----
  const pendingDraft = useRef<Omit<Draft, 'saved_at'> | null>(null);
  useEffect(() => {
    if (readOnly) return;
    if (!dirty) {
      pendingDraft.current = null;
      clearDraft(key);
      return;
    }
    pendingDraft.current = {
      content,
      test_data: testData,
      ordering_number: orderingChanged ? ordering : null,
      base_version_id: baseVersionId,
      base_label: detail ? labelOf(detail.version) : null,
    };
    const timer = window.setTimeout(() => {
      if (pendingDraft.current) saveDraft(key, pendingDraft.current);
    }, 300);
    return () => window.clearTimeout(timer);
  }, [readOnly, dirty, key, content, testData, ordering, orderingChanged, baseVersionId, detail]);
  useEffect(() => {
    const flush = () => {
      if (pendingDraft.current) saveDraft(key, pendingDraft.current);
    };
    window.addEventListener('pagehide', flush);
    return () => {
      window.removeEventListener('pagehide', flush);
      flush();
    };
  }, [key]);

  // ---- the output panel shows ?execution=ID when linked from run-all ----
  useEffect(() => {
    const executionId = Number(searchParams.get('execution'));
    if (!executionId) return;
    const controller = new AbortController();
    api.execution.get(executionId, { signal: controller.signal }).then(
      (e) => {
        setExecution(e);
        setBottomTab('output');
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setRunError(`Could not load execution #${executionId}: ${errorMessage(err)}`);
      },
    );
    return () => controller.abort();
  }, [searchParams]);

  // ---- where this script was forked from ----
  const parentRef = useMemo(() => {
    const withParent = [detail?.version, ...[...(versions.versions ?? [])].reverse()].find(
      (v) => v && v.parent_script_id !== null,
    );
    return withParent ? { scriptId: withParent.parent_script_id!, versionId: withParent.parent_version_id } : null;
  }, [detail, versions.versions]);
  const [parent, setParent] = useState<{ id: number; name: string; label: string | null } | null>(null);
  useEffect(() => {
    if (!parentRef) return;
    const controller = new AbortController();
    api.scripts
      .get(parentRef.scriptId, { versionId: parentRef.versionId ?? undefined, signal: controller.signal })
      .then(
        (p) => setParent({ id: p.id, name: p.descriptive_name, label: labelOf(p.version) }),
        () => {
          if (!controller.signal.aborted) setParent({ id: parentRef.scriptId, name: '(deleted)', label: null });
        },
      );
    return () => controller.abort();
  }, [parentRef]);

  // ---- actions ----
  const goTo = useCallback(
    (path: string, state: NavState = {}) => navigate(path, { state: { ...state, bypassGuard: true } }),
    [navigate],
  );

  /** Toasts a failure; a 401 says nothing here (the login page explains and the draft is kept). */
  function fail(what: string, err: unknown) {
    if (err instanceof ApiError && err.status === 401) return;
    toast.error(`${what}: ${errorMessage(err)}`);
  }

  function adopt(saved: ScriptDetail) {
    setDetail(saved);
    setBaseVersionId(saved.version.id);
    setOrdering(formatOrdering(saved.ordering_number));
  }

  async function save(): Promise<ScriptDetail | null> {
    if (readOnly || busy || viewing) return null;
    if (!orderingValid) {
      toast.error('The ordering number must look like 3 or 3.01.');
      return null;
    }
    setBusy('save');
    // What the editor shows is what is saved (never a copy that another view could have
    // touched); the state follows it.
    const shown = editorRef.current?.getValue() ?? content;
    if (shown !== content) setContent(shown);
    try {
      if (scriptId === null) {
        const created = await api.scripts.create({ content: shown, test_data: testData });
        clearDraft(key);
        pendingDraft.current = null;
        toast.success(`Created script #${created.id} · v${labelOf(created.version)}`);
        await goTo(`/editor/${created.id}`, { detail: created });
        return created;
      }
      if (!dirty && shown === content && detail) {
        toast.info(`No changes: still v${labelOf(detail.version)}`);
        return detail;
      }
      const saved = await api.scripts.save(scriptId, {
        content: shown,
        test_data: testData,
        base_version_id: baseVersionId ?? undefined,
        ordering_number: orderingChanged ? Number(ordering.trim()) : undefined,
      });
      const sameVersion = detail?.version.id === saved.version.id;
      adopt(saved);
      setShowRestored(false);
      toast.success(
        !sameVersion
          ? `Saved v${labelOf(saved.version)}`
          : orderingChanged
            ? `Saved ordering number ${formatOrdering(saved.ordering_number)}; the code is unchanged at v${labelOf(saved.version)}`
            : `Nothing new to save: v${labelOf(saved.version)}`,
      );
      return saved;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setDialog({ kind: 'conflict', detail: err.detail });
      else fail('Save failed', err);
      return null;
    } finally {
      setBusy(null);
    }
  }

  async function run(source: RunSource) {
    if (readOnly || running || busy || viewing) return;
    if (scriptId === null) {
      // Create it first, then run it on the new page.
      if (source !== 'draft') return;
      setBusy('save');
      try {
        const created = await api.scripts.create({ content, test_data: testData });
        clearDraft(key);
        pendingDraft.current = null;
        await goTo(`/editor/${created.id}`, { detail: created, runAfterLoad: 'draft' });
      } catch (err) {
        fail('Save failed', err);
      } finally {
        setBusy(null);
      }
      return;
    }
    let target = detail;
    if (source === 'draft' && dirty) {
      target = await save();
      if (!target) return;
    }
    if (source === 'prod' && !target?.prod_version) {
      toast.error('This script is not on prod yet: merge it first.');
      return;
    }
    const label =
      source === 'draft'
        ? `draft v${target ? labelOf(target.version) : ''}`
        : `prod v${target?.prod_version ? labelOf(target.prod_version) : ''}`;
    setBottomTab('output');
    setRunError(null);
    setRunning({ since: Date.now(), label });
    try {
      const result = await api.execution.run(scriptId, { source, test_data: testData });
      setExecution(result);
      setDetail((d) => (d ? { ...d, last_execution: result } : d));
    } catch (err) {
      setRunError(errorMessage(err));
    } finally {
      setRunning(null);
    }
  }

  // A new script saved with Run: run it once here.
  const autoRan = useRef(false);
  useEffect(() => {
    if (runAfterLoad && !autoRan.current && scriptId !== null) {
      autoRan.current = true;
      window.history.replaceState({ ...window.history.state, usr: {} }, '');
      void run(runAfterLoad);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  async function fork(withChanges: boolean) {
    if (scriptId === null || readOnly) return;
    setDialog(null);
    setBusy('fork');
    try {
      let forked = await api.scripts.fork(scriptId);
      if (withChanges) {
        forked = await api.scripts.save(forked.id, {
          content,
          test_data: testData,
          base_version_id: forked.version.id,
        });
        clearDraft(key);
        pendingDraft.current = null;
      }
      toast.success(`Forked into script #${forked.id} · v${labelOf(forked.version)}`);
      await goTo(`/editor/${forked.id}`, { detail: forked });
    } catch (err) {
      fail('Fork failed', err);
    } finally {
      setBusy(null);
    }
  }

  async function simpleAction(name: 'bump' | 'merge') {
    if (scriptId === null || readOnly || busy) return;
    setBusy(name);
    try {
      if (name === 'bump') {
        const bumped = await api.scripts.bumpMajor(scriptId);
        adopt(bumped);
        toast.success(`Bumped to v${labelOf(bumped.version)}`);
      } else {
        const merged = await api.scripts.merge(scriptId);
        setDetail((d) => (d ? { ...d, prod_version: merged.version } : d));
        toast.success(`Merged v${labelOf(merged.version)} to prod`);
      }
      versions.reload();
    } catch (err) {
      fail(`${name === 'bump' ? 'Bump' : 'Merge'} failed`, err);
    } finally {
      setBusy(null);
    }
  }

  async function reloadLatest() {
    if (scriptId === null) return;
    setDialog(null);
    setBusy('reload');
    try {
      const latest = await api.scripts.get(scriptId);
      adopt(latest);
      setContent(latest.content);
      setTestData(latest.test_data);
      setShowRestored(false);
      clearDraft(key);
      toast.info(`Loaded the latest version v${labelOf(latest.version)}`);
    } catch (err) {
      fail('Reload failed', err);
    } finally {
      setBusy(null);
    }
  }

  async function remove() {
    if (scriptId === null) return;
    setDialog(null);
    setBusy('delete');
    try {
      await api.scripts.remove(scriptId);
      clearDraft(key);
      pendingDraft.current = null;
      toast.success(`Deleted script #${scriptId}`);
      await goTo('/');
    } catch (err) {
      fail('Delete failed', err);
      setBusy(null);
    }
  }

  function discardDraft() {
    setContent(savedContent);
    setTestData(savedTestData);
    setOrdering(savedOrdering);
    setBaseVersionId(detail?.version.id ?? null);
    setShowRestored(false);
    clearDraft(key);
  }

  async function viewVersion(version: VersionInfo) {
    if (scriptId === null) return;
    if (version.id === detail?.version.id) {
      setViewing(null);
      return;
    }
    try {
      const old = await api.scripts.get(scriptId, { versionId: version.id });
      setViewing({ version, content: old.content, testData: old.test_data });
    } catch (err) {
      fail(`Could not load v${labelOf(version)}`, err);
    }
  }

  function restoreViewing() {
    if (!viewing) return;
    setContent(viewing.content);
    setTestData(viewing.testData);
    toast.info(`v${labelOf(viewing.version)} is in the editor: save to make it the latest version.`);
    setViewing(null);
    setHistoryOpen(false);
  }

  function insertFromAssistant(code: string) {
    const where = editorRef.current?.insert(code);
    if (!where) return;
    toast.info(where === 'selection' ? 'Replaced the selection (Ctrl+Z undoes it).' : 'Replaced the whole script (Ctrl+Z undoes it).');
  }

  function askAssistant(prompt: string) {
    const selected = editorRef.current?.getSelectedText() ?? '';
    void llm.ask(
      prompt,
      selected || content,
      selected ? `about ${selectedLines} selected line${selectedLines === 1 ? '' : 's'}` : 'about the whole script',
    );
  }

  // ---- keyboard: Ctrl/Cmd+S saves, Ctrl/Cmd+Enter runs (Monaco registers the same keys) ----
  const shortcuts = useRef({ save, run });
  useEffect(() => {
    shortcuts.current = { save, run };
  });
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || !(event.ctrlKey || event.metaKey)) return;
      if (event.key === 's' || event.key === 'S') {
        event.preventDefault();
        void shortcuts.current.save();
      } else if (event.key === 'Enter') {
        event.preventDefault();
        void shortcuts.current.run('draft');
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  const title = scriptId === null ? 'New script' : detail?.descriptive_name || 'Untitled';
  const versionLabel = detail ? labelOf(detail.version) : null;
  const modelPath =
    viewing && scriptId !== null
      ? `inmemory://history/script-${scriptId}/v${viewing.version.id}.py`
      : `file:///src/script_${scriptId ?? 'new'}.py`;

  return (
    <main className={`workbench${llmOpen && isEditor ? ' with-side' : ''}`}>
      <div className="toolbar" role="toolbar" aria-label="Script">
        <div className="toolbar-info">
          <Link to="/" className="back-link" aria-label="Back to the scripts">
            ←
          </Link>
          <div className="title-block">
            <h1 className="script-title" title={detail?.docstring || title} data-testid="script-title">
              {title}
            </h1>
            <div className="title-meta">
              {scriptId !== null && <span className="script-id">#{scriptId}</span>}
              {detail && !readOnly && (
                <label className="ordering-field" title="Ordering number: the integer part is the run-all group">
                  <span className="muted small">order</span>
                  <input
                    value={ordering}
                    onChange={(e) => setOrdering(e.target.value)}
                    className={orderingValid ? '' : 'invalid'}
                    aria-label="Ordering number"
                    size={5}
                  />
                </label>
              )}
              {detail && readOnly && <span className="muted small mono">order {savedOrdering}</span>}
              {versionLabel && (
                <button
                  type="button"
                  className="version-badge"
                  data-testid="version-badge"
                  title="Version history"
                  aria-expanded={historyOpen}
                  onClick={() => setHistoryOpen((o) => !o)}
                >
                  v{versionLabel}
                </button>
              )}
              {detail &&
                (detail.prod_version ? (
                  <span
                    className={`version-chip version-prod${onProd ? '' : ' stale'}`}
                    data-testid="prod-badge"
                    title={onProd ? 'The latest version is on prod' : 'Prod runs an older version'}
                  >
                    prod v{labelOf(detail.prod_version)}
                  </span>
                ) : (
                  <span className="version-chip muted" data-testid="prod-badge">
                    not on prod
                  </span>
                ))}
              {parent && (
                <Link to={`/editor/${parent.id}`} className="parent-link small" data-testid="fork-parent">
                  forked from #{parent.id} {parent.name}
                  {parent.label && ` v${parent.label}`}
                </Link>
              )}
              {dirty && (
                <span className="dirty-dot" data-testid="unsaved" title="Unsaved changes (kept in this browser)">
                  ● unsaved
                </span>
              )}
              {readOnly && <span className="role-pill role-viewer">read-only</span>}
            </div>
          </div>
        </div>
        {isEditor && (
          <div className="toolbar-actions">
            <button
              type="button"
              className="button button-primary"
              onClick={() => void save()}
              disabled={!!busy || !!viewing}
              title="Save (Ctrl+S)"
            >
              {busy === 'save' ? <Spinner label="Saving" /> : null} Save
            </button>
            <button
              type="button"
              className="button"
              onClick={() => void run('draft')}
              disabled={!!running || !!busy || !!viewing}
              title="Run the latest saved version, saving first (Ctrl+Enter)"
            >
              ▶ Run draft
            </button>
            <button
              type="button"
              className="button"
              onClick={() => void run('prod')}
              disabled={!!running || !!busy || !!viewing || !detail?.prod_version}
              title={detail?.prod_version ? `Run prod v${labelOf(detail.prod_version)}` : 'Merge to prod first'}
            >
              ▶ Run prod
            </button>
            <span className="toolbar-sep" />
            <button
              type="button"
              className="button"
              onClick={() => (dirty ? setDialog({ kind: 'fork' }) : void fork(false))}
              disabled={scriptId === null || !!busy}
              title="Copy this script into a new one"
            >
              {busy === 'fork' ? <Spinner label="Forking" /> : null} Fork
            </button>
            <button
              type="button"
              className="button"
              onClick={() => void simpleAction('bump')}
              disabled={scriptId === null || !!busy || dirty}
              title={dirty ? 'Save your changes first' : `New major version ${(detail?.version.major ?? 0) + 1}.0`}
            >
              {busy === 'bump' ? <Spinner label="Bumping" /> : null} Bump major
            </button>
            <button
              type="button"
              className="button"
              onClick={() => void simpleAction('merge')}
              disabled={scriptId === null || !!busy || dirty || onProd}
              title={dirty ? 'Save your changes first' : onProd ? 'Already on prod' : `Put v${versionLabel ?? ''} on prod`}
            >
              {busy === 'merge' ? <Spinner label="Merging" /> : null} Merge to prod
            </button>
            <button
              type="button"
              className={`button button-ghost${llmOpen ? ' active' : ''}`}
              onClick={() => setLlmOpen((o) => !o)}
              aria-pressed={llmOpen}
              title="Assistant"
            >
              ✦ Assistant
            </button>
          </div>
        )}
      </div>

      <section className="work-main">
        {showRestored && restoredDraft && (
          <div className="banner banner-info" data-testid="draft-restored">
            Restored your unsaved changes from {formatRelative(restoredDraft.saved_at)}
            {restoredDraft.base_label && <> (based on v{restoredDraft.base_label})</>}.
            {restoredDraft.base_version_id !== null &&
              detail &&
              restoredDraft.base_version_id !== detail.version.id && (
                <strong> The script has been saved since; saving will ask what to do.</strong>
              )}
            <span className="banner-actions">
              <button type="button" className="link-button" onClick={discardDraft}>
                Discard them
              </button>
              <button type="button" className="link-button" onClick={() => setShowRestored(false)}>
                Keep
              </button>
            </span>
          </div>
        )}
        {viewing && (
          <div className="banner banner-history" data-testid="viewing-banner">
            Viewing <strong>v{labelOf(viewing.version)}</strong> by {viewing.version.committer},{' '}
            {formatDateTime(viewing.version.created_at)} · <span className="mono">{shortHash(viewing.version.git_commit_hash)}</span> —
            read-only.
            <span className="banner-actions">
              {isEditor && (
                <button type="button" className="button button-small" onClick={restoreViewing}>
                  Restore into editor
                </button>
              )}
              <button type="button" className="button button-small button-ghost" onClick={() => setViewing(null)}>
                Back to latest
              </button>
            </span>
          </div>
        )}
        <div className="editor-frame" data-testid="editor-frame" data-readonly={readOnly || !!viewing}>
          <Suspense fallback={<div className="editor-loading">Loading the editor…</div>}>
            {/* One editor instance per model: a history view gets its own, so nothing of it
                (its change subscription, its value) can reach the draft that Save writes. */}
            <CodeEditor
              key={modelPath}
              path={modelPath}
              value={viewing ? viewing.content : content}
              readOnly={readOnly || !!viewing}
              onChange={viewing ? undefined : setContent}
              onSelectionChange={setSelectedLines}
              onSave={() => void save()}
              onRun={() => void run('draft')}
              languageService={viewing ? null : languageService.service}
              onDiagnostics={setDiagnostics}
              handleRef={editorRef}
            />
          </Suspense>
        </div>
        <div className="status-bar" data-testid="diagnostics-summary">
          <span className={`ls-status ls-${languageService.status}`} title={languageService.detail}>
            ● Pyright {languageService.status === 'ready' ? '' : languageService.status}
          </span>
          {viewing ? (
            <span className="muted">old version: not checked</span>
          ) : diagnostics ? (
            <span>
              <span className={diagnostics.errors ? 'fail-text' : 'muted'} data-testid="error-count">
                {diagnostics.errors} error{diagnostics.errors === 1 ? '' : 's'}
              </span>
              {' · '}
              <span className={diagnostics.warnings ? 'warn-text' : 'muted'}>
                {diagnostics.warnings} warning{diagnostics.warnings === 1 ? '' : 's'}
              </span>
              {diagnostics.pending && <span className="muted"> · checking…</span>}
            </span>
          ) : (
            <span className="muted">checking…</span>
          )}
          {isEditor && <span className="status-keys muted">Ctrl+S save · Ctrl+Enter run</span>}
        </div>
        <div className="bottom-panel">
          <div className="tabs" role="tablist">
            <button
              type="button"
              role="tab"
              aria-selected={bottomTab === 'output'}
              className={bottomTab === 'output' ? 'tab active' : 'tab'}
              onClick={() => setBottomTab('output')}
            >
              Output
              {running && <Spinner label="Running" />}
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={bottomTab === 'input'}
              className={bottomTab === 'input' ? 'tab active' : 'tab'}
              onClick={() => setBottomTab('input')}
            >
              Test data{testData !== savedTestData && !readOnly ? ' •' : ''}
            </button>
          </div>
          {bottomTab === 'output' ? (
            <OutputPanel
              execution={execution}
              running={running}
              error={runError}
              hint={isEditor ? 'Run the draft with Ctrl+Enter.' : undefined}
            />
          ) : (
            <div className="test-data">
              <p className="muted small">
                The script gets this as a file whose path is <code>sys.argv[1]</code>. It is saved with the script and
                used by the runs started here.
              </p>
              <textarea
                value={viewing ? viewing.testData : testData}
                onChange={(e) => setTestData(e.target.value)}
                readOnly={readOnly || !!viewing}
                spellCheck={false}
                aria-label="Test data"
                data-testid="test-data"
                placeholder={readOnly ? '(no test data)' : 'Input for the script…'}
              />
            </div>
          )}
        </div>
      </section>

      {llmOpen && isEditor && (
        <LlmPanel
          exchanges={llm.exchanges}
          pending={llm.pending}
          selectedLines={selectedLines}
          canInsert={!viewing}
          onAsk={askAssistant}
          onInsert={insertFromAssistant}
          onClear={llm.clear}
          onClose={() => setLlmOpen(false)}
        />
      )}

      {historyOpen && scriptId !== null && (
        <VersionHistory
          versions={versions.versions}
          error={versions.error}
          latestId={detail?.version.id}
          prodId={detail?.prod_version?.id}
          viewingId={viewing?.version.id ?? null}
          onSelect={(v) => void viewVersion(v)}
          onClose={() => setHistoryOpen(false)}
          footer={
            isEditor ? (
              <button type="button" className="button button-danger button-small" onClick={() => setDialog({ kind: 'delete' })}>
                Delete script…
              </button>
            ) : undefined
          }
        />
      )}

      {dialog?.kind === 'conflict' && (
        <Dialog
          title="Someone saved a newer version"
          testId="conflict-dialog"
          onCancel={() => setDialog(null)}
          actions={
            <>
              <button type="button" className="button" onClick={() => setDialog(null)}>
                Keep editing
              </button>
              <button type="button" className="button button-danger" onClick={() => void reloadLatest()}>
                Reload (discard mine)
              </button>
              <button type="button" className="button button-primary" onClick={() => void fork(true)}>
                Fork instead
              </button>
            </>
          }
        >
          <p>{dialog.detail}</p>
          <p className="muted">
            Your changes are still here and kept in this browser. <strong>Fork instead</strong> saves them as a new
            script; <strong>Reload</strong> replaces them with the latest version.
          </p>
        </Dialog>
      )}
      {dialog?.kind === 'fork' && (
        <Dialog
          title="Fork with your unsaved changes?"
          onCancel={() => setDialog(null)}
          actions={
            <>
              <button type="button" className="button" onClick={() => setDialog(null)}>
                Cancel
              </button>
              <button type="button" className="button" onClick={() => void fork(false)}>
                Fork v{versionLabel} as saved
              </button>
              <button type="button" className="button button-primary" onClick={() => void fork(true)}>
                Fork with my changes
              </button>
            </>
          }
        >
          <p>
            This script has unsaved changes. The fork can start from the saved v{versionLabel}, or carry your changes
            (they then leave this script).
          </p>
        </Dialog>
      )}
      {dialog?.kind === 'delete' && (
        <Dialog
          title={`Delete script #${scriptId}?`}
          onCancel={() => setDialog(null)}
          actions={
            <>
              <button type="button" className="button" onClick={() => setDialog(null)}>
                Cancel
              </button>
              <button type="button" className="button button-danger" onClick={() => void remove()}>
                Delete
              </button>
            </>
          }
        >
          <p>
            “{title}” leaves the catalog and prod. Its history stays in the repository.
          </p>
        </Dialog>
      )}
      {blocker.state === 'blocked' && (
        <Dialog
          title="Leave with unsaved changes?"
          testId="leave-dialog"
          onCancel={() => blocker.reset()}
          actions={
            <>
              <button type="button" className="button" onClick={() => blocker.reset()}>
                Stay
              </button>
              <button
                type="button"
                className="button button-danger"
                onClick={() => {
                  clearDraft(key);
                  pendingDraft.current = null;
                  blocker.proceed();
                }}
              >
                Discard and leave
              </button>
              <button type="button" className="button button-primary" onClick={() => blocker.proceed()}>
                Leave, keep draft
              </button>
            </>
          }
        >
          <p>Your changes to “{title}” are not saved. A draft stays in this browser until you discard it.</p>
        </Dialog>
      )}
    </main>
  );
}
