import { useEffect, useRef, useState } from 'react';
import type { RunSource, ScriptDetail, VersionInfo } from '../../api';
import type { CodeEditorHandle } from '../../components/CodeEditor';
import { FixPanel } from '../../components/fix/FixPanel';
import { FixReviewBanner } from '../../components/fix/FixReviewBanner';
import { LlmPanel } from '../../components/LlmPanel';
import { VersionHistory } from '../../components/VersionHistory';
import { useAuth } from '../../hooks/useAuth';
import { useLanguageService } from '../../hooks/useLanguageService';
import { useUnsavedChangesGuard } from '../../hooks/useUnsavedChangesGuard';
import { draftKey } from '../../lib/drafts';
import { BottomPanel, type BottomTab } from './BottomPanel';
import { EditorDialogs } from './EditorDialogs';
import { CompareBanner, DraftRestoredBanner, PackagesBanner, ViewingBanner } from './EditorBanners';
import { EditorPane } from './EditorPane';
import { EditorToolbar } from './EditorToolbar';
import { labelOf } from './editorState';
import { useEditorShortcuts } from './useEditorShortcuts';
import { useForkParent } from './useForkParent';
import { useMergeReview } from './useMergeReview';
import { useScriptEditor } from './useScriptEditor';
import { useVersions } from './useScriptDocument';
import { useVersionViewer, type CompareWith } from './useVersionViewer';
import { useWorkbenchAssistant } from './useWorkbenchAssistant';

