import { lazy, Suspense, useState, type Ref } from 'react';
import type { CodeEditorHandle, DiagnosticsSummary } from '../../components/CodeEditor';
import type { useLanguageService } from '../../hooks/useLanguageService';
import type { FixReview } from './useAssistantFix';
import type { Comparison, ViewedVersion } from './useVersionViewer';

export const loadCodeEditor = () => import('../../components/CodeEditor');
const CodeEditor = lazy(loadCodeEditor);
const DiffView = lazy(() => import('../../components/DiffView'));

/** Model URIs of a comparison: its own, apart from the draft's and the history view's. */
function comparePath(scriptId: number | null, c: Comparison, side: 'original' | 'modified'): string {
  return `inmemory://compare/script-${scriptId ?? 'new'}/${c.original.version.id}-${c.modified.version.id}/${side}.py`;
}

/** Model URIs of the assistant's proposal: never the draft's, so only Accept can reach it. */
const reviewPath = (scriptId: number | null, side: 'original' | 'modified') =>
  `inmemory://assistant-fix/script-${scriptId ?? 'new'}/${side}.py`;

type LanguageServiceState = ReturnType<typeof useLanguageService>;

/**
 * The draft editor and, while an old version is viewed, a second read-only editor in its
 * place (or, while two versions are compared, the diff editor). The draft editor stays
 * mounted (hidden) with its own model and undo history: the other texts never pass through
 * it, so none of them can become what Save writes. The assistant's proposal is shown the same
 * way, as a diff against the draft's text, until it is accepted or discarded.
 */
export function EditorPane({
  scriptId,
  content,
  readOnly,
  viewing,
  comparison,
  review,
  inline,
  onChange,
  onSelectionChange,
  onSave,
  onRun,
  languageService,
  editorRef,
  showKeys,
}: {
  scriptId: number | null;
  content: string;
  readOnly: boolean;
  viewing: ViewedVersion | null;
  comparison: Comparison | null;
  /** The assistant's result against the draft (shown over everything else). */
  review: FixReview | null;
  /** The comparison inline rather than side by side. */
  inline: boolean;
  onChange: (content: string) => void;
  onSelectionChange: (lines: number) => void;
  onSave: () => void;
  onRun: () => void;
  languageService: LanguageServiceState;
  editorRef: Ref<CodeEditorHandle>;
  showKeys: boolean;
}) {
  const [diagnostics, setDiagnostics] = useState<DiagnosticsSummary | null>(null);
  const elsewhere = viewing !== null || comparison !== null || review !== null;
  return (
    <>
      <div className="editor-frame" data-testid="editor-frame" data-readonly={readOnly} hidden={elsewhere}>
        <Suspense fallback={<div className="editor-loading">Loading the editor…</div>}>
          <CodeEditor
            path={`file:///src/script_${scriptId ?? 'new'}.py`}
            value={content}
            readOnly={readOnly}
            onChange={readOnly ? undefined : onChange}
            onSelectionChange={onSelectionChange}
            onSave={onSave}
            onRun={onRun}
            languageService={languageService.service}
            onDiagnostics={setDiagnostics}
            handleRef={editorRef}
          />
        </Suspense>
      </div>
      {review && (
        <div className="editor-frame" data-testid="fix-diff-frame" data-readonly>
          <Suspense fallback={<div className="editor-loading">Loading the diff editor…</div>}>
            <DiffView
              key={review.id}
              original={{ path: reviewPath(scriptId, 'original'), text: review.original }}
              modified={{ path: reviewPath(scriptId, 'modified'), text: review.modified }}
              inline={inline}
            />
          </Suspense>
        </div>
      )}
      {viewing && !comparison && !review && (
        <div className="editor-frame" data-testid="history-frame" data-readonly>
          <Suspense fallback={<div className="editor-loading">Loading the editor…</div>}>
            <CodeEditor
              path={`inmemory://history/script-${scriptId ?? 'new'}/v${viewing.version.id}.py`}
              value={viewing.content}
              readOnly
            />
          </Suspense>
        </div>
      )}
      {comparison && !review && (
        <div className="editor-frame" data-testid="diff-frame" data-readonly>
          <Suspense fallback={<div className="editor-loading">Loading the diff editor…</div>}>
            <DiffView
              key={`${comparison.original.version.id}-${comparison.modified.version.id}`}
              original={{ path: comparePath(scriptId, comparison, 'original'), text: comparison.original.content }}
              modified={{ path: comparePath(scriptId, comparison, 'modified'), text: comparison.modified.content }}
              inline={inline}
            />
          </Suspense>
        </div>
      )}
      <div className="status-bar" data-testid="diagnostics-summary">
        <span className={`ls-status ls-${languageService.status}`} title={languageService.detail}>
          ● Pyright {languageService.status === 'ready' ? '' : languageService.status}
        </span>
        {review ? (
          <span className="muted">the assistant's proposal: not checked</span>
        ) : comparison ? (
          <span className="muted">comparing versions: not checked</span>
        ) : viewing ? (
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
        {showKeys && <span className="status-keys muted">Ctrl+S save · Ctrl+Enter run</span>}
      </div>
    </>
  );
}
