import type { RefObject } from 'react';
import type { CodeEditorHandle } from '../../components/CodeEditor';
import { useToast } from '../../components/Toasts';
import { useLlm } from '../../hooks/useLlm';
import type { DraftFields } from './editorState';
import { isOver } from './fixSession';
import { DEFAULT_MAX_ROUNDS, useAssistantFix } from './useAssistantFix';

interface Options {
  scriptId: number | null;
  versionId: number | undefined;
  editorRef: RefObject<CodeEditorHandle | null>;
  draft: DraftFields;
  edit: (patch: Pick<DraftFields, 'content'>) => void;
  selectedLines: number;
  /** Shows the side panel (a fix started from the output panel shows its rounds there). */
  openPanel: () => void;
}

/**
 * The assistant of the editor page: the streamed conversation and "Fix with assistant", and
 * what each may do to the draft editor — insert an answer's code, or accept a fix — always as
 * one undoable, unsaved edit.
 */
export function useWorkbenchAssistant({ scriptId, versionId, editorRef, draft, edit, selectedLines, openPanel }: Options) {
  const toast = useToast();
  const llm = useLlm(scriptId, versionId);
  const editorText = () => editorRef.current?.getValue() ?? draft.content;
  const fix = useAssistantFix(scriptId, editorText);

  function ask(prompt: string) {
    const selected = editorRef.current?.getSelectedText() ?? '';
    const about = selected ? `about ${selectedLines} selected line${selectedLines === 1 ? '' : 's'}` : 'about the whole script';
    void llm.ask(prompt, selected || draft.content, about);
  }

  function insert(code: string) {
    const where = editorRef.current?.insert(code);
    if (!where) return;
    toast.info(where === 'selection' ? 'Replaced the selection (Ctrl+Z undoes it).' : 'Replaced the whole script (Ctrl+Z undoes it).');
  }

  /** "Fix with assistant" on what the editor holds now, with the draft's test data. */
  function startFix(prompt = '', maxRounds = DEFAULT_MAX_ROUNDS) {
    openPanel();
    void fix.start({ content: editorText(), testData: draft.testData, prompt, maxRounds });
  }

  /** The proposal goes into the draft editor as one undoable edit: unsaved, like typing. */
  function acceptFix() {
    const { review } = fix;
    if (!review) return;
    if (editorRef.current) editorRef.current.replaceAll(review.modified);
    else edit({ content: review.modified });
    fix.decide('accepted');
    toast.info('The fix is in the editor, not saved yet: Save keeps it, Ctrl+Z undoes it.');
  }

  return {
    llm,
    fix,
    /** The proposal is on the screen instead of the draft. */
    reviewing: fix.review !== null,
    fixRunning: !!fix.session && !isOver(fix.session),
    ask,
    insert,
    startFix,
    acceptFix,
  };
}
