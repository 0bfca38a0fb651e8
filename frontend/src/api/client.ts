/**
 * A small typed HTTP client for the code.ved API.
 *
 * - Every error answer becomes an {@link ApiError} carrying the status and the server's
 *   `detail` sentence, so the UI can show what the server said.
 * - Any 401 (except on the login call itself, where it means "wrong credentials") sends the
 *   user to `/login?next=<where they were>`.
 */
import { readEventStream, type SseMessage } from './sse';
import type { ErrorBody } from './types';

export class ApiError extends Error {
  readonly status: number;
  readonly detail: string;
  readonly code: string | undefined;

  constructor(status: number, detail: string, code?: string) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail;
    this.code = code;
  }

  get isConflict(): boolean {
    return this.status === 409;
  }
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  /** Treat a 401 as an ordinary error (the login form does: 401 there is "wrong password"). */
  allowUnauthorized?: boolean;
}

export interface ClientOptions {
  /** Prefix for every path; '' means same origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Where the browser is now (path + query + hash), used for `next=`. */
  currentLocation?: () => string;
  /** Called with `/login?next=...` on a 401. */
  onUnauthorized?: (loginUrl: string) => void;
}

export interface HttpClient {
  request<T>(method: HttpMethod, path: string, options?: RequestOptions): Promise<T>;
  /**
   * POSTs and reads the answer as Server-Sent Events until the server closes it. An error
   * answer (a refusal before any event) throws an `ApiError` like `request`; aborting
   * `signal` cancels the request (and with it the server's work) and rejects with `AbortError`.
   */
  events(path: string, options: RequestOptions & { onMessage: (message: SseMessage) => void }): Promise<void>;
  /** Replace the 401 handler (the app installs one that navigates without a page reload). */
  setUnauthorizedHandler(handler: (loginUrl: string) => void): void;
}

export function loginUrlFor(location: string): string {
  const next = location.startsWith('/login') ? '/' : location;
  return next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
}

function browserLocation(): string {
  const { pathname, search, hash } = window.location;
  return `${pathname}${search}${hash}`;
}

function buildUrl(baseUrl: string, path: string, query: RequestOptions['query']): string {
  let url = `${baseUrl}${path}`;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) params.set(key, String(value));
    }
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  return url;
}

async function errorFrom(response: Response): Promise<ApiError> {
  const fallback = `${response.status} ${response.statusText || 'error'}`.trim();
  let text = '';
  try {
    text = await response.text();
  } catch {
    return new ApiError(response.status, fallback);
  }
  try {
    // `code` is not in the contract yet; read it when a server sends one.
    const body = JSON.parse(text) as Partial<ErrorBody> & { code?: string };
    if (body && typeof body.detail === 'string' && body.detail) {
      return new ApiError(response.status, body.detail, body.code);
    }
  } catch {
    // not JSON: a proxy page or plain text
  }
  const plain = text.trim();
  return new ApiError(
    response.status,
    plain && plain.length < 300 && !plain.startsWith('<') ? plain : fallback,
  );
}

export function createHttpClient(options: ClientOptions = {}): HttpClient {
  const baseUrl = options.baseUrl ?? '';
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const currentLocation = options.currentLocation ?? browserLocation;
  let onUnauthorized =
    options.onUnauthorized ?? ((url: string) => window.location.assign(url));

  /** Sends a request and answers its response when it is a success; otherwise throws. */
  async function send(method: HttpMethod, path: string, accept: string, options: RequestOptions): Promise<Response> {
    const { query, body, signal, allowUnauthorized } = options;
    const headers: Record<string, string> = { Accept: accept };
    const init: RequestInit = { method, headers, credentials: 'same-origin', signal };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }

    let response: Response;
    try {
      response = await doFetch(buildUrl(baseUrl, path, query), init);
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError(0, 'Cannot reach the server. Check your connection and try again.');
    }

    if (response.status === 401 && !allowUnauthorized) {
      const error = await errorFrom(response);
      const location = currentLocation();
      if (!location.startsWith('/login')) onUnauthorized(loginUrlFor(location));
      throw error;
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  async function request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await send(method, path, 'application/json', options);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text ? JSON.parse(text) : null) as T;
  }

  async function events(path: string, options: RequestOptions & { onMessage: (message: SseMessage) => void }) {
    const response = await send('POST', path, 'text/event-stream', options);
    if (!response.body) throw new ApiError(response.status, 'The server answered without a stream.');
    try {
      await readEventStream(response.body, options.onMessage);
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      if (options.signal?.aborted) throw new DOMException('Aborted', 'AbortError');
      throw new ApiError(0, 'The connection to the server was lost.');
    }
  }

  return {
    request,
    events,
    setUnauthorizedHandler(handler) {
      onUnauthorized = handler;
    },
  };
}

/** A sentence for any thrown value, for toasts and inline errors. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.detail;
  if (err instanceof Error) return err.message;
  return String(err);
}
