import { beforeEach, describe, expect, it } from 'vitest';
import { clearDraft, draftKey, loadDraft, saveDraft } from './drafts';

class MemoryStorage {
  private data = new Map<string, string>();
  getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.data.set(key, value);
  }
  removeItem(key: string) {
    this.data.delete(key);
  }
}

beforeEach(() => {
  (globalThis as { localStorage?: unknown }).localStorage = new MemoryStorage();
});

describe('drafts', () => {
  it('keeps unsaved work per user and script until cleared', () => {
    const key = draftKey('ed1', 3);
    expect(key).not.toBe(draftKey('mo1', 3));
    expect(draftKey('ed1', null)).toBe('ved:draft:ed1:new');

    saveDraft(key, { content: 'x = 1\n', test_data: 'in', ordering_number: null, base_version_id: 9, base_label: '0.2' });
    expect(loadDraft(key)).toMatchObject({ content: 'x = 1\n', test_data: 'in', base_version_id: 9, base_label: '0.2' });

    clearDraft(key);
    expect(loadDraft(key)).toBeNull();
  });

  it('ignores a corrupt entry', () => {
    localStorage.setItem('ved:draft:ed1:4', '{not json');
    expect(loadDraft('ved:draft:ed1:4')).toBeNull();
  });
});
