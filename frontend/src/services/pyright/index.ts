/** The Pyright implementation of {@link LanguageService}: loaded lazily by the editor. */
import workerUrl from 'browser-basedpyright/dist/pyright.worker.js?url';
import { PyrightClient } from './PyrightClient';
import { PyrightLanguageService } from './PyrightLanguageService';

export { PyrightClient, PyrightLanguageService };

export function createPyrightLanguageService(): PyrightLanguageService {
  const client = new PyrightClient({
    // The worker bundle is a classic (non-module) script served as a static asset.
    createWorker: (name) => new Worker(workerUrl, { name, type: 'classic' }),
  });
  const service = new PyrightLanguageService(client);
  service.warmUp();
  return service;
}
