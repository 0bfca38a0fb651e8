import { useCallback, useEffect, useRef } from 'react';
import { clearDraft, saveDraft, type Draft } from '../../lib/drafts';

type StoredDraft = Omit<Draft, 'saved_at'>;

/**
 * Keeps unsaved work in localStorage until it is saved: written shortly after each change,
 * flushed when the page goes away, cleared once nothing is unsaved. `forget()` drops it
 * (after a create, a fork with the changes, a delete, "discard and leave").
 */
export function useDraftPersistence(key: string, draft: StoredDraft | null): { forget: () => void } {
  const pending = useRef<StoredDraft | null>(null);

  useEffect(() => {
    if (!draft) {
      pending.current = null;
      clearDraft(key);
      return;
    }
    pending.current = draft;
    const timer = window.setTimeout(() => {
      if (pending.current) saveDraft(key, pending.current);
    }, 300);
    return () => window.clearTimeout(timer);
  }, [key, draft]);

  useEffect(() => {
    const flush = () => {
      if (pending.current) saveDraft(key, pending.current);
    };
    window.addEventListener('pagehide', flush);
    return () => {
      window.removeEventListener('pagehide', flush);
      flush();
    };
  }, [key]);

  const forget = useCallback(() => {
    pending.current = null;
    clearDraft(key);
  }, [key]);

  return { forget };
}
