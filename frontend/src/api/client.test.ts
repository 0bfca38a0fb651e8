import { describe, expect, it, vi } from 'vitest';
import { ApiError, createHttpClient, loginUrlFor } from './client';
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

describe('loginUrlFor', () => {
  it('keeps the place to come back to', () => {
    expect(loginUrlFor('/editor/new')).toBe('/login?next=%2Feditor%2Fnew');
    expect(loginUrlFor('/')).toBe('/login');
  });
});
