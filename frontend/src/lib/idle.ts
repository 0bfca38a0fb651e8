/**
 * Runs `task` once the browser has nothing more urgent to do (or after `timeoutMs` at the
 * latest); answers a function that cancels it. Safari has no `requestIdleCallback`: there
 * the task runs after the current work, on a timer.
 */
export function whenIdle(task: () => void, timeoutMs = 1000): () => void {
  if (typeof window.requestIdleCallback === 'function') {
    const handle = window.requestIdleCallback(task, { timeout: timeoutMs });
    return () => window.cancelIdleCallback(handle);
  }
  const handle = window.setTimeout(task, 0);
  return () => window.clearTimeout(handle);
}
