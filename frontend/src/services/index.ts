/**
 * The app's language service, created on first use: when the editor's code loads, which the
 * catalog has it do once it is on the screen (`pages/lazyPages.ts`). The Pyright
 * implementation (and its multi-megabyte worker) is a lazy chunk: nothing of it is in the
 * catalog's own code.
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
