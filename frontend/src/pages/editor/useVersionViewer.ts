import { useCallback, useState } from 'react';
import { api, type VersionInfo } from '../../api';

/** An old version shown read-only beside (never inside) the draft. */
export interface ViewedVersion {
  version: VersionInfo;
  content: string;
  testData: string;
}

/**
 * Which old version the history view shows. It has its own text and never writes to the
 * draft; only `restore` in the script editor copies it over, when the user asks.
 */
export function useVersionViewer(scriptId: number | null, latestVersionId: number | undefined) {
  const [viewing, setViewing] = useState<ViewedVersion | null>(null);

  /** Shows `version` (the latest one is the draft itself: back to it). Throws if it cannot load. */
  const view = useCallback(
    async (version: VersionInfo) => {
      if (scriptId === null) return;
      if (version.id === latestVersionId) {
        setViewing(null);
        return;
      }
      const old = await api.scripts.get(scriptId, { versionId: version.id });
      setViewing({ version, content: old.content, testData: old.test_data });
    },
    [scriptId, latestVersionId],
  );

  const backToLatest = useCallback(() => setViewing(null), []);
  return { viewing, view, backToLatest };
}
