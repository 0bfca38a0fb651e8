/** One typed function per endpoint of the contract (SPEC §3, §5, §6, §7). */
import type { HttpClient } from './client';
import type {
  Batch,
  BatchStarted,
  CreateScriptRequest,
  Execution,
  ExecuteAllRequest,
  ExecuteRequest,
  LlmCompleteRequest,
  LlmCompletion,
  LoginRequest,
  MergeResponse,
  OkResponse,
  SaveScriptRequest,
  ScriptDetail,
  ScriptSummary,
  User,
  VersionInfo,
} from './types';

type Signal = { signal?: AbortSignal };

export function createApi(http: HttpClient) {
  return {
    auth: {
      login: (body: LoginRequest) =>
        http.request<User>('POST', '/api/auth/login', { body, allowUnauthorized: true }),
      logout: () => http.request<OkResponse>('POST', '/api/auth/logout'),
      /** 401 is an ordinary answer here ("not logged in"), not a redirect. */
      me: ({ signal }: Signal = {}) =>
        http.request<User>('GET', '/api/auth/me', { signal, allowUnauthorized: true }),
    },
    scripts: {
      list: ({ signal }: Signal = {}) =>
        http.request<ScriptSummary[]>('GET', '/api/scripts', { signal }),
      get: (id: number, { versionId, signal }: Signal & { versionId?: number } = {}) =>
        http.request<ScriptDetail>('GET', `/api/scripts/${id}`, {
          query: { version_id: versionId },
          signal,
        }),
      create: (body: CreateScriptRequest) =>
        http.request<ScriptDetail>('POST', '/api/scripts', { body }),
      save: (id: number, body: SaveScriptRequest) =>
        http.request<ScriptDetail>('PUT', `/api/scripts/${id}`, { body }),
      fork: (id: number) => http.request<ScriptDetail>('POST', `/api/scripts/${id}/fork`),
      bumpMajor: (id: number) =>
        http.request<ScriptDetail>('POST', `/api/scripts/${id}/bump-major`),
      merge: (id: number) => http.request<MergeResponse>('POST', `/api/scripts/${id}/merge`),
      remove: (id: number) => http.request<OkResponse>('DELETE', `/api/scripts/${id}`),
      versions: (id: number, { signal }: Signal = {}) =>
        http.request<VersionInfo[]>('GET', `/api/scripts/${id}/versions`, { signal }),
    },
    execution: {
      run: (id: number, body: ExecuteRequest) =>
        http.request<Execution>('POST', `/api/execute/${id}`, { body }),
      /** Starts a run of every script on prod and answers at once with the batch id. */
      startAll: (body: ExecuteAllRequest) =>
        http.request<BatchStarted>('POST', '/api/execute/all', { query: { wait: false }, body }),
      last: (scriptId: number, { signal }: Signal = {}) =>
        http.request<Execution | null>('GET', `/api/execute/${scriptId}/last`, { signal }),
      get: (executionId: number, { signal }: Signal = {}) =>
        http.request<Execution>('GET', `/api/executions/${executionId}`, { signal }),
      latestBatch: ({ signal }: Signal = {}) =>
        http.request<Batch | null>('GET', '/api/batches/latest', { signal }),
      batch: (batchId: number, { signal }: Signal = {}) =>
        http.request<Batch>('GET', `/api/batches/${batchId}`, { signal }),
    },
    llm: {
      complete: (body: LlmCompleteRequest, { signal }: Signal = {}) =>
        http.request<LlmCompletion>('POST', '/api/llm/complete', { body, signal }),
    },
  };
}

export type Api = ReturnType<typeof createApi>;
