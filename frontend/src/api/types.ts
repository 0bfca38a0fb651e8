/**
 * Wire types of the code.ved REST API (SPEC §3–§7), written by hand in one place so that
 * they can be checked against the server's generated `openapi.yaml`.
 *
 * Timestamps are ISO-8601 strings in UTC. Ids are integers.
 */

export type Role = 'viewer' | 'editor';

/** `POST /api/auth/login`, `GET /api/auth/me` */
export interface User {
  username: string;
  roles: string[];
}

export interface LoginRequest {
  username: string;
  password: string;
}

export interface OkResponse {
  ok: boolean;
}

/** Every error body (SPEC §4). */
export interface ErrorBody {
  detail: string;
  code?: string;
}

/** One entry of `GET /api/scripts`. */
export interface ScriptSummary {
  id: number;
  /** Decimal such as 3.01; the integer part is the run-all group. */
  ordering_number: number;
  descriptive_name: string;
  docstring: string;
  major: number;
  minor: number;
  /** "1.23" */
  version_label: string;
  last_modified: string;
  prod_version_label: string | null;
  last_run_at: string | null;
  last_run_exit_code: number | null;
  last_run_status: ExecutionStatus | null;
}

export interface VersionInfo {
  id: number;
  major: number;
  minor: number;
  label: string;
  committer: string;
  created_at: string;
  git_commit_hash: string;
  parent_script_id: number | null;
  parent_version_id: number | null;
}

/** `GET /api/scripts/{id}` and the answer of every script-changing call. */
export interface ScriptDetail {
  id: number;
  ordering_number: number;
  descriptive_name: string;
  docstring: string;
  content: string;
  test_data: string;
  version: VersionInfo;
  prod_version: VersionInfo | null;
  last_execution: Execution | null;
}

export interface CreateScriptRequest {
  content?: string;
  test_data?: string;
}

export interface SaveScriptRequest {
  content: string;
  test_data?: string;
  base_version_id?: number;
  ordering_number?: number;
}

export interface MergeResponse {
  ok: boolean;
  version: VersionInfo;
  prod_commit: string;
}

export type ExecutionStatus =
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'timed_out'
  | 'oom_killed'
  | 'error';

export interface Execution {
  id: number;
  script_id: number;
  script_version_id: number;
  version_label: string;
  batch_id: number | null;
  status: ExecutionStatus;
  exit_code: number | null;
  stdout: string;
  stderr: string;
  stdout_truncated: boolean;
  stderr_truncated: boolean;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  /** e.g. "cpython-3.13.5" */
  interpreter: string;
  triggered_by: string;
  error: string | null;
}

export type RunSource = 'prod' | 'draft';

export interface ExecuteRequest {
  test_data?: string;
  source?: RunSource;
}

export interface ExecuteAllRequest {
  test_data?: string;
  stop_on_failure?: boolean;
}

/** `POST /api/execute/all?wait=false` → 202 */
export interface BatchStarted {
  batch_id: number;
}

export interface BatchGroup {
  group: number;
  executions: Execution[];
}

export interface Batch {
  id: number;
  status: string;
  started_at: string;
  finished_at: string | null;
  triggered_by: string;
  groups: BatchGroup[];
}

export interface LlmCompleteRequest {
  script_id?: number;
  script_version_id?: number;
  prompt: string;
  context_code?: string;
}

export interface LlmCompletion {
  response_text: string;
  model_id: string;
  /** null (or absent) when neither the upstream nor the price table knows it. */
  cost_usd?: number | null;
  /** Where the cost came from. */
  cost_source: 'upstream' | 'price_table' | 'unknown' | string;
  input_tokens: number | null;
  output_tokens: number | null;
  latency_ms: number;
  interaction_id: number;
}
