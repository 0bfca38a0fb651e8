import type {
  DocumentModel,
  LanguageService,
  LanguageServiceStatus,
  Marker,
} from '../LanguageService';
import { toMarkers } from './markers';
import type { PyrightClient } from './PyrightClient';

type Listener = (status: LanguageServiceStatus, detail?: string) => void;

/** {@link LanguageService} backed by basedpyright running in Web Workers. */
export class PyrightLanguageService implements LanguageService {
  readonly name = 'pyright';
  private currentStatus: LanguageServiceStatus = 'idle';
  private readonly listeners = new Set<Listener>();

  constructor(private readonly client: PyrightClient) {}

  get status(): LanguageServiceStatus {
    return this.currentStatus;
  }

  private setStatus(status: LanguageServiceStatus, detail?: string): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    for (const listener of this.listeners) listener(status, detail);
  }

  /**
   * Boots the workers and has them parse the standard library's stubs ahead of the first
   * check (that takes seconds), e.g. while the catalog is on the screen.
   */
  warmUp(): void {
    if (this.currentStatus !== 'idle') return;
    this.setStatus('starting');
    this.client.warmUp().then(
      () => this.setStatus('ready'),
      (err: unknown) => this.setStatus('failed', err instanceof Error ? err.message : String(err)),
    );
  }

  async getDiagnostics(model: DocumentModel): Promise<Marker[]> {
    this.warmUp();
    const diagnostics = await this.client.diagnostics(model.uri.toString(), model.getValue());
    return toMarkers(diagnostics, 'pyright');
  }

  closeModel(model: DocumentModel): void {
    this.client.close(model.uri.toString());
  }

  onStatusChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    this.client.dispose();
    this.listeners.clear();
  }
}
