import { useEffect, useRef } from 'react';

export interface EditorShortcuts {
  save: () => void;
  run: () => void;
}

/**
 * Ctrl/Cmd+S saves, Ctrl/Cmd+Enter runs the draft, anywhere on the page (Monaco registers
 * the same keys for when it has the focus). Always calls the latest handlers.
 */
export function useEditorShortcuts(handlers: EditorShortcuts): void {
  const latest = useRef(handlers);
  useEffect(() => {
    latest.current = handlers;
  });
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || !(event.ctrlKey || event.metaKey)) return;
      if (event.key === 's' || event.key === 'S') {
        event.preventDefault();
        latest.current.save();
      } else if (event.key === 'Enter') {
        event.preventDefault();
        latest.current.run();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