/** The editor page's layout: it arranges the parts; the hooks own the state and the calls. */
export function Workbench({
  scriptId,
  initialDetail,
  runAfterLoad,
  compareAtLoad,
}: {
  scriptId: number | null;
  initialDetail: ScriptDetail | null;
  runAfterLoad: RunSource | undefined;
  /** `?compare=prod` (a link from the catalog): open that comparison at once. */
  compareAtLoad: CompareWith | null;
}) {
  const { user, isEditor } = useAuth();
  const editorRef = useRef<CodeEditorHandle>(null);
  const [bottomTab, setBottomTab] = useState<BottomTab>('output');
  const [historyOpen, setHistoryOpen] = useState(false);
  const [llmOpen, setLlmOpen] = useState(isEditor);
  const [selectedLines, setSelectedLines] = useState(0);

  const editor = useScriptEditor({
    scriptId,
    initialDetail,
    readOnly: !isEditor,
    draftKey: draftKey(user?.username ?? 'anonymous', scriptId),
    readEditorText: () => editorRef.current?.getValue() ?? null,
    runAfterLoad,
    onRunStart: () => setBottomTab('output'),
  });
  const { detail, draft, readOnly } = editor;
  const versions = useVersions(scriptId, detail?.version.id);
  const viewer = useVersionViewer(scriptId, detail);
  const { viewing, comparison } = viewer;
  const assistant = useWorkbenchAssistant({
    scriptId,
    versionId: detail?.version.id,
    editorRef,
    draft,
    edit: editor.edit,
    selectedLines,
    openPanel: () => setLlmOpen(true),
  });
  const { llm, fix, reviewing } = assistant;
  const { review } = fix;
  // An old version, a comparison or the assistant's proposal is on the screen instead of the draft.
  const elsewhere = !!viewing || !!comparison || reviewing;
  const merge = useMergeReview(scriptId, !!detail?.prod_version);
  const parent = useForkParent(detail, versions.versions);
  const languageService = useLanguageService();
  const blocker = useUnsavedChangesGuard(editor.dirty);

  // Nothing is saved or run while something else is shown (Save would save the draft, which
  // is not what is on the screen then).
  const save = () => void (elsewhere ? null : editor.save());
  const runDraft = () => void (elsewhere ? null : editor.run('draft'));
  useEditorShortcuts({ save, run: runDraft });

  const title = scriptId === null ? 'New script' : detail?.descriptive_name || 'Untitled';
  const versionLabel = detail ? labelOf(detail.version) : null;

  async function versionAction(name: 'bump' | 'merge') {
    if (await editor.versionAction(name)) versions.reload();
  }

  /** Merge to prod: show what changes against prod, then ask. */
  function askMerge() {
    editor.setDialog({ kind: 'merge' });
    void merge.load();
  }

  function confirmMerge() {
    editor.setDialog(null);
    merge.clear();
    void versionAction('merge');
  }

  function compare(against: CompareWith) {
    viewer.compare(against).catch((err: unknown) => editor.fail('Could not compare', err));
  }

  // A link from the catalog asks for a comparison: open it once.
  const compared = useRef(false);
  useEffect(() => {
    if (compareAtLoad && !compared.current) {
      compared.current = true;
      compare(compareAtLoad);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  async function restore(version: VersionInfo) {
    if (await editor.restoreVersion(version)) viewer.backToLatest();
  }

  function backToLatest() {
    viewer.backToLatest();
    editorRef.current?.focus();
  }

  return (
    <main className={`workbench${llmOpen && isEditor ? ' with-side' : ''}${historyOpen ? ' with-drawer' : ''}`}>
      <EditorToolbar
        editor={editor}
        title={title}
        viewing={elsewhere}
        historyOpen={historyOpen}
        onToggleHistory={() => setHistoryOpen((o) => !o)}
        parent={parent}
        isEditor={isEditor}
        llmOpen={llmOpen}
        onToggleLlm={() => setLlmOpen((o) => !o)}
        onBump={() => void versionAction('bump')}
        onMerge={askMerge}
      />

      <section className="work-main">
        {editor.restored && (
          <DraftRestoredBanner
            restored={editor.restored}
            latestVersionId={detail?.version.id}
            onDiscard={editor.discardDraft}
            onKeep={editor.hideRestored}
          />
        )}
        {review && fix.session && (
          <FixReviewBanner
            session={fix.session}
            review={review}
            onAccept={assistant.acceptFix}
            onDiscard={() => fix.decide('discarded')}
          />
        )}
        {viewing && !comparison && !reviewing && (
          <ViewingBanner
            viewing={viewing}
            onProd={!!detail?.prod_version}
            onCompare={compare}
            onRestore={isEditor ? () => editor.setDialog({ kind: 'restore', version: viewing.version }) : null}
            onBack={backToLatest}
          />
        )}
        {comparison && !reviewing && (
          <CompareBanner
            comparison={comparison}
            latestId={detail?.version.id}
            prodId={detail?.prod_version?.id}
            inline={viewer.inline}
            onToggleInline={viewer.toggleInline}
            onClose={viewer.closeComparison}
          />
        )}
        {!elsewhere && <PackagesBanner dependencies={detail?.dependencies} />}
        <EditorPane
          scriptId={scriptId}
          content={draft.content}
          readOnly={readOnly}
          viewing={viewing}
          comparison={comparison}
          review={review}
          inline={viewer.inline}
          onChange={(content) => editor.edit({ content })}
          onSelectionChange={setSelectedLines}
          onSave={save}
          onRun={runDraft}
          languageService={languageService}
          editorRef={editorRef}
          showKeys={isEditor}
        />
        <BottomPanel
          tab={bottomTab}
          onTab={setBottomTab}
          run={editor.runView}
          testData={viewing ? viewing.testData : draft.testData}
          testDataChanged={!readOnly && draft.testData !== editor.savedTestData}
          onTestData={(testData) => editor.edit({ testData })}
          readOnly={readOnly || elsewhere}
          hint={isEditor ? 'Run the draft with Ctrl+Enter.' : undefined}
          onFix={isEditor && !readOnly && !assistant.fixRunning ? () => assistant.startFix() : undefined}
        />
      </section>

      {llmOpen && isEditor && fix.session && <FixPanel fix={fix} onClose={fix.dismiss} />}
      {llmOpen && isEditor && !fix.session && (
        <LlmPanel
          exchanges={llm.exchanges}
          pending={llm.pending}
          selectedLines={selectedLines}
          canInsert={!elsewhere}
          onAsk={assistant.ask}
          onStop={llm.stop}
          // The loop's runs belong to a script: a new one is saved first.
          onFix={elsewhere || scriptId === null ? null : assistant.startFix}
          onInsert={assistant.insert}
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
          onSelect={(v) => viewer.view(v).catch((err: unknown) => editor.fail(`Could not load v${labelOf(v)}`, err))}
          onClose={() => setHistoryOpen(false)}
          footer={
            isEditor ? (
              <button
                type="button"
                className="button button-danger button-small"
                onClick={() => editor.setDialog({ kind: 'delete' })}
              >
                Delete script…
              </button>
            ) : undefined
          }
        />
      )}

      <EditorDialogs
        editor={editor}
        title={title}
        versionLabel={versionLabel}
        blocker={blocker}
        mergeReview={merge.review}
        onMerge={confirmMerge}
        onRestore={(version) => void restore(version)}
      />
    </main>
  );
}
