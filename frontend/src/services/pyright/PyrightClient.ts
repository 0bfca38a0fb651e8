/**
 * A small LSP client for basedpyright's browser build.
 *
 * The foreground worker is booted with `{type: "browser/boot", mode: "foreground"}` and then
 * speaks JSON-RPC over postMessage. When it wants a background analysis worker it posts
 * `browser/newWorker` with a MessagePort; we start another worker from the same script and
 * hand it the port. Source files and the pyright configuration travel in
 * `initializationOptions.files` (typeshed is built into the worker at `/typeshed`).
 *
 * Diagnostics are pulled (`textDocument/diagnostic`) after each change rather than waited
 * for: Pyright publishes pushed diagnostics only 250 ms after the last change, while a pull
 * is analysed at once (see `bootstrap.ts` for what that needs of the browser build).
 */
import {
  BrowserMessageReader,
  BrowserMessageWriter,
  createMessageConnection,
  type MessageConnection,
} from 'vscode-jsonrpc/browser';
import { Methods, type DocumentDiagnosticReport, type LspDiagnostic } from './lsp';

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

/**
 * What {@link PyrightClient.warmUp} has Pyright analyse: it makes Pyright parse and bind
 * builtins, typing and the other stubs every script needs before any script is opened.
 */
export const WARM_UP_DOCUMENT = {
  name: '_ved_warm_up.py',
  text: 'import sys\n\nprint(len(sys.argv), [str(n) for n in range(3)], {"k": 1.0})\n',
};

interface OpenDocument {
  version: number;
  text: string;
  /** The last diagnostics the server answered for this document. */
  diagnostics: LspDiagnostic[];
}

export class PyrightClient {
  private readonly options: Required<Omit<PyrightClientOptions, 'log'>> &
    Pick<PyrightClientOptions, 'log'>;
  private readonly workers: Worker[] = [];
  private connection: MessageConnection | null = null;
  private ready: Promise<void> | null = null;
  private warmingUp: Promise<void> | null = null;
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

  /**
   * Boots, and then has Pyright analyse {@link WARM_UP_DOCUMENT} while nothing waits for it,
   * so that the first script opened is checked without parsing the standard library's stubs
   * first. The document stays open: closing the last file that imports them would make
   * Pyright drop them. Answers once booted (the analysis goes on).
   */
  warmUp(): Promise<void> {
    const started = this.start();
    this.warmingUp ??= started
      .then(() => this.diagnostics(`${this.rootUri}${WARM_UP_DOCUMENT.name}`, WARM_UP_DOCUMENT.text))
      .then(
        () => undefined,
        (err: unknown) => this.options.log?.(`Pyright warm-up failed: ${String(err)}`),
      );
    return started;
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

    connection.onNotification(Methods.logMessage, (params: { message?: string }) =>
      this.options.log?.(params.message ?? ''),
    );
    // Requests the server may make of its client.
    connection.onRequest(Methods.configuration, (params: { items?: unknown[] }) =>
      (params.items ?? []).map(() => null),
    );
    connection.onRequest(Methods.registerCapability, () => null);
    connection.onRequest(Methods.unregisterCapability, () => null);
    // Each check pulls the diagnostics of its text anyway.
    connection.onRequest(Methods.diagnosticRefresh, () => null);
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
          // Pyright answers pulls only from a client that lets it register them.
          diagnostic: { dynamicRegistration: true, relatedDocumentSupport: false },
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
      const opened: OpenDocument = { version: 1, text, diagnostics: [] };
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

  /**
   * The diagnostics of `text` at `uri`. The server analyses the text it has when the pull
   * arrives, which is this one or a newer one: messages are handled in the order sent.
   */
  async diagnostics(uri: string, text: string): Promise<LspDiagnostic[]> {
    await this.sync(uri, text);
    const connection = this.connection;
    const doc = this.documents.get(uri);
    if (!connection || !doc) return [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.options.diagnosticsTimeoutMs);
    });
    try {
      const report = await Promise.race([
        connection.sendRequest<DocumentDiagnosticReport>(Methods.diagnostic, { textDocument: { uri } }),
        timeout,
      ]);
      if (report?.kind === 'full') doc.diagnostics = report.items;
    } catch (err) {
      // A pull cut short by close() or dispose() has no one waiting for it.
      if (this.documents.get(uri) === doc) throw err;
    } finally {
      clearTimeout(timer);
    }
    return doc.diagnostics;
  }

  close(uri: string): void {
    if (!this.documents.delete(uri)) return;
    void this.connection
      ?.sendNotification(Methods.didClose, { textDocument: { uri } })
      .catch(() => undefined);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.documents.clear();
    this.connection?.dispose();
    for (const worker of this.workers) worker.terminate();
    this.workers.length = 0;
  }
}
