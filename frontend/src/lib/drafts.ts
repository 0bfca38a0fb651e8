/**
 * Unsaved work kept in localStorage, per user and script, so that a reload, a crash or an
 * expired session never loses it.
 */

export interface Draft {
  content: string;
  test_data: string;
  ordering_number: string | null;
  /** The version the draft was based on (null for a script not yet created). */
  base_version_id: number | null;
  base_label: string | null;
  saved_at: string;
}

const PREFIX = 'ved:draft:';

export function draftKey(username: string, scriptId: number | null): string {
  return `${PREFIX}${username}:${scriptId ?? 'new'}`;
}

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function loadDraft(key: string): Draft | null {
  const raw = storage()?.getItem(key);
  if (!raw) return null;
  try {
    const draft = JSON.parse(raw) as Partial<Draft>;
    if (typeof draft.content !== 'string') return null;
    return {
      content: draft.content,
      test_data: typeof draft.test_data === 'string' ? draft.test_data : '',
      ordering_number: draft.ordering_number ?? null,
      base_version_id: draft.base_version_id ?? null,
      base_label: draft.base_label ?? null,
      saved_at: draft.saved_at ?? new Date().toISOString(),
    };
  } catch {
    return null;
  }
}

export function saveDraft(key: string, draft: Omit<Draft, 'saved_at'>): void {
  try {
    storage()?.setItem(key, JSON.stringify({ ...draft, saved_at: new Date().toISOString() }));
  } catch {
    // Quota exceeded or storage disabled: the in-memory buffer is still there.
  }
}

export function clearDraft(key: string): void {
  storage()?.removeItem(key);
}
