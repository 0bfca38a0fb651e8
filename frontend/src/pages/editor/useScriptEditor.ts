import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { api, ApiError, errorMessage, type Execution, type RunSource, type ScriptDetail, type VersionInfo } from '../../api';
import { useToast } from '../../components/Toasts';
import { loadDraft } from '../../lib/drafts';
import {
  editorReducer,
  flagsOf,
  initialState,
  labelOf,
  saveMessage,
  saveMessageProblem,
  saveRequestOf,
  storedDraftOf,
  type DraftFields,
} from './editorState';
import { useDraftPersistence } from './useDraftPersistence';
import { useScriptRun } from './useScriptRun';

export interface EditorNavState {
  detail?: ScriptDetail;
  runAfterLoad?: RunSource;
  bypassGuard?: boolean;
}

export type EditorDialog =
  | { kind: 'conflict'; detail: string }
  | { kind: 'fork' }
  | { kind: 'delete' }
  | { kind: 'merge' }
  | { kind: 'restore'; version: VersionInfo }
  | null;
export type Busy = 'save' | 'fork' | 'bump' | 'merge' | 'restore' | 'reload' | 'delete' | null;

interface Options {
  scriptId: number | null;
  initialDetail: ScriptDetail | null;
  readOnly: boolean;
  /** localStorage key of this user's draft of this script. */
  draftKey: string;
  /** The text the draft editor shows (null before it is ready): what Save writes. */
  readEditorText: () => string | null;
  /** Run this once the page is shown (a new script saved with Run). */
  runAfterLoad?: RunSource;
  /** A run starts (the page shows the output). */
  onRunStart?: () => void;
}

