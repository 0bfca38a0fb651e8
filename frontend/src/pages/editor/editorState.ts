/**
 * The editor's document as plain data: the latest saved script, the draft the user edits
 * (what Save writes) and a draft restored from an earlier visit. Pure (no React), so every
 * rule of the editor's state is a unit test.
 *
 * Viewing or comparing old versions is deliberately not part of this state: nothing shown
 * there can reach the draft. Restoring an old version is a new version made by the server,
 * adopted like a save.
 */
import type { SaveScriptRequest, ScriptDetail, VersionInfo } from '../../api';
import type { Draft } from '../../lib/drafts';
import { formatOrdering } from '../../lib/format';
import { NEW_SCRIPT_TEMPLATE } from './template';

export function labelOf(v: Pick<VersionInfo, 'label' | 'major' | 'minor'>): string {
  return v.label || `${v.major}.${v.minor}`;
}

/** The server keeps two decimals at most (3.01). */
const ORDERING_PATTERN = /^\d{1,9}(\.\d{1,2})?$/;

export interface DraftFields {
  content: string;
  testData: string;
  /** The ordering number as typed. */
  ordering: string;
  /** The version the draft is based on (what a save sends as `base_version_id`). */
  baseVersionId: number | null;
}

export interface EditorState {
  /** The latest saved version (null: a script not created yet). */
  detail: ScriptDetail | null;
  draft: DraftFields;
  /** A draft from an earlier visit that won over the saved text. */
  restored: Draft | null;
  showRestored: boolean;
}

export type EditorAction =
  | { type: 'edit'; patch: Partial<Pick<DraftFields, 'content' | 'testData' | 'ordering'>> }
  /** A save, bump, restore or reload answered this script: it is the new base. */
  | { type: 'adopt'; detail: ScriptDetail; resetDraft?: boolean }
  | { type: 'merged'; prodVersion: VersionInfo }
  | { type: 'ran'; execution: NonNullable<ScriptDetail['last_execution']> }
  | { type: 'discard' }
  | { type: 'hideRestored' };

function saved(detail: ScriptDetail | null) {
  return {
    content: detail?.content ?? NEW_SCRIPT_TEMPLATE,
    testData: detail?.test_data ?? '',
    ordering: detail ? formatOrdering(detail.ordering_number) : '',
  };
}

function savedDraft(detail: ScriptDetail | null): DraftFields {
  return { ...saved(detail), baseVersionId: detail?.version.id ?? null };
}

/** The first state: a stored draft wins over the saved text when it differs (editors only). */
export function initialState(detail: ScriptDetail | null, stored: Draft | null): EditorState {
  const s = saved(detail);
  const differs =
    !!stored &&
    (stored.content !== s.content ||
      stored.test_data !== s.testData ||
      (stored.ordering_number !== null && stored.ordering_number !== s.ordering));
  if (!stored || !differs) return { detail, draft: savedDraft(detail), restored: null, showRestored: false };
  return {
    detail,
    draft: {
      content: stored.content,
      testData: stored.test_data,
      ordering: stored.ordering_number ?? s.ordering,
      baseVersionId: stored.base_version_id ?? detail?.version.id ?? null,
    },
    restored: stored,
    showRestored: true,
  };
}

export function editorReducer(state: EditorState, action: EditorAction): EditorState {
  switch (action.type) {
    case 'edit':
      return { ...state, draft: { ...state.draft, ...action.patch } };
    case 'adopt': {
      const next = savedDraft(action.detail);
      const draft = action.resetDraft
        ? next
        : { ...state.draft, ordering: next.ordering, baseVersionId: next.baseVersionId };
      return { ...state, detail: action.detail, draft, showRestored: false };
    }
    case 'merged':
      return state.detail ? { ...state, detail: { ...state.detail, prod_version: action.prodVersion } } : state;
    case 'ran':
      return state.detail ? { ...state, detail: { ...state.detail, last_execution: action.execution } } : state;
    case 'discard':
      return { ...state, draft: savedDraft(state.detail), showRestored: false };
    case 'hideRestored':
      return { ...state, showRestored: false };
  }
}

export interface EditorFlags {
  savedContent: string;
  savedTestData: string;
  savedOrdering: string;
  orderingChanged: boolean;
  orderingValid: boolean;
  /** Unsaved changes (never for a viewer). */
  dirty: boolean;
  /** The latest version is the one on prod. */
  onProd: boolean;
}

export function flagsOf(state: EditorState, readOnly: boolean): EditorFlags {
  const s = saved(state.detail);
  const { draft, detail } = state;
  const orderingChanged = detail !== null && draft.ordering !== s.ordering;
  return {
    savedContent: s.content,
    savedTestData: s.testData,
    savedOrdering: s.ordering,
    orderingChanged,
    orderingValid: !orderingChanged || ORDERING_PATTERN.test(draft.ordering.trim()),
    dirty: !readOnly && (draft.content !== s.content || draft.testData !== s.testData || orderingChanged),
    onProd: !!detail?.prod_version && detail.prod_version.id === detail.version.id,
  };
}

/** A save's message: at most this many characters (SPEC §16), counted as the server does. */
export const MAX_SAVE_MESSAGE_CHARS = 500;

/** What is wrong with a save's message (null: nothing). Blank is fine: there is no message. */
export function saveMessageProblem(message: string): string | null {
  const chars = [...message.trim()].length;
  return chars > MAX_SAVE_MESSAGE_CHARS
    ? `The message is ${chars} characters long; at most ${MAX_SAVE_MESSAGE_CHARS} are kept.`
    : null;
}

/**
 * The body of `PUT /api/scripts/{id}` for this draft: exactly the draft, nothing else, and
 * the message when there is one.
 */
export function saveRequestOf(draft: DraftFields, orderingChanged: boolean, message = ''): SaveScriptRequest {
  return {
    content: draft.content,
    test_data: draft.testData,
    base_version_id: draft.baseVersionId ?? undefined,
    ordering_number: orderingChanged ? Number(draft.ordering.trim()) : undefined,
    message: message.trim() || undefined,
  };
}

/** What a save did, from what the server answered compared with what was there. */
export function saveMessage(before: ScriptDetail | null, after: ScriptDetail): string {
  const label = `v${labelOf(after.version)}`;
  const newVersion = before?.version.id !== after.version.id;
  const newOrdering = !!before && Number(before.ordering_number) !== Number(after.ordering_number);
  const ordering = formatOrdering(after.ordering_number);
  if (newVersion && newOrdering) return `Saved ${label} with ordering number ${ordering}`;
  if (newVersion) return `Saved ${label}`;
  if (newOrdering) return `Saved ordering number ${ordering}; the code is unchanged at ${label}`;
  return `Nothing new to save: ${label}`;
}

/** What localStorage keeps of an unsaved draft. */
export function storedDraftOf(state: EditorState, orderingChanged: boolean): Omit<Draft, 'saved_at'> {
  return {
    content: state.draft.content,
    test_data: state.draft.testData,
    ordering_number: orderingChanged ? state.draft.ordering : null,
    base_version_id: state.draft.baseVersionId,
    base_label: state.detail ? labelOf(state.detail.version) : null,
  };
}
