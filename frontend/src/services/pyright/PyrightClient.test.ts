import { afterEach, describe, expect, it } from 'vitest';
import { MarkerSeverity, MarkerTag, type DocumentModel } from '../LanguageService';
import { Methods } from './lsp';
import { PyrightClient, WARM_UP_DOCUMENT } from './PyrightClient';
import { PyrightLanguageService } from './PyrightLanguageService';

interface RpcMessage {
  jsonrpc?: string;
  id?: number | string;
  method?: string;
  params?: Record<string, unknown>;
  type?: string;
}

/**
 * Stands in for the Pyright worker: records what the client posts and lets the test play
 * the server's part (answering requests, publishing diagnostics).
 */
class FakeWorker {
  readonly received: RpcMessage[] = [];
  readonly transfers: (Transferable[] | undefined)[] = [];
  onmessage: ((event: MessageEvent) => void) | null = null;
  private readonly listeners = new Map<string, ((event: MessageEvent) => void)[]>();
  terminated = false;
  /** Answers for requests, by method. */
  readonly answers: Record<string, unknown> = { initialize: { capabilities: {} } };

  constructor(readonly name: string) {}

  postMessage(message: RpcMessage, transfer?: Transferable[]): void {
    this.received.push(message);
    this.transfers.push(transfer);
    if (message.method && message.id !== undefined && message.method in this.answers) {
      this.emit({ jsonrpc: '2.0', id: message.id, result: this.answers[message.method] });
    }
  }

  /**
   * Answers the oldest unanswered request of `method` (one without a canned answer), or the
   * oldest for which `about` holds.
   */
  answer(method: string, result: unknown, about: (m: RpcMessage) => boolean = () => true): void {
    const request = this.received.find(
      (m) => m.method === method && m.id !== undefined && !this.answered.has(m.id) && about(m),
    );
    if (!request || request.id === undefined) throw new Error(`no ${method} request to answer`);
    this.answered.add(request.id);
    this.emit({ jsonrpc: '2.0', id: request.id, result });
  }

  private readonly answered = new Set<number | string>();

  addEventListener(type: string, listener: (event: MessageEvent) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  removeEventListener(): void {}

  terminate(): void {
    this.terminated = true;
  }

  /** The worker posts `data` to the page. */
  emit(data: unknown): void {
    queueMicrotask(() => {
      const event = { data } as MessageEvent;
      this.onmessage?.(event);
      for (const listener of this.listeners.get('message') ?? []) listener(event);
    });
  }

  methods(): string[] {
    return this.received.map((m) => m.method ?? `<${m.type}>`);
  }

  notificationsOf(method: string): RpcMessage[] {
    return this.received.filter((m) => m.method === method);
  }
}

function setup(diagnosticsTimeoutMs = 2_000) {
  const workers: FakeWorker[] = [];
  const client = new PyrightClient({
    createWorker: (name) => {
      const worker = new FakeWorker(name);
      workers.push(worker);
      return worker as unknown as Worker;
    },
    diagnosticsTimeoutMs,
  });
  return { client, workers, foreground: () => workers[0]! };
}

function model(uri: string, text: string, versionId = 1): DocumentModel {
  return { uri: { toString: () => uri }, getValue: () => text, getVersionId: () => versionId };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (check()) return;
    await flush();
  }
  throw new Error(`timed out waiting for ${what}`);
}

const TYPE_ERROR = {
  range: { start: { line: 0, character: 9 }, end: { line: 0, character: 12 } },
  severity: 1,
  message: 'Type "Literal[\'a\']" is not assignable to declared type "int"',
  code: 'reportAssignmentType',
  source: 'basedpyright',
};

let active: PyrightClient | null = null;
afterEach(() => {
  active?.dispose();
  active = null;
});

