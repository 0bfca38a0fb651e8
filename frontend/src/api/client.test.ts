import { describe, expect, it, vi } from 'vitest';
import { ApiError, createHttpClient, loginUrlFor } from './client';
import type { CompletionEvent, FixEvent } from './assistantEvents';
import { createApi } from './endpoints';

type Call = { url: string; init: RequestInit };

function json(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

function setup(respond: (call: Call) => Response, location = '/editor/3?x=1') {
  const calls: Call[] = [];
  const onUnauthorized = vi.fn<(url: string) => void>();
  const http = createHttpClient({
    fetch: async (input, init) => {
      const call = { url: String(input), init: init ?? {} };
      calls.push(call);
      return respond(call);
    },
    currentLocation: () => location,
    onUnauthorized,
  });
  return { api: createApi(http), http, calls, onUnauthorized };
}

describe('api client', () => {
  it('sends JSON with the right method and answers the parsed body', async () => {
    const detail = { id: 7, content: 'print(1)\n' };
    const { api, calls } = setup(() => json(200, detail));

    await expect(api.scripts.save(7, { content: 'print(1)\n', base_version_id: 12 })).resolves.toEqual(detail);

    const [call] = calls;
    expect(call!.url).toBe('/api/scripts/7');
    expect(call!.init.method).toBe('PUT');
    expect(new Headers(call!.init.headers).get('Content-Type')).toBe('application/json');
    expect(JSON.parse(call!.init.body as string)).toEqual({ content: 'print(1)\n', base_version_id: 12 });
  });

  it('sends no body and no content type on a bodiless POST', async () => {
    const { api, calls } = setup(() => json(201, { id: 9 }));
    await api.scripts.fork(3);
    expect(calls[0]!.init.body).toBeUndefined();
    expect(new Headers(calls[0]!.init.headers).has('Content-Type')).toBe(false);
  });

  it('builds query strings and skips undefined values', async () => {
    const { api, calls } = setup(() => json(200, {}));
    await api.scripts.get(4, { versionId: 11 });
    await api.scripts.get(4);
    await api.execution.startAll({ stop_on_failure: true });
    expect(calls.map((c) => c.url)).toEqual([
      '/api/scripts/4?version_id=11',
      '/api/scripts/4',
      '/api/execute/all?wait=false',
    ]);
  });

  it('on a 401 sends the user to /login with next= where they were, and rejects', async () => {
    const { api, onUnauthorized } = setup(() => json(401, { detail: 'Not logged in' }));

    const error = await api.scripts.list().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(onUnauthorized).toHaveBeenCalledWith('/login?next=%2Feditor%2F3%3Fx%3D1');
  });

  it('does not redirect when the login itself answers 401 (wrong password)', async () => {
    const { api, onUnauthorized } = setup(() => json(401, { detail: 'Wrong username or password' }));
    await expect(api.auth.login({ username: 'ed1', password: 'nope' })).rejects.toMatchObject({
      status: 401,
      detail: 'Wrong username or password',
    });
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('does not redirect in a loop from the login page', async () => {
    const { api, onUnauthorized } = setup(() => json(401, { detail: 'no session' }), '/login?next=%2F');
    await expect(api.scripts.list()).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('surfaces the server detail of an error', async () => {
    const { api } = setup(() =>
      json(400, { detail: 'Script 3 is not on prod; merge it first.', code: 'not_on_prod' }),
    );
    const error = (await api.execution.run(3, { source: 'prod' }).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(400);
    expect(error.message).toBe('Script 3 is not on prod; merge it first.');
    expect(error.code).toBe('not_on_prod');
  });

  it('marks a 409 as a conflict', async () => {
    const { api } = setup(() => json(409, { detail: 'A newer version exists (0.3).' }));
    const error = (await api.scripts.save(1, { content: '', base_version_id: 1 }).catch((e: unknown) => e)) as ApiError;
    expect(error.isConflict).toBe(true);
    expect(error.detail).toBe('A newer version exists (0.3).');
  });

  it('describes errors that are not JSON (a proxy page) by their status', async () => {
    const { api } = setup(() => new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    await expect(api.scripts.list()).rejects.toMatchObject({ status: 502, detail: '502 Bad Gateway' });
  });

  it('reports an unreachable server as status 0', async () => {
    const http = createHttpClient({
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
      currentLocation: () => '/',
      onUnauthorized: () => undefined,
    });
    await expect(createApi(http).scripts.list()).rejects.toMatchObject({ status: 0 });
  });

  it('answers null for a JSON null body', async () => {
    const { api } = setup(() => json(200, null));
    await expect(api.execution.latestBatch()).resolves.toBeNull();
  });
});

/** An SSE answer whose body arrives in the given pieces. */
function eventStream(pieces: string[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}

describe('api client: event streams of POST requests', () => {
  it('asks for a streamed completion and hands on its typed events in order', async () => {
    const { api, calls } = setup(() =>
      eventStream([
        'event: token\ndata: {"text":"Hel"}\n\nevent: tok',
        'en\ndata: {"text":"lo"}\n\n: keep-alive\n\nevent: usage\ndata: {}\n\n',
        'event: done\ndata: {"response_text":"Hello","model_id":"m","cost_usd":0.1,"latency_ms":5,"interaction_id":3,"cost_source":"upstream"}\n\n',
      ]),
    );
    const events: CompletionEvent[] = [];
    await api.llm.completeStream({ prompt: 'hi', context_code: '' }, { onEvent: (e) => events.push(e) });

    expect(JSON.parse(calls[0]!.init.body as string)).toEqual({ prompt: 'hi', context_code: '', stream: true });
    expect(new Headers(calls[0]!.init.headers).get('Accept')).toBe('text/event-stream');
    // `usage` is not a kind this client knows: skipped, not an error.
    expect(events.map((e) => e.kind)).toEqual(['token', 'token', 'done']);
    expect(events[1]).toEqual({ kind: 'token', data: { text: 'lo' } });
    expect(events[2]).toMatchObject({ kind: 'done', data: { response_text: 'Hello', interaction_id: 3 } });
  });

  it('turns a refusal before streaming (JSON) into an ApiError with the server\'s detail', async () => {
    const { api } = setup(() => json(429, { detail: 'Daily budget of $1.00 reached; resets at 00:00 UTC' }));
    const events: FixEvent[] = [];
    await expect(api.assistant.fix({ content: 'x' }, { onEvent: (e) => events.push(e) })).rejects.toMatchObject({
      status: 429,
      detail: 'Daily budget of $1.00 reached; resets at 00:00 UTC',
    });
    expect(events).toEqual([]);
  });

  it('sends a 401 on a stream to the login page like any call', async () => {
    const { api, onUnauthorized } = setup(() => json(401, { detail: 'Not logged in' }));
    await expect(api.assistant.fix({ content: 'x' }, { onEvent: () => undefined })).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthorized).toHaveBeenCalledWith('/login?next=%2Feditor%2F3%3Fx%3D1');
  });

  it('aborting cancels the request being read: fetch gets the signal and the call rejects with AbortError', async () => {
    let fetchSignal: AbortSignal | null | undefined;
    const controller = new AbortController();
    const http = createHttpClient({
      fetch: async (_input, init) => {
        fetchSignal = init?.signal;
        const encoder = new TextEncoder();
        const body = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(encoder.encode('event: round\ndata: {"n":1}\n\n'));
            // The signal errors the body, as a browser's fetch does on abort.
            init?.signal?.addEventListener('abort', () => c.error(new DOMException('Aborted', 'AbortError')));
          },
        });
        return new Response(body, { status: 200 });
      },
      currentLocation: () => '/',
      onUnauthorized: () => undefined,
    });
    const events: FixEvent[] = [];
    const reading = createApi(http).assistant.fix(
      { content: 'x', max_rounds: 2 },
      {
        signal: controller.signal,
        onEvent: (e) => {
          events.push(e);
          controller.abort();
        },
      },
    );
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    expect(events).toEqual([{ kind: 'round', data: { n: 1 } }]);
    // The browser's fetch ends the connection when its signal aborts; the server then cancels.
    expect(fetchSignal?.aborted).toBe(true);
  });
});

describe('loginUrlFor', () => {
  it('keeps the place to come back to', () => {
    expect(loginUrlFor('/editor/new')).toBe('/login?next=%2Feditor%2Fnew');
    expect(loginUrlFor('/')).toBe('/login');
  });
});
