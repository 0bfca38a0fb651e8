import { DiffEditor, type MonacoDiffEditor } from '@monaco-editor/react';
import { useEffect, useMemo, useRef } from 'react';
import '../monaco/setup';

export interface DiffSide {
  /** Model URI: one of its own, never the draft editor's (so nothing here can reach the draft). */
  path: string;
  text: string;
}

/**
 * Monaco's diff editor, read-only on both sides: `original` on the left (or above, inline),
 * `modified` on the right. A lazy chunk with Monaco; mount a new one for another pair.
 */
export default function DiffView({
  original,
  modified,
  inline,
}: {
  original: DiffSide;
  modified: DiffSide;
  inline: boolean;
}) {
  // The wrapper would dispose the models before the editor lets go of them (Monaco then
  // throws "TextModel got disposed before DiffEditorWidget model got reset"): it keeps them,
  // and they go here, after the editor has dropped them.
  const mounted = useRef<{ editor: MonacoDiffEditor; models: ReturnType<MonacoDiffEditor['getModel']> } | null>(null);
  useEffect(
    () => () => {
      const current = mounted.current;
      if (!current) return;
      current.editor.setModel(null);
      current.models?.original.dispose();
      current.models?.modified.dispose();
    },
    [],
  );

  const options = useMemo(
    () => ({
      readOnly: true,
      originalEditable: false,
      domReadOnly: true,
      renderSideBySide: !inline,
      // Side by side stays side by side when the pane is narrow: the toggle decides.
      useInlineViewWhenSpaceIsLimited: false,
      automaticLayout: true,
      fontSize: 14,
      fontFamily: "'JetBrains Mono', 'Fira Code', ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace",
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      renderOverviewRuler: true,
      padding: { top: 8 },
    }),
    [inline],
  );
  return (
    <DiffEditor
      original={original.text}
      modified={modified.text}
      originalModelPath={original.path}
      modifiedModelPath={modified.path}
      language="python"
      theme="vs-dark"
      options={options}
      keepCurrentOriginalModel
      keepCurrentModifiedModel
      onMount={(editor) => {
        mounted.current = { editor, models: editor.getModel() };
      }}
      loading={<div className="editor-loading">Starting the diff editor…</div>}
    />
  );
}
