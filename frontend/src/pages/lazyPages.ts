/** The editor (Monaco, Pyright) is a lazy chunk; this also lets the catalog prefetch it on intent. */
export const loadEditorPage = () => import('./editor/EditorPage');

let prefetched = false;
export function prefetchEditor(): void {
  if (prefetched) return;
  prefetched = true;
  void loadEditorPage().then((m) => m.prefetchEditorAssets?.());
}
