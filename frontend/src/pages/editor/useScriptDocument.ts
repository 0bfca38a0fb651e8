import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, errorMessage, type ScriptDetail, type VersionInfo } from '../../api';

export interface ScriptDocument {
  detail: ScriptDetail | null;
  setDetail: (update: ScriptDetail | ((d: ScriptDetail | null) => ScriptDetail | null)) => void;
  loading: boolean;
  error: { status: number; message: string } | null;
  /** Fetches the latest version again and answers it. */
  reload: () => Promise<ScriptDetail | null>;
}

/** The latest version of a script (null id: a script not created yet). */
export function useScriptDocument(scriptId: number | null, initial?: ScriptDetail | null): ScriptDocument {
  const [detail, setDetail] = useState<ScriptDetail | null>(initial ?? null);
  const [loading, setLoading] = useState(scriptId !== null && !initial);
  const [error, setError] = useState<ScriptDocument['error']>(null);

  useEffect(() => {
    if (scriptId === null || initial) return;
    const controller = new AbortController();
    api.scripts.get(scriptId, { signal: controller.signal }).then(
      (d) => {
        setDetail(d);
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError({ status: err instanceof ApiError ? err.status : 0, message: errorMessage(err) });
        setLoading(false);
      },
    );
    return () => controller.abort();
    // `initial` only matters for the first render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [scriptId]);

  const reload = useCallback(async () => {
    if (scriptId === null) return null;
    const d = await api.scripts.get(scriptId);
    setDetail(d);
    return d;
  }, [scriptId]);

  return { detail, setDetail, loading, error, reload };
}

export interface VersionsState {
  versions: VersionInfo[] | null;
  error: string | null;
  reload: () => void;
}

/** `GET /api/scripts/{id}/versions`, newest first; reloaded after each save. */
export function useVersions(scriptId: number | null, latestVersionId: number | undefined): VersionsState {
  const [versions, setVersions] = useState<VersionInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    if (scriptId === null) return;
    const controller = new AbortController();
    api.scripts.versions(scriptId, { signal: controller.signal }).then(
      (list) => {
        setVersions(list);
        setError(null);
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setError(errorMessage(err));
      },
    );
    return () => controller.abort();
  }, [scriptId, latestVersionId, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { versions, error, reload };
}
