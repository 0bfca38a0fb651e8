import { lazy, Suspense, useState, type Ref } from 'react';
import type { CodeEditorHandle, DiagnosticsSummary } from '../../components/CodeEditor';
import type { useLanguageService } from '../../hooks/useLanguageService';
import type { ViewedVersion } from './useVersionViewer';

export const loadCodeEditor = () => import('../../components/CodeEditor');
const CodeEditor = lazy(loadCodeEditor);

type LanguageServiceState = ReturnType<typeof useLanguageService>;

/**
 * The draft editor and, while an old version is viewed, a second read-only editor in its
 * place. The draft editor stays mounted (hidden) with its own model and undo history: the
 * old version never passes through it, so it can never become what Save writes.
 */
export function EditorPane({
  scriptId,
  content,
  readOnly,
  viewing,
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
  onChange: (content: string) => void;
  onSelectionChange: (lines: number) => void;
  onSave: () => void;
  onRun: () => void;
  languageService: LanguageServiceState;
  editorRef: Ref<CodeEditorHandle>;
  showKeys: boolean;
}) {
  const [diagnostics, setDiagnostics] = useState<DiagnosticsSummary | null>(null);
  return (
    <>
      <div className="editor-frame" data-testid="editor-frame" data-readonly={readOnly} hidden={!!viewing}>
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
      {viewing && (
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
        {showKeys && <span className="status-keys muted">Ctrl+S save · Ctrl+Enter run</span>}
      </div>
    </>
  );
}
