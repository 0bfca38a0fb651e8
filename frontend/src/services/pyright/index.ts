/** The Pyright implementation of {@link LanguageService}: loaded lazily by the editor. */
import workerUrl from 'browser-basedpyright/dist/pyright.worker.js?url';
import { bootstrapUrl } from './bootstrap';
import { PyrightClient } from './PyrightClient';
import { PyrightLanguageService } from './PyrightLanguageService';

export { PyrightClient, PyrightLanguageService };

export function createPyrightLanguageService(): PyrightLanguageService {
  // One bootstrap for the foreground and background workers, alive as long as the page.
  const script = bootstrapUrl(workerUrl);
  const client = new PyrightClient({
    // The worker bundle is a classic (non-module) script served as a static asset.
    createWorker: (name) => new Worker(script, { name, type: 'classic' }),
  });
  const service = new PyrightLanguageService(client);
  service.warmUp();
  return service;
}
