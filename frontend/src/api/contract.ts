/**
 * Compile-time check of the hand-written wire types (`types.ts`) against the server's
 * OpenAPI document (`openapi.gen.ts`, generated from `../openapi.yaml` before every
 * typecheck and build). A server change that renames, adds or drops a field of an answer,
 * or stops accepting what the client sends, fails `tsc` here.
 */
import type { components } from './openapi.gen';
import type * as Client from './types';

type Schemas = components['schemas'];

/** Fails to compile unless `T` is `true`. */
type Assert<T extends true> = T;

/** The same field names on both sides. */
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;

/** Every request the client can build is one the server accepts. */
type Accepts<Server, Sent> = [Sent] extends [Server] ? true : false;

export type ResponseContract = [
  Assert<SameKeys<Schemas['UserInfo'], Client.User>>,
  Assert<SameKeys<Schemas['ScriptSummary'], Client.ScriptSummary>>,
  Assert<SameKeys<Schemas['ScriptDetail'], Client.ScriptDetail>>,
  Assert<SameKeys<Schemas['VersionInfo'], Client.VersionInfo>>,
  Assert<SameKeys<Schemas['MergeResult'], Client.MergeResponse>>,
  Assert<SameKeys<Schemas['Execution'], Client.Execution>>,
  Assert<SameKeys<Schemas['Batch'], Client.Batch>>,
  Assert<SameKeys<Schemas['BatchGroup'], Client.BatchGroup>>,
  Assert<SameKeys<Schemas['BatchStarted'], Client.BatchStarted>>,
  Assert<SameKeys<Schemas['CompleteResponse'], Client.LlmCompletion>>,
];

export type RequestContract = [
  Assert<Accepts<Schemas['LoginRequest'], Client.LoginRequest>>,
  Assert<Accepts<Schemas['CreateScript'], Client.CreateScriptRequest>>,
  Assert<Accepts<Schemas['SaveScript'], Client.SaveScriptRequest>>,
  Assert<Accepts<Schemas['ExecuteRequest'], Client.ExecuteRequest>>,
  Assert<Accepts<Schemas['ExecuteAllRequest'], Client.ExecuteAllRequest>>,
  Assert<Accepts<Schemas['CompleteRequest'], Client.LlmCompleteRequest>>,
];
