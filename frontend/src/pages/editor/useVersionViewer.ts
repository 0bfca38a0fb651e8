import { useCallback, useState } from 'react';
import { api, type ScriptDetail, type VersionInfo } from '../../api';

/** An old version shown read-only beside (never inside) the draft. */
export interface ViewedVersion {
  version: VersionInfo;
  content: string;
  testData: string;
}

export type CompareWith = 'latest' | 'prod';

/** Two versions side by side in the diff editor: `original` is the older side. */
export interface Comparison {
  original: ViewedVersion;
  modified: ViewedVersion;
  against: CompareWith;
}

function latestOf(detail: ScriptDetail): ViewedVersion {
  return { version: detail.version, content: detail.content, testData: detail.test_data };
}

/**
 * The two sides of a comparison of `base` (an old version, or the latest) with the latest
 * saved version or with prod's: the older side on the left. Null when there is no prod version.
 */
export function comparisonSides(
  base: ViewedVersion,
  against: CompareWith,
  latest: ViewedVersion,
  prod: ViewedVersion | null,
): Comparison | null {
  if (against === 'latest') return { original: base, modified: latest, against };
  if (!prod) return null;
  return { original: prod, modified: base, against };
}

/**
 * What the history view shows instead of the draft: an old version, read-only, or a
 * comparison of two versions in the diff editor. Both have their own editors and texts and
 * never write to the draft: what Save writes is only ever the draft editor's text.
 */
export function useVersionViewer(scriptId: number | null, detail: ScriptDetail | null) {
  const [viewing, setViewing] = useState<ViewedVersion | null>(null);
  const [comparison, setComparison] = useState<Comparison | null>(null);
  const [inline, setInline] = useState(false);
  const latestVersionId = detail?.version.id;

  const load = useCallback(
    async (version: VersionInfo): Promise<ViewedVersion> => {
      if (detail && version.id === detail.version.id) return latestOf(detail);
      const old = await api.scripts.get(scriptId ?? 0, { versionId: version.id });
      return { version, content: old.content, testData: old.test_data };
    },
    [scriptId, detail],
  );

  /** Shows `version` (the latest one is the draft itself: back to it). Throws if it cannot load. */
  const view = useCallback(
    async (version: VersionInfo) => {
      if (scriptId === null) return;
      setComparison(null);
      if (version.id === latestVersionId) {
        setViewing(null);
        return;
      }
      setViewing(await load(version));
    },
    [scriptId, latestVersionId, load],
  );

  /**
   * Compares the version shown (or the latest) with the latest or with prod. Throws if a
   * side cannot load, or when nothing is on prod.
   */
  const compare = useCallback(
    async (against: CompareWith) => {
      if (scriptId === null || !detail) return;
      const latest = latestOf(detail);
      const base = viewing ?? latest;
      const prodVersion = detail.prod_version ?? null;
      const prod = !prodVersion ? null : prodVersion.id === base.version.id ? base : await load(prodVersion);
      const sides = comparisonSides(base, against, latest, prod);
      if (!sides) throw new Error('This script is not on prod yet.');
      setComparison(sides);
    },
    [scriptId, detail, viewing, load],
  );

  const closeComparison = useCallback(() => setComparison(null), []);
  const backToLatest = useCallback(() => {
    setComparison(null);
    setViewing(null);
  }, []);
  const toggleInline = useCallback(() => setInline((i) => !i), []);

  return { viewing, comparison, inline, view, compare, closeComparison, backToLatest, toggleInline };
}
