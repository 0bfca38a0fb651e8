import { createHttpClient } from './client';
import { createApi } from './endpoints';

/** The app's one HTTP client (same origin; Vite proxies /api in development). */
export const http = createHttpClient();
export const api = createApi(http);

export { ApiError, errorMessage } from './client';
export type { Api } from './endpoints';
export type * from './types';
export * from './events';
export * from './assistantEvents';
