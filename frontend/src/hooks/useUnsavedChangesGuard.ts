import { useEffect } from 'react';
import { useBlocker, type Blocker } from 'react-router';

/** Navigations that carry `state.bypassGuard` (our own redirects after save, fork, 401) pass. */
export function bypassesGuard(state: unknown): boolean {
  return !!state && typeof state === 'object' && (state as { bypassGuard?: boolean }).bypassGuard === true;
}

/**
 * Asks before leaving with unsaved changes: the browser's own prompt on reload/close, and a
 * blocker for in-app navigation (the page shows a dialog while `blocker.state === 'blocked'`).
 */
export function useUnsavedChangesGuard(dirty: boolean): Blocker {
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      // Older browsers need a returnValue to show the prompt.
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [dirty]);

  return useBlocker(
    ({ currentLocation, nextLocation }) =>
      dirty &&
      !bypassesGuard(nextLocation.state) &&
      (currentLocation.pathname !== nextLocation.pathname || nextLocation.state?.logout === true),
  );
}
