/**
 * Wire types of the code.ved REST API, taken from the server's OpenAPI document
 * (`openapi.gen.ts`, generated from `../openapi.yaml` by `npm run gen:api` before every
 * typecheck and build). Nothing here is written by hand: a field, type or nullability
 * changed in `openapi.yaml` changes these types, and `tsc` shows every place it matters.
 *
 * Timestamps are ISO-8601 strings in UTC. Ids are integers.
 */
import type { components, paths } from './openapi.gen';

type Schemas = components['schemas'];

export type Role = Schemas['Role'];
/** `POST /api/auth/login`, `GET /api/auth/me` */
export type User = Schemas['UserInfo'];
export type LoginRequest = Schemas['LoginRequest'];
export type OkResponse = Schemas['Ok'];
export type DeletedResponse = Schemas['Deleted'];
/** Every error body (SPEC §4). */
export type ErrorBody = Schemas['ErrorBody'];

/** One entry of `GET /api/scripts`. */
export type ScriptSummary = Schemas['ScriptSummary'];
export type VersionInfo = Schemas['VersionInfo'];
/** `GET /api/scripts/{id}` and the answer of every script-changing call. */
export type ScriptDetail = Schemas['ScriptDetail'];
export type CreateScriptRequest = Schemas['CreateScript'];
export type SaveScriptRequest = Schemas['SaveScript'];
export type MergeResponse = Schemas['MergeResult'];
/** `GET /api/scripts/{id}/diff` */
export type VersionDiff = Schemas['VersionDiff'];
export type RestoreScriptRequest = Schemas['RestoreScript'];

export type Execution = Schemas['Execution'];
/** A file a run left in `/runner/out` (SPEC §12). */
export type ArtifactInfo = Schemas['ArtifactInfo'];
/** Whatever the document says a status is (a string today, an enum once the server says so). */
export type ExecutionStatus = Execution['status'];
export type RunSource = Schemas['Source'];
export type ExecuteRequest = Schemas['ExecuteRequest'];
export type ExecuteAllRequest = Schemas['ExecuteAllRequest'];
/** `POST /api/execute/{id}?wait=false` → 202 */
export type ExecutionStarted = Schemas['ExecutionStarted'];
/** `POST /api/execute/all?wait=false` → 202 */
export type BatchStarted = Schemas['BatchStarted'];
export type BatchGroup = Schemas['BatchGroup'];
export type Batch = Schemas['Batch'];
export type BatchStatus = Batch['status'];

/** A personal API token as listed (never its secret), SPEC §17. */
export type ApiToken = Schemas['TokenInfo'];
/** `POST /api/tokens` → 201: the only answer that carries the secret. */
export type ApiTokenCreated = Schemas['TokenCreated'];
export type CreateTokenRequest = Schemas['CreateToken'];

export type Schedule = Schemas['Schedule'];
/** The body of creating a schedule. */
export type ScheduleRequest = Schemas['ScheduleRequest'];
/** The body of changing one: the fields given. */
export type ScheduleChange = Schemas['ScheduleChange'];
/** A script's id, or `"all"`. */
export type ScheduleTarget = Schemas['ScheduleTarget'];
/** One entry of `GET /api/schedules/{id}/runs`. */
export type ScheduleFiring = Schemas['ScheduleFiring'];
export type FiringStatus = Schemas['FiringStatus'];

export type LlmCompleteRequest = Schemas['CompleteRequest'];
export type LlmCompletion = Schemas['CompleteResponse'];

// ---- operations: what an endpoint answers and accepts, by path and method ----

type Method = 'get' | 'post' | 'put' | 'delete';
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type JsonOf<T> = T extends { content: { 'application/json': infer J } } ? J : never;

/** The JSON body a `status` answer of `M P` carries (200 unless said otherwise). */
export type Answer<P extends keyof paths, M extends Method, S extends number = 200> =
  Operation<P, M> extends { responses: infer R } ? (S extends keyof R ? JsonOf<R[S]> : never) : never;

/** The JSON body `M P` accepts (without the `null` an optional body allows). */
export type RequestBody<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: infer B } ? NonNullable<JsonOf<NonNullable<B>>> : never;
