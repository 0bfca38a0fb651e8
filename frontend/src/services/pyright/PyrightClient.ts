/**
 * A small LSP client for basedpyright's browser build.
 *
 * The foreground worker is booted with `{type: "browser/boot", mode: "foreground"}` and then
 * speaks JSON-RPC over postMessage. When it wants a background analysis worker it posts
 * `browser/newWorker` with a MessagePort; we start another worker from the same script and
 * hand it the port. Source files and the pyright configuration travel in
 * `initializationOptions.files` (typeshed is built into the worker at `/typeshed`).
 */
import {
  BrowserMessageReader,
  BrowserMessageWriter,
  createMessageConnection,
  type MessageConnection,
} from 'vscode-jsonrpc/browser';
import { Methods, type LspDiagnostic, type PublishDiagnosticsParams } from './lsp';

/** Creates a worker running the Pyright script (a real `Worker`, or a fake in tests). */
export type WorkerFactory = (name: string) => Worker;

export interface PyrightClientOptions {
  createWorker: WorkerFactory;
  /** Folder of the virtual workspace, e.g. "/src/". */
  rootPath?: string;
  /** Contents of `pyrightconfig.json`. */
  config?: Record<string, unknown>;
  /** Give up on a check after this long and answer with the last known diagnostics. */
  diagnosticsTimeoutMs?: number;
  log?: (message: string) => void;
}

export const DEFAULT_PYRIGHT_CONFIG: Record<string, unknown> = {
  typeshedPath: '/typeshed',
  typeCheckingMode: 'standard',
  // The sandbox has the standard library only; an unknown import is worth a warning.
  reportMissingImports: 'warning',
  reportMissingModuleSource: 'warning',
};

interface OpenDocument {
  version: number;
  text: string;
  /** The last diagnostics published for this document, and for which version. */
  diagnostics: LspDiagnostic[];
  diagnosticsVersion: number;
  waiters: { version: number; resolve: (d: LspDiagnostic[]) => void }[];
}

export class PyrightClient {
  private readonly options: Required<Omit<PyrightClientOptions, 'log'>> &
    Pick<PyrightClientOptions, 'log'>;
  private readonly workers: Worker[] = [];
  private connection: MessageConnection | null = null;
  private ready: Promise<void> | null = null;
  private readonly documents = new Map<string, OpenDocument>();
  private disposed = false;

  constructor(options: PyrightClientOptions) {
    this.options = {
      rootPath: '/src/',
      config: DEFAULT_PYRIGHT_CONFIG,
      diagnosticsTimeoutMs: 20_000,
      ...options,
    };
  }

  get rootUri(): string {
    return `file://${this.options.rootPath}`;
  }

  /** Boots the workers and performs the LSP handshake (once). */
  start(): Promise<void> {
    this.ready ??= this.boot();
    return this.ready;
  }

  private async boot(): Promise<void> {
    const { createWorker, rootPath, config } = this.options;
    const foreground = createWorker('pyright-foreground');
    this.workers.push(foreground);

    let backgroundCount = 0;
    foreground.addEventListener('message', (event: MessageEvent) => {
      const data = event.data as { type?: string; initialData?: unknown; port?: MessagePort };
      if (data?.type !== 'browser/newWorker' || !data.port) return;
      const background = createWorker(`pyright-background-${++backgroundCount}`);
      this.workers.push(background);
      background.postMessage(
        { type: 'browser/boot', mode: 'background', initialData: data.initialData, port: data.port },
        [data.port],
      );
    });
    foreground.postMessage({ type: 'browser/boot', mode: 'foreground' });

    const connection = createMessageConnection(
      new BrowserMessageReader(foreground),
      new BrowserMessageWriter(foreground),
    );
    this.connection = connection;

    connection.onNotification(Methods.publishDiagnostics, (params: PublishDiagnosticsParams) =>
      this.onDiagnostics(params),
    );
    connection.onNotification(Methods.logMessage, (params: { message?: string }) =>
      this.options.log?.(params.message ?? ''),
    );
    // Requests the server may make of its client.
    connection.onRequest(Methods.configuration, (params: { items?: unknown[] }) =>
      (params.items ?? []).map(() => null),
    );
    connection.onRequest(Methods.registerCapability, () => null);
    connection.onRequest(Methods.workDoneProgressCreate, () => null);
    connection.listen();

    await connection.sendRequest(Methods.initialize, {
      processId: null,
      rootUri: this.rootUri,
      rootPath,
      workspaceFolders: [{ uri: this.rootUri, name: 'scripts' }],
      capabilities: {
        textDocument: {
          synchronization: { didSave: false, dynamicRegistration: false },
          publishDiagnostics: { versionSupport: true, tagSupport: { valueSet: [1, 2] } },
        },
      },
      initializationOptions: {
        files: { [`${rootPath}pyrightconfig.json`]: JSON.stringify(config) },
      },
    });
    await connection.sendNotification(Methods.initialized, {});
  }

