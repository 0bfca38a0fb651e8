/**
 * One typed function per endpoint of the contract (SPEC §3, §5, §6, §7, §13, §17). Answers and bodies
 * are those `openapi.yaml` gives the path and method, so a changed server answer fails `tsc`
 * where it is used.
 */
import {
  COMPLETION_EVENT_KINDS,
  FIX_EVENT_KINDS,
  typedEvents,
  type CompletionEvent,
  type FixEvent,
} from './assistantEvents';
import type { HttpClient } from './client';
import type { Answer, RequestBody } from './types';

type Signal = { signal?: AbortSignal };
type Listener<E> = Signal & { onEvent: (event: E) => void };

export function createApi(http: HttpClient) {
  return {
    auth: {
      login: (body: RequestBody<'/api/auth/login', 'post'>) =>
        http.request<Answer<'/api/auth/login', 'post'>>('POST', '/api/auth/login', { body, allowUnauthorized: true }),
      logout: () =>
        http.request<Answer<'/api/auth/logout', 'post'>>('POST', '/api/auth/logout'),
      /** 401 is an ordinary answer here ("not logged in"), not a redirect. */
      me: ({ signal }: Signal = {}) =>
        http.request<Answer<'/api/auth/me', 'get'>>('GET', '/api/auth/me', { signal, allowUnauthorized: true }),
    },
    scripts: {
      list: ({ signal }: Signal = {}) => http.request<Answer<'/api/scripts', 'get'>>('GET', '/api/scripts', { signal }),
      get: (id: number, { versionId, signal }: Signal & { versionId?: number } = {}) =>
        http.request<Answer<'/api/scripts/{id}', 'get'>>('GET', `/api/scripts/${id}`, {
          query: { version_id: versionId },
          signal,
        }),
      create: (body: RequestBody<'/api/scripts', 'post'>) =>
        http.request<Answer<'/api/scripts', 'post', 201>>('POST', '/api/scripts', { body }),
      save: (id: number, body: RequestBody<'/api/scripts/{id}', 'put'>) =>
        http.request<Answer<'/api/scripts/{id}', 'put'>>('PUT', `/api/scripts/${id}`, { body }),
      fork: (id: number) =>
        http.request<Answer<'/api/scripts/{id}/fork', 'post', 201>>('POST', `/api/scripts/${id}/fork`),
      bumpMajor: (id: number) =>
        http.request<Answer<'/api/scripts/{id}/bump-major', 'post'>>('POST', `/api/scripts/${id}/bump-major`),
      merge: (id: number) =>
        http.request<Answer<'/api/scripts/{id}/merge', 'post'>>('POST', `/api/scripts/${id}/merge`),
      remove: (id: number) =>
        http.request<Answer<'/api/scripts/{id}', 'delete'>>('DELETE', `/api/scripts/${id}`),
      versions: (id: number, { signal }: Signal = {}) =>
        http.request<Answer<'/api/scripts/{id}/versions', 'get'>>('GET', `/api/scripts/${id}/versions`, { signal }),
      /** Unified diff of code and test data; `from` defaults to prod's version (400 when not on prod), `to` to the latest. */
      diff: (id: number, { from, to, signal }: Signal & { from?: number; to?: number } = {}) =>
        http.request<Answer<'/api/scripts/{id}/diff', 'get'>>('GET', `/api/scripts/${id}/diff`, {
          query: { from, to },
          signal,
        }),
      /** A new minor version with that version's code and test data. */
      restore: (id: number, body: RequestBody<'/api/scripts/{id}/restore', 'post'>) =>
        http.request<Answer<'/api/scripts/{id}/restore', 'post'>>('POST', `/api/scripts/${id}/restore`, { body }),
    },
    execution: {
      run: (id: number, body: RequestBody<'/api/execute/{id}', 'post'>) =>
        http.request<Answer<'/api/execute/{id}', 'post'>>('POST', `/api/execute/${id}`, { body }),
      /** Queues a run and answers at once (202) with its id; follow it with `executionEventsUrl`. */
      start: (id: number, body: RequestBody<'/api/execute/{id}', 'post'>) =>
        http.request<Answer<'/api/execute/{id}', 'post', 202>>('POST', `/api/execute/${id}`, {
          query: { wait: false },
          body,
        }),
      /** Starts a run of every script on prod and answers at once (202) with the batch id. */
      startAll: (body: RequestBody<'/api/execute/all', 'post'>) =>
        http.request<Answer<'/api/execute/all', 'post', 202>>('POST', '/api/execute/all', {
          query: { wait: false },
          body,
        }),
      last: (scriptId: number, { signal }: Signal = {}) =>
        http.request<Answer<'/api/execute/{id}/last', 'get'>>('GET', `/api/execute/${scriptId}/last`, { signal }),
      get: (executionId: number, { signal }: Signal = {}) =>
        http.request<Answer<'/api/executions/{id}', 'get'>>('GET', `/api/executions/${executionId}`, { signal }),
      latestBatch: ({ signal }: Signal = {}) =>
        http.request<Answer<'/api/batches/latest', 'get'>>('GET', '/api/batches/latest', { signal }),
      batch: (batchId: number, { signal }: Signal = {}) =>
        http.request<Answer<'/api/batches/{id}', 'get'>>('GET', `/api/batches/${batchId}`, { signal }),
    },
    tokens: {
      list: ({ signal }: Signal = {}) => http.request<Answer<'/api/tokens', 'get'>>('GET', '/api/tokens', { signal }),
      /** The answer holds the secret, which is never shown again. */
      create: (body: RequestBody<'/api/tokens', 'post'>) =>
        http.request<Answer<'/api/tokens', 'post', 201>>('POST', '/api/tokens', { body }),
      revoke: (id: number) => http.request<Answer<'/api/tokens/{id}', 'delete'>>('DELETE', `/api/tokens/${id}`),
    },
    schedules: {
      list: ({ signal }: Signal = {}) =>
        http.request<Answer<'/api/schedules', 'get'>>('GET', '/api/schedules', { signal }),
      create: (body: RequestBody<'/api/schedules', 'post'>) =>
        http.request<Answer<'/api/schedules', 'post', 201>>('POST', '/api/schedules', { body }),
      /** Changes the fields given (`{ enabled: false }` pauses it); the others keep their value. */
      change: (id: number, body: RequestBody<'/api/schedules/{id}', 'put'>) =>
        http.request<Answer<'/api/schedules/{id}', 'put'>>('PUT', `/api/schedules/${id}`, { body }),
      remove: (id: number) =>
        http.request<Answer<'/api/schedules/{id}', 'delete'>>('DELETE', `/api/schedules/${id}`),
      /** Its firings, newest first. */
      runs: (id: number, { signal }: Signal = {}) =>
        http.request<Answer<'/api/schedules/{id}/runs', 'get'>>('GET', `/api/schedules/${id}/runs`, { signal }),
    },
    llm: {
      complete: (body: RequestBody<'/api/llm/complete', 'post'>, { signal }: Signal = {}) =>
        http.request<Answer<'/api/llm/complete', 'post'>>('POST', '/api/llm/complete', { body, signal }),
      /** The answer as it streams: `token`s, then `done` or `error`. Resolves when the stream closes. */
      completeStream: (body: RequestBody<'/api/llm/complete', 'post'>, { signal, onEvent }: Listener<CompletionEvent>) =>
        http.events('/api/llm/complete', {
          body: { ...body, stream: true },
          signal,
          onMessage: typedEvents(COMPLETION_EVENT_KINDS, onEvent),
        }),
    },
    assistant: {
      /** The fix loop (SPEC §13): rounds of answer, code and run, then `done`. Aborting stops it. */
      fix: (body: RequestBody<'/api/assistant/fix', 'post'>, { signal, onEvent }: Listener<FixEvent>) =>
        http.events('/api/assistant/fix', { body, signal, onMessage: typedEvents(FIX_EVENT_KINDS, onEvent) }),
    },
  };
}

export type Api = ReturnType<typeof createApi>;
