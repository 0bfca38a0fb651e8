import { useCallback } from 'react';
import { api, type ScriptSummary } from '../api';
import { useLoaded } from './useLoaded';

export interface ScriptsState {
  scripts: ScriptSummary[] | null;
  error: string | null;
  loading: boolean;
  reload(): void;
}

/** The catalog list (`GET /api/scripts`), reloadable. */
export function useScripts(): ScriptsState {
  const { data, error, loading, reload } = useLoaded(
    useCallback((signal: AbortSignal) => api.scripts.list({ signal }), []),
  );
  return { scripts: data, error, loading, reload };
}
