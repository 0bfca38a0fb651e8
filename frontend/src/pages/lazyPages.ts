/**
 * The editor (Monaco, Pyright) is a lazy chunk; the catalog loads it ahead: once it is on the
 * screen, and again on intent (a no-op by then).
 */
import { getLanguageService } from '../services';

/**
 * Loading the editor also starts Pyright, whose workers take seconds to boot and parse the
 * standard library's stubs: from the catalog, a script then shows its first diagnostics soon
 * after its text; on a reload of the editor, the boot overlaps loading the script.
 */
export const loadEditorPage = () => {
  void getLanguageService();
  return import('./editor/EditorPage');
};

let prefetched = false;
export function prefetchEditor(): void {
  if (prefetched) return;
  prefetched = true;
  void loadEditorPage().then((m) => m.prefetchEditorAssets?.());
}
