/**
 * The app's language service, created on first use. The Pyright implementation (and its
 * multi-megabyte worker) is a lazy chunk: nothing of it loads on the catalog page.
 */
import type { LanguageService } from './LanguageService';

export type * from './LanguageService';

let instance: Promise<LanguageService> | null = null;

export function getLanguageService(): Promise<LanguageService> {
  instance ??= import('./pyright').then(({ createPyrightLanguageService }) =>
    createPyrightLanguageService(),
  );
  return instance;
}