describe('PyrightClient', () => {
  it('boots the worker, then initialize → initialized, with the config in initializationOptions', async () => {
    const { client, foreground } = setup();
    active = client;
    await client.start();

    const worker = foreground();
    expect(worker.name).toBe('pyright-foreground');
    expect(worker.received[0]).toEqual({ type: 'browser/boot', mode: 'foreground' });
    expect(worker.methods().slice(1)).toEqual(['initialize', 'initialized']);

    const init = worker.received[1]!.params as {
      rootUri: string;
      capabilities: { textDocument: { diagnostic?: { dynamicRegistration?: boolean } } };
      initializationOptions: { files: Record<string, string> };
    };
    expect(init.rootUri).toBe('file:///src/');
    // Without it Pyright answers no pulls and only pushes, 250 ms after each change.
    expect(init.capabilities.textDocument.diagnostic?.dynamicRegistration).toBe(true);
    const config = JSON.parse(init.initializationOptions.files['/src/pyrightconfig.json']!);
    expect(config.typeshedPath).toBe('/typeshed');
  });

  it('starts a background worker with the port when the server asks for one', async () => {
    const { client, workers, foreground } = setup();
    active = client;
    await client.start();

    const { port1 } = new MessageChannel();
    foreground().emit({ type: 'browser/newWorker', initialData: { rootUri: 'x' }, port: port1 });
    await until(() => workers.length === 2, 'the background worker');

    const background = workers[1]!;
    expect(background.name).toBe('pyright-background-1');
    expect(background.received[0]).toMatchObject({
      type: 'browser/boot',
      mode: 'background',
      initialData: { rootUri: 'x' },
    });
    expect(background.transfers[0]).toEqual([port1]);
    port1.close();
  });

  it('opens a document once, then sends full-text changes with increasing versions', async () => {
    const { client, foreground } = setup();
    active = client;
    const uri = 'file:///src/script-1.py';

    expect(await client.sync(uri, 'x = 1\n')).toBe(1);
    expect(await client.sync(uri, 'x = 1\n')).toBe(1); // unchanged text: nothing sent
    expect(await client.sync(uri, 'x = 2\n')).toBe(2);

    const worker = foreground();
    expect(worker.methods().slice(1)).toEqual([
      'initialize',
      'initialized',
      'textDocument/didOpen',
      'textDocument/didChange',
    ]);
    expect(worker.notificationsOf('textDocument/didOpen')[0]!.params).toEqual({
      textDocument: { uri, languageId: 'python', version: 1, text: 'x = 1\n' },
    });
    expect(worker.notificationsOf('textDocument/didChange')[0]!.params).toEqual({
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: 'x = 2\n' }],
    });
  });

  it('pulls the diagnostics of a text after sending it, and keeps the last answer', async () => {
    const { client, foreground } = setup();
    active = client;
    const uri = 'file:///src/script-2.py';
    await client.sync(uri, 'x: int = 1\n');
    const pending = client.diagnostics(uri, 'x: int = "a"\n');
    await until(() => foreground().notificationsOf(Methods.diagnostic).length === 1, 'the pull');
    // The server sees the new text before it is asked about it.
    expect(foreground().methods().slice(-2)).toEqual([Methods.didChange, Methods.diagnostic]);
    expect(foreground().notificationsOf(Methods.diagnostic)[0]!.params).toEqual({
      textDocument: { uri },
    });
    foreground().answer(Methods.diagnostic, { kind: 'full', resultId: '3', items: [TYPE_ERROR] });
    expect(await pending).toEqual([TYPE_ERROR]);

    // "Unchanged" (or no answer in time) means: what the last answer said.
    const again = client.diagnostics(uri, 'x: int = "a"\n');
    await until(() => foreground().notificationsOf(Methods.diagnostic).length === 2, 'the second pull');
    foreground().answer(Methods.diagnostic, { kind: 'unchanged', resultId: '3' });
    expect(await again).toEqual([TYPE_ERROR]);
  });

  it('answers the last known diagnostics when a pull takes too long', async () => {
    const { client, foreground } = setup(20);
    active = client;
    expect(await client.diagnostics('file:///src/slow.py', 'pass\n')).toEqual([]);
    expect(foreground().notificationsOf(Methods.diagnostic)).toHaveLength(1);
  });

  it('warms up with a document of its own that it keeps open', async () => {
    const { client, foreground } = setup();
    active = client;
    await client.warmUp();
    await until(() => foreground().notificationsOf(Methods.diagnostic).length === 1, 'the warm-up pull');
    const uri = `file:///src/${WARM_UP_DOCUMENT.name}`;
    expect(foreground().notificationsOf(Methods.didOpen)[0]!.params).toEqual({
      textDocument: { uri, languageId: 'python', version: 1, text: WARM_UP_DOCUMENT.text },
    });
    foreground().answer(Methods.diagnostic, { kind: 'full', items: [] });
    await client.warmUp(); // once only
    const script = client.diagnostics('file:///src/script-5.py', 'pass\n');
    await until(() => foreground().notificationsOf(Methods.diagnostic).length === 2, 'the script pull');
    foreground().answer(Methods.diagnostic, { kind: 'full', items: [] });
    await script;
    expect(foreground().notificationsOf(Methods.didOpen)).toHaveLength(2);
    expect(foreground().notificationsOf(Methods.didClose)).toHaveLength(0);
  });

  it('closes documents and terminates every worker on dispose', async () => {
    const { client, foreground } = setup();
    const uri = 'file:///src/script-3.py';
    await client.sync(uri, 'pass\n');
    client.close(uri);
    await until(() => foreground().notificationsOf('textDocument/didClose').length === 1, 'didClose');
    client.dispose();
    expect(foreground().terminated).toBe(true);
  });
});

