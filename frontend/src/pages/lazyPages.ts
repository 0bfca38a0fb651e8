/** The editor (Monaco, Pyright) is a lazy chunk; this also lets the catalog prefetch it on intent. */
import { getLanguageService } from '../services';

export const loadEditorPage = () => import('./editor/EditorPage');

let prefetched = false;
export function prefetchEditor(): void {
  if (prefetched) return;
  prefetched = true;
  void loadEditorPage().then((m) => m.prefetchEditorAssets?.());
}

/**
 * While the catalog is on the screen: fetch the editor's code and start Pyright, whose
 * workers take seconds to boot and parse the standard library's stubs, so that a script
 * opened from the catalog shows its first diagnostics soon after its text.
 */
export function prepareEditor(): void {
  prefetchEditor();
  void getLanguageService();
}
