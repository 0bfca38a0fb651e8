import { useLocation, useParams, useSearchParams } from 'react-router';
import { Spinner } from '../../components/Spinner';
import { NotFoundPage } from '../NotFoundPage';
import { loadCodeEditor } from './EditorPane';
import type { EditorNavState } from './useScriptEditor';
import type { CompareWith } from './useVersionViewer';
import { useScriptDocument } from './useScriptDocument';
import { Workbench } from './Workbench';

/** Called when the pointer heads for a script: fetch Monaco before the click. */
export function prefetchEditorAssets(): void {
  void loadCodeEditor();
}

/** `/editor/new`, `/editor/:id` (a lazy chunk: see `lazyPages.ts`). */
export default function EditorPage() {
  const { id } = useParams();
  const scriptId = id === undefined ? null : Number(id);
  if (scriptId !== null && (!Number.isInteger(scriptId) || scriptId <= 0)) return <NotFoundPage what="script" />;
  return <ScriptLoader key={id ?? 'new'} scriptId={scriptId} />;
}

/** Loads the script, then hands it to the workbench (a fresh one per script). */
function ScriptLoader({ scriptId }: { scriptId: number | null }) {
  const location = useLocation();
  const [searchParams] = useSearchParams();
  const state = (location.state ?? {}) as EditorNavState;
  const compare = searchParams.get('compare');
  const compareAtLoad: CompareWith | null = compare === 'prod' || compare === 'latest' ? compare : null;
  const passed = state.detail && state.detail.id === scriptId ? state.detail : null;
  const doc = useScriptDocument(scriptId, passed);

  if (doc.error?.status === 404) return <NotFoundPage what="script" />;
  if (doc.error) {
    return (
      <main className="page">
        <div className="error-box" role="alert">
          Could not load script #{scriptId}: {doc.error.message}
        </div>
      </main>
    );
  }
  if (scriptId !== null && !doc.detail) {
    return (
      <div className="splash">
        <Spinner /> Loading script #{scriptId}…
      </div>
    );
  }
  return (
    <Workbench
      scriptId={scriptId}
      initialDetail={doc.detail}
      runAfterLoad={state.runAfterLoad}
      compareAtLoad={compareAtLoad}
    />
  );
}