describe('PyrightLanguageService', () => {
  it('warms up, then turns pulled diagnostics into Monaco markers for the model', async () => {
    const { client, foreground } = setup();
    active = client;
    const service = new PyrightLanguageService(client);
    const statuses: string[] = [];
    service.onStatusChange((s) => statuses.push(s));
    const uri = 'file:///src/script-4.py';
    const pulls = () => foreground().notificationsOf(Methods.diagnostic);

    // First check: the warm-up document and the script are both opened and pulled.
    const first = service.getDiagnostics(model(uri, 'x: int = "a"\n'));
    await until(() => pulls().length === 2, 'the warm-up and the script pulls');
    const warmUpUri = `file:///src/${WARM_UP_DOCUMENT.name}`;
    const about = (target: string) => (m: RpcMessage) =>
      (m.params as { textDocument: { uri: string } }).textDocument.uri === target;
    expect(pulls().filter(about(warmUpUri))).toHaveLength(1);
    foreground().answer(Methods.diagnostic, { kind: 'full', items: [] }, about(warmUpUri));
    foreground().answer(
      Methods.diagnostic,
      {
        kind: 'full',
        items: [
          TYPE_ERROR,
          {
            range: { start: { line: 2, character: 4 }, end: { line: 2, character: 4 } },
            severity: 4,
            message: '"y" is not accessed',
            tags: [1],
          },
        ],
      },
      about(uri),
    );
    expect(await first).toEqual([
      {
        severity: MarkerSeverity.Error,
        message: TYPE_ERROR.message,
        startLineNumber: 1,
        startColumn: 10,
        endLineNumber: 1,
        endColumn: 13,
        source: 'basedpyright',
        code: 'reportAssignmentType',
      },
      {
        severity: MarkerSeverity.Hint,
        message: '"y" is not accessed',
        startLineNumber: 3,
        startColumn: 5,
        endLineNumber: 3,
        endColumn: 6,
        source: 'pyright',
        tags: [MarkerTag.Unnecessary],
      },
    ]);
    expect(statuses).toEqual(['starting', 'ready']);

    // The user fixes the error: didChange (version 2), and the server finds no problems.
    const second = service.getDiagnostics(model(uri, 'x: int = 1\n', 2));
    await until(() => pulls().length === 3, 'the pull after the change');
    expect(foreground().notificationsOf(Methods.didChange)).toHaveLength(1);
    foreground().answer(Methods.diagnostic, { kind: 'full', items: [] });
    expect(await second).toEqual([]);
  });
});
