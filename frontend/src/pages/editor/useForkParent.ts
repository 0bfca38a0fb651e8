import { useEffect, useMemo, useState } from 'react';
import { api, type ScriptDetail, type VersionInfo } from '../../api';
import { labelOf } from './editorState';

export interface ForkParent {
  id: number;
  name: string;
  label: string | null;
}

/** The script (and version) this one was forked from, if any, by name. */
export function useForkParent(detail: ScriptDetail | null, versions: VersionInfo[] | null): ForkParent | null {
  const parentRef = useMemo(() => {
    const withParent = [detail?.version, ...[...(versions ?? [])].reverse()].find((v) => v?.parent_script_id != null);
    return withParent?.parent_script_id != null
      ? { scriptId: withParent.parent_script_id, versionId: withParent.parent_version_id ?? undefined }
      : null;
  }, [detail, versions]);

  const [parent, setParent] = useState<ForkParent | null>(null);
  useEffect(() => {
    if (!parentRef) return;
    const controller = new AbortController();
    api.scripts.get(parentRef.scriptId, { versionId: parentRef.versionId, signal: controller.signal }).then(
      (p) => setParent({ id: p.id, name: p.descriptive_name, label: labelOf(p.version) }),
      () => {
        if (!controller.signal.aborted) setParent({ id: parentRef.scriptId, name: '(deleted)', label: null });
      },
    );
    return () => controller.abort();
  }, [parentRef]);
  return parent;
}