/** The script being edited: its draft, its latest saved version, and every change to them. */
export function useScriptEditor({ scriptId, initialDetail, readOnly, draftKey, readEditorText, runAfterLoad, onRunStart }: Options) {
  const toast = useToast();
  const navigate = useNavigate();
  const [state, dispatch] = useReducer(editorReducer, null, () =>
    initialState(initialDetail, readOnly ? null : loadDraft(draftKey)),
  );
  const flags = flagsOf(state, readOnly);
  const { detail, draft } = state;

  const [busy, setBusy] = useState<Busy>(null);
  const [dialog, setDialog] = useState<EditorDialog>(null);
  /** The next save's message (optional). */
  const [message, setMessage] = useState('');
  const messageProblem = saveMessageProblem(message);

  const { dirty, orderingChanged } = flags;
  const stored = useMemo(
    () => (dirty ? storedDraftOf(state, orderingChanged) : null),
    [state, dirty, orderingChanged],
  );
  const { forget: forgetDraft } = useDraftPersistence(draftKey, readOnly ? null : stored);

  const onRunEnd = useCallback((execution: Execution) => dispatch({ type: 'ran', execution }), []);
  const runs = useScriptRun(scriptId, detail?.last_execution ?? null, onRunEnd);
  const { running } = runs;

  const edit = useCallback((patch: Partial<Pick<DraftFields, 'content' | 'testData' | 'ordering'>>) => {
    dispatch({ type: 'edit', patch });
  }, []);

  const goTo = (path: string, navState: EditorNavState = {}) =>
    navigate(path, { state: { ...navState, bypassGuard: true } });

  /** Toasts a failure; a 401 says nothing here (the login page explains and the draft is kept). */
  function fail(what: string, err: unknown) {
    if (err instanceof ApiError && err.status === 401) return;
    toast.error(`${what}: ${errorMessage(err)}`);
  }

  /** The draft as the editor shows it (the state follows the editor if they ever differ). */
  function currentDraft(): DraftFields {
    const shown = readEditorText();
    if (shown === null || shown === draft.content) return draft;
    dispatch({ type: 'edit', patch: { content: shown } });
    return { ...draft, content: shown };
  }

  async function create(andRun: boolean): Promise<ScriptDetail | null> {
    setBusy('save');
    try {
      const { content, testData } = currentDraft();
      const created = await api.scripts.create({ content, test_data: testData });
      forgetDraft();
      if (!andRun) toast.success(`Created script #${created.id} · v${labelOf(created.version)}`);
      created.warnings.forEach((warning) => toast.error(warning));
      await goTo(`/editor/${created.id}`, { detail: created, runAfterLoad: andRun ? 'draft' : undefined });
      return created;
    } catch (err) {
      fail('Save failed', err);
      return null;
    } finally {
      setBusy(null);
    }
  }

  async function save(): Promise<ScriptDetail | null> {
    if (readOnly || busy) return null;
    if (!flags.orderingValid) {
      toast.error('The ordering number must look like 3 or 3.01.');
      return null;
    }
    if (messageProblem) {
      toast.error(messageProblem);
      return null;
    }
    if (scriptId === null) return create(false);
    const current = currentDraft();
    if (!flags.dirty && current === draft && detail) {
      toast.info(`No changes: still v${labelOf(detail.version)}`);
      return detail;
    }
    setBusy('save');
    try {
      const saved = await api.scripts.save(scriptId, saveRequestOf(current, flags.orderingChanged, message));
      dispatch({ type: 'adopt', detail: saved });
      setMessage('');
      toast.success(saveMessage(detail, saved));
      saved.warnings.forEach((warning) => toast.error(warning));
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
    if (readOnly || running || busy) return;
    if (scriptId === null) {
      // Create it first, then run it on the new page.
      if (source === 'draft') await create(true);
      return;
    }
    let target = detail;
    const shown = readEditorText();
    if (source === 'draft' && (flags.dirty || (shown !== null && shown !== draft.content))) {
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
    onRunStart?.();
    await runs.start(source, draft.testData, label);
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
        const { content, testData } = currentDraft();
        forked = await api.scripts.save(forked.id, { content, test_data: testData, base_version_id: forked.version.id });
        forgetDraft();
      }
      toast.success(`Forked into script #${forked.id} · v${labelOf(forked.version)}`);
      await goTo(`/editor/${forked.id}`, { detail: forked });
    } catch (err) {
      fail('Fork failed', err);
    } finally {
      setBusy(null);
    }
  }

  /** Bump major or merge to prod; answers true when it changed the history. */
  async function versionAction(name: 'bump' | 'merge'): Promise<boolean> {
    if (scriptId === null || readOnly || busy) return false;
    setBusy(name);
    try {
      if (name === 'bump') {
        const bumped = await api.scripts.bumpMajor(scriptId);
        dispatch({ type: 'adopt', detail: bumped });
        toast.success(`Bumped to v${labelOf(bumped.version)}`);
      } else {
        const merged = await api.scripts.merge(scriptId);
        dispatch({ type: 'merged', prodVersion: merged.version });
        toast.success(`Merged v${labelOf(merged.version)} to prod`);
      }
      return true;
    } catch (err) {
      fail(`${name === 'bump' ? 'Bump' : 'Merge'} failed`, err);
      return false;
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
      dispatch({ type: 'adopt', detail: latest, resetDraft: true });
      forgetDraft();
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
      forgetDraft();
      toast.success(`Deleted script #${scriptId}`);
      await goTo('/');
    } catch (err) {
      fail('Delete failed', err);
      setBusy(null);
    }
  }

  function discardDraft() {
    dispatch({ type: 'discard' });
    forgetDraft();
  }

  /**
   * "Restore this version": the server makes a new version with its code and test data; it
   * becomes the latest and the editor shows it (unsaved changes give way, as the dialog said).
   */
  async function restoreVersion(version: VersionInfo): Promise<ScriptDetail | null> {
    if (scriptId === null || readOnly || busy) return null;
    setDialog(null);
    setBusy('restore');
    try {
      const restored = await api.scripts.restore(scriptId, { version_id: version.id });
      dispatch({ type: 'adopt', detail: restored, resetDraft: true });
      forgetDraft();
      toast.success(`Restored v${labelOf(version)} as v${labelOf(restored.version)}`);
      return restored;
    } catch (err) {
      fail('Restore failed', err);
      return null;
    } finally {
      setBusy(null);
    }
  }

  return {
    scriptId,
    readOnly,
    detail,
    draft,
    ...flags,
    restored: state.showRestored ? state.restored : null,
    hideRestored: () => dispatch({ type: 'hideRestored' }),
    busy,
    dialog,
    setDialog,
    runView: runs.view,
    running,
    edit,
    save,
    run,
    fork,
    versionAction,
    reloadLatest,
    remove,
    discardDraft,
    restoreVersion,
    message,
    setMessage,
    messageProblem,
    forgetDraft,
    fail,
  };
}

export type ScriptEditor = ReturnType<typeof useScriptEditor>;
