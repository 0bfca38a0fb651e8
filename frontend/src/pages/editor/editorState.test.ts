import { describe, expect, it } from 'vitest';
import type { ScriptDetail } from '../../api';
import type { Draft } from '../../lib/drafts';
import {
  editorReducer,
  flagsOf,
  initialState,
  MAX_SAVE_MESSAGE_CHARS,
  saveMessage,
  saveMessageProblem,
  saveRequestOf,
  storedDraftOf,
} from './editorState';

const version = (id: number, minor: number) => ({
  id,
  major: 0,
  minor,
  label: `0.${minor}`,
  committer: 'ed1',
  created_at: '2026-01-01T00:00:00Z',
  git_commit_hash: 'abcdef0123456789',
  parent_script_id: null,
  parent_version_id: null,
});

const script = (versionId: number, minor: number, content: string, ordering = 1): ScriptDetail => ({
  id: 5,
  ordering_number: ordering,
  descriptive_name: 'Adds numbers',
  docstring: 'Adds numbers.',
  content,
  test_data: '',
  version: version(versionId, minor),
  prod_version: null,
  last_execution: null,
  dependencies: null,
  warnings: [],
});

describe('the draft', () => {
  const v2 = script(12, 2, 'print(2)\n');

  it('starts as the latest saved version, nothing unsaved', () => {
    const state = initialState(v2, null);
    expect(state.draft).toEqual({ content: 'print(2)\n', testData: '', ordering: '1.0', baseVersionId: 12 });
    expect(flagsOf(state, false).dirty).toBe(false);
  });

  it('is what the editor typed, and Save sends exactly that', () => {
    const state = editorReducer(initialState(v2, null), { type: 'edit', patch: { content: 'print(3)\n' } });
    const flags = flagsOf(state, false);
    expect(flags.dirty).toBe(true);
    expect(saveRequestOf(state.draft, flags.orderingChanged)).toEqual({
      content: 'print(3)\n',
      test_data: '',
      base_version_id: 12,
      ordering_number: undefined,
    });
  });

  it('after a save, is based on the answered version and nothing is unsaved', () => {
    let state = editorReducer(initialState(v2, null), { type: 'edit', patch: { content: 'print(3)\n' } });
    state = editorReducer(state, { type: 'adopt', detail: script(13, 3, 'print(3)\n') });
    expect(state.draft.baseVersionId).toBe(13);
    expect(state.draft.content).toBe('print(3)\n');
    expect(flagsOf(state, false).dirty).toBe(false);
  });

  it('can be discarded back to the latest', () => {
    let state = editorReducer(initialState(v2, null), { type: 'edit', patch: { content: 'print(1)\n', testData: 'x' } });
    expect(saveRequestOf(state.draft, false)).toMatchObject({ content: 'print(1)\n', test_data: 'x', base_version_id: 12 });
    state = editorReducer(state, { type: 'discard' });
    expect(state.draft.content).toBe('print(2)\n');
    expect(flagsOf(state, false).dirty).toBe(false);
  });

  it('a restored version (a new version made by the server) becomes the latest and the draft', () => {
    let state = editorReducer(initialState(v2, null), { type: 'edit', patch: { content: 'print("unsaved")\n' } });
    const restored = { ...script(14, 4, 'print(1)\n'), test_data: 'old data' };
    state = editorReducer(state, { type: 'adopt', detail: restored, resetDraft: true });
    expect(state.detail).toBe(restored);
    expect(state.draft).toEqual({ content: 'print(1)\n', testData: 'old data', ordering: '1.0', baseVersionId: 14 });
    expect(flagsOf(state, false).dirty).toBe(false);
  });

  it('sends a changed ordering number as a number, and only when it changed', () => {
    const state = editorReducer(initialState(v2, null), { type: 'edit', patch: { ordering: ' 42.5 ' } });
    const flags = flagsOf(state, false);
    expect(flags.orderingChanged && flags.orderingValid).toBe(true);
    expect(saveRequestOf(state.draft, flags.orderingChanged).ordering_number).toBe(42.5);
    expect(flagsOf(editorReducer(state, { type: 'edit', patch: { ordering: '4.567' } }), false).orderingValid).toBe(false);
  });

  it('is never unsaved for a viewer', () => {
    const state = editorReducer(initialState(v2, null), { type: 'edit', patch: { content: 'x' } });
    expect(flagsOf(state, true).dirty).toBe(false);
  });
});

describe("a save's message", () => {
  const v2 = script(12, 2, 'print(2)\n');
  const draft = initialState(v2, null).draft;

  it('goes with the save, trimmed; a blank one is no message', () => {
    expect(saveRequestOf(draft, false, '  fix the total \n').message).toBe('fix the total');
    expect(saveRequestOf(draft, false, '   ').message).toBeUndefined();
    expect(saveRequestOf(draft, false).message).toBeUndefined();
  });

  it('is at most 500 characters, counted as characters (not UTF-16 units), after trimming', () => {
    expect(MAX_SAVE_MESSAGE_CHARS).toBe(500);
    expect(saveMessageProblem('')).toBeNull();
    expect(saveMessageProblem('a'.repeat(500))).toBeNull();
    expect(saveMessageProblem(` ${'a'.repeat(500)}  `)).toBeNull();
    expect(saveMessageProblem('😀'.repeat(500))).toBeNull();
    expect(saveMessageProblem('a'.repeat(501))).toBe('The message is 501 characters long; at most 500 are kept.');
  });
});

describe('a draft kept from an earlier visit', () => {
  const v2 = script(12, 2, 'print(2)\n');
  const stored = (content: string): Draft => ({
    content,
    test_data: '',
    ordering_number: null,
    base_version_id: 11,
    base_label: '0.1',
    saved_at: '2026-01-01T00:00:00Z',
  });

  it('wins over the saved text when it differs, keeping its base version', () => {
    const state = initialState(v2, stored('print("mine")\n'));
    expect(state.showRestored).toBe(true);
    expect(state.draft).toMatchObject({ content: 'print("mine")\n', baseVersionId: 11 });
    expect(storedDraftOf(state, false)).toMatchObject({ content: 'print("mine")\n', base_label: '0.2' });
  });

  it('is ignored when it is what was saved', () => {
    expect(initialState(v2, stored('print(2)\n')).restored).toBeNull();
  });
});

describe('what a save says', () => {
  const before = script(12, 2, 'print(2)\n', 3);

  it('names the new version', () => {
    expect(saveMessage(before, script(13, 3, 'print(3)\n', 3))).toBe('Saved v0.3');
  });

  it('says an ordering number alone was saved (same version, new ordering number)', () => {
    expect(saveMessage(before, script(12, 2, 'print(2)\n', 42.5))).toBe(
      'Saved ordering number 42.5; the code is unchanged at v0.2',
    );
  });

  it('says both when both changed', () => {
    expect(saveMessage(before, script(13, 3, 'print(3)\n', 4))).toBe('Saved v0.3 with ordering number 4.0');
  });

  it('says nothing new only when neither changed', () => {
    expect(saveMessage(before, script(12, 2, 'print(2)\n', 3))).toBe('Nothing new to save: v0.2');
  });
});
