import Editor, { type OnMount } from '@monaco-editor/react';
import { useEffect, useImperativeHandle, useLayoutEffect, useRef, useState, type Ref } from 'react';
import { monaco } from '../monaco/setup';
import { MarkerSeverity, type LanguageService, type Marker } from '../services/LanguageService';

type CodeEditorInstance = Parameters<OnMount>[0];
type TextModel = NonNullable<ReturnType<CodeEditorInstance['getModel']>>;

export interface DiagnosticsSummary {
  errors: number;
  warnings: number;
  infos: number;
  /** The model version these counts are for. */
  pending: boolean;
}

export interface CodeEditorHandle {
  /** The selected text ('' when the selection is empty). */
  getSelectedText(): string;
  /** Replaces the selection, or the whole script when nothing is selected (one undo step). */
  insert(code: string): 'selection' | 'document';
  /** Replaces the whole script (one undo step), whatever is selected. */
  replaceAll(code: string): void;
  focus(): void;
  /** The text the editor shows now, or null before it is ready. */
  getValue(): string | null;
}

export interface CodeEditorProps {
  /**
   * Model URI. One editor shows one model for its whole life: to show another text (an old
   * version), mount another editor, so that nothing of one can reach the other.
   */
  path: string;
  value: string;
  readOnly: boolean;
  /** Every change of this editor's own model (typing, undo, an insert). */
  onChange?: (value: string) => void;
  onSelectionChange?: (selectedLines: number) => void;
  onSave?: () => void;
  onRun?: () => void;
  /** Check this model with the language service (off for read-only old versions). */
  languageService?: LanguageService | null;
  onDiagnostics?: (summary: DiagnosticsSummary) => void;
  handleRef?: Ref<CodeEditorHandle>;
}

// A check is analysed as soon as it arrives; the pause only spares Pyright one check per
// keystroke while someone types fast. `make bench-ui` measures keystroke → squiggle.
const DEBOUNCE_MS = 50;

function summarize(markers: readonly Pick<Marker, 'severity'>[] | readonly { severity: number }[]): Omit<DiagnosticsSummary, 'pending'> {
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  for (const m of markers) {
    if (m.severity === MarkerSeverity.Error) errors++;
    else if (m.severity === MarkerSeverity.Warning) warnings++;
    else if (m.severity === MarkerSeverity.Info) infos++;
  }
  return { errors, warnings, infos };
}

export default function CodeEditor({
  path,
  value,
  readOnly,
  onChange,
  onSelectionChange,
  onSave,
  onRun,
  languageService,
  onDiagnostics,
  handleRef,
}: CodeEditorProps) {
  const [editor, setEditor] = useState<CodeEditorInstance | null>(null);
  const [model, setModel] = useState<TextModel | null>(null);
  // Latest callbacks for Monaco commands and listeners registered once at mount.
  // Layout effect: current before the wrapper's (passive) effects write a new value.
  const callbacks = useRef({ onChange, onSave, onRun, onSelectionChange, onDiagnostics });
  useLayoutEffect(() => {
    callbacks.current = { onChange, onSave, onRun, onSelectionChange, onDiagnostics };
  });

  const handleMount: OnMount = (instance) => {
    instance.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => callbacks.current.onSave?.());
    instance.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => callbacks.current.onRun?.());
    instance.onDidChangeModel(() => setModel(instance.getModel()));
    // Changes are reported from the model itself to the latest onChange: the wrapper's own
    // onChange keeps the previous render's callback while it writes a new value (that once
    // let an old version's text into the draft).
    instance.onDidChangeModelContent(() => callbacks.current.onChange?.(instance.getValue()));
    instance.onDidChangeCursorSelection(({ selection }) => {
      const lines = selection.isEmpty() ? 0 : selection.endLineNumber - selection.startLineNumber + 1;
      callbacks.current.onSelectionChange?.(lines);
    });
    setEditor(instance);
    setModel(instance.getModel());
    instance.focus();
  };

  useImperativeHandle(handleRef, () => {
    /** One undo step, so Ctrl+Z takes the assistant's text out again. */
    const replace = (range: ReturnType<TextModel['getFullModelRange']>, text: string) => {
      if (!editor) return;
      editor.pushUndoStop();
      editor.executeEdits('llm-insert', [{ range, text, forceMoveMarkers: true }]);
      editor.pushUndoStop();
      editor.focus();
    };
    const replaceAll = (text: string) => {
      const current = editor?.getModel();
      if (current) replace(current.getFullModelRange(), text);
    };
    return {
      getSelectedText() {
        const selection = editor?.getSelection();
        const current = editor?.getModel();
        if (!selection || !current || selection.isEmpty()) return '';
        return current.getValueInRange(selection);
      },
      insert(code: string) {
        const selection = editor?.getSelection();
        if (!selection || selection.isEmpty()) {
          replaceAll(code);
          return 'document';
        }
        replace(selection, code);
        return 'selection';
      },
      replaceAll,
      focus() {
        editor?.focus();
      },
      getValue() {
        return editor?.getModel()?.getValue() ?? null;
      },
    };
  }, [editor]);

  // Diagnostics: check on open and shortly after each change.
  useEffect(() => {
    if (!model || !languageService) return;
    let disposed = false;
    let timer: number | undefined;
    let applied = 0;
    const owner = languageService.name;

    const check = () => {
      if (model.isDisposed()) return;
      const version = model.getVersionId();
      if (applied > 0) {
        const shown = monaco.editor.getModelMarkers({ resource: model.uri, owner });
        callbacks.current.onDiagnostics?.({ ...summarize(shown), pending: true });
      }
      languageService.getDiagnostics(model).then(
        (markers) => {
          if (disposed || model.isDisposed() || version < applied) return;
          applied = version;
          monaco.editor.setModelMarkers(model, owner, markers);
          callbacks.current.onDiagnostics?.({
            ...summarize(markers),
            pending: model.getVersionId() !== version,
          });
        },
        (err: unknown) => console.warn('diagnostics failed', err),
      );
    };

    check();
    const subscription = model.onDidChangeContent(() => {
      window.clearTimeout(timer);
      timer = window.setTimeout(check, DEBOUNCE_MS);
    });
    return () => {
      disposed = true;
      window.clearTimeout(timer);
      subscription.dispose();
      languageService.closeModel(model);
      if (!model.isDisposed()) monaco.editor.setModelMarkers(model, owner, []);
    };
  }, [model, languageService]);

  return (
    <Editor
      path={path}
      value={value}
      language="python"
      theme="vs-dark"
      onMount={handleMount}
      loading={<div className="editor-loading">Starting the editor…</div>}
      options={{
        readOnly,
        domReadOnly: readOnly,
        readOnlyMessage: { value: 'This is read-only.' },
        automaticLayout: true,
        fontSize: 14,
        fontFamily: "'JetBrains Mono', 'Fira Code', ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace",
        minimap: { enabled: false },
        scrollBeyondLastLine: false,
        tabSize: 4,
        insertSpaces: true,
        detectIndentation: false,
        renderWhitespace: 'selection',
        fixedOverflowWidgets: true,
        smoothScrolling: true,
        padding: { top: 8 },
        'semanticHighlighting.enabled': false,
      }}
    />
  );
}