  /**
   * Makes the server see `text` for `uri` (didOpen the first time, didChange afterwards)
   * and answers the LSP version number of that text.
   */
  async sync(uri: string, text: string): Promise<number> {
    await this.start();
    const connection = this.connection;
    if (!connection || this.disposed) throw new Error('Pyright client is disposed');
    const doc = this.documents.get(uri);
    if (!doc) {
      const opened: OpenDocument = {
        version: 1,
        text,
        diagnostics: [],
        diagnosticsVersion: 0,
        waiters: [],
      };
      this.documents.set(uri, opened);
      await connection.sendNotification(Methods.didOpen, {
        textDocument: { uri, languageId: 'python', version: opened.version, text },
      });
      return opened.version;
    }
    if (doc.text === text) return doc.version;
    doc.version += 1;
    doc.text = text;
    await connection.sendNotification(Methods.didChange, {
      textDocument: { uri, version: doc.version },
      contentChanges: [{ text }],
    });
    return doc.version;
  }

  /** The diagnostics of `text` at `uri`, once the server has published them. */
  async diagnostics(uri: string, text: string): Promise<LspDiagnostic[]> {
    const version = await this.sync(uri, text);
    const doc = this.documents.get(uri);
    if (!doc) return [];
    if (doc.diagnosticsVersion >= version) return doc.diagnostics;
    return new Promise<LspDiagnostic[]>((resolve) => {
      const waiter = { version, resolve };
      doc.waiters.push(waiter);
      setTimeout(() => {
        const index = doc.waiters.indexOf(waiter);
        if (index >= 0) {
          doc.waiters.splice(index, 1);
          resolve(doc.diagnostics);
        }
      }, this.options.diagnosticsTimeoutMs);
    });
  }

  private onDiagnostics({ uri, version, diagnostics }: PublishDiagnosticsParams): void {
    const doc = this.documents.get(uri);
    if (!doc) return;
    // Without a version the server speaks of the newest text it has been sent.
    const published = version ?? doc.version;
    if (published < doc.diagnosticsVersion) return;
    doc.diagnostics = diagnostics;
    doc.diagnosticsVersion = published;
    const done = doc.waiters.filter((w) => w.version <= published);
    doc.waiters = doc.waiters.filter((w) => w.version > published);
    for (const waiter of done) waiter.resolve(diagnostics);
  }

  close(uri: string): void {
    const doc = this.documents.get(uri);
    if (!doc) return;
    this.documents.delete(uri);
    for (const waiter of doc.waiters) waiter.resolve([]);
    void this.connection
      ?.sendNotification(Methods.didClose, { textDocument: { uri } })
      .catch(() => undefined);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const doc of this.documents.values()) for (const w of doc.waiters) w.resolve([]);
    this.documents.clear();
    this.connection?.dispose();
    for (const worker of this.workers) worker.terminate();
    this.workers.length = 0;
  }
}
