/**
 * The Server-Sent Event streams of SPEC §12, followed with the browser's EventSource (same
 * origin, so the session cookie goes along).
 *
 * `data:` is JSON and not in the OpenAPI document (it describes the stream as text), so the
 * payloads are spelled here, in terms of the document's own schemas.
 */
import type { ArtifactInfo, Batch, Execution, ExecutionStatus } from './types';

/** `GET /api/executions/{id}/events` */
export type ExecutionEvent =
  | { kind: 'status'; data: { status: ExecutionStatus } }
  | { kind: 'stdout'; data: { text: string } }
  | { kind: 'stderr'; data: { text: string } }
  /** A file the run left in `/runner/out`, sent just before `end`. */
  | { kind: 'artifact'; data: ArtifactAnnounced }
  | { kind: 'end'; data: { execution: Execution } };

/** The `artifact` event: an `ArtifactInfo` without its hash. */
export type ArtifactAnnounced = Pick<ArtifactInfo, 'name' | 'size' | 'content_type'>;

export type GroupStatus = 'running' | 'succeeded' | 'failed';

/** `GET /api/batches/{id}/events` */
export type BatchEvent =
  | { kind: 'group'; data: { group: number; status: GroupStatus } }
  | { kind: 'execution'; data: Execution }
  | { kind: 'end'; data: { batch: Batch } };

export const EXECUTION_EVENT_KINDS: readonly ExecutionEvent['kind'][] = ['status', 'stdout', 'stderr', 'artifact', 'end'];
export const BATCH_EVENT_KINDS: readonly BatchEvent['kind'][] = ['group', 'execution', 'end'];

export const executionEventsUrl = (executionId: number) => `/api/executions/${executionId}/events`;
export const batchEventsUrl = (batchId: number) => `/api/batches/${batchId}/events`;

/**
 * - `connecting`: the first connection is being made;
 * - `open`: events arrive live;
 * - `reconnecting`: the connection dropped and is being made again (nothing is lost: the
 *   browser sends `Last-Event-ID`, and a fresh stream's replay is skipped up to the last id seen);
 * - `ended`: `end` arrived and the stream is closed;
 * - `failed`: it could not be followed (every retry refused); the caller reads the result instead.
 */
export type Connection = 'connecting' | 'open' | 'reconnecting' | 'ended' | 'failed';

/** The part of `EventSource` used here, so that tests can hand in a fake. */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
}

/** `EventSource.CLOSED`: the browser gave up and will not reconnect by itself. */
const CLOSED = 2;

/** Waits before opening a stream afresh once the browser gave up on it (then `failed`). */
export const RETRY_DELAYS_MS: readonly number[] = [500, 1500, 4000];

export interface FollowOptions<E extends { kind: string; data: unknown }> {
  url: string;
  kinds: readonly E['kind'][];
  /** Each event once, in order (`id`: the SSE `id:`, when the server sent one). */
  onEvent: (event: E, id: number | null) => void;
  onConnection?: (connection: Connection) => void;
  retryDelaysMs?: readonly number[];
  open?: (url: string) => EventSourceLike;
}

export interface Follower {
  /** Stops following (idempotent); nothing is delivered afterwards. */
  close(): void;
}

/**
 * Follows a stream until its `end`: the stream is closed there (otherwise EventSource would
 * connect again). A dropped connection is resumed by the browser with `Last-Event-ID`; a
 * stream the browser gave up on (an error answer, the server restarting) is opened afresh a
 * few times, and its replay is skipped up to the last event already delivered.
 */
export function followEvents<E extends { kind: string; data: unknown }>({
  url,
  kinds,
  onEvent,
  onConnection,
  retryDelaysMs = RETRY_DELAYS_MS,
  open = (u) => new EventSource(u) as unknown as EventSourceLike,
}: FollowOptions<E>): Follower {
  let source: EventSourceLike | null = null;
  let lastId = 0;
  let retries = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let done = false;

  const stop = () => {
    done = true;
    clearTimeout(timer);
    source?.close();
  };

  const retry = () => {
    const delay = retryDelaysMs[retries++];
    if (delay === undefined) {
      stop();
      onConnection?.('failed');
      return;
    }
    onConnection?.('reconnecting');
    timer = setTimeout(connect, delay);
  };

  function connect() {
    if (done) return;
    const current = open(url);
    source = current;
    current.addEventListener('open', () => {
      if (done || source !== current) return;
      retries = 0;
      onConnection?.('open');
    });
    current.addEventListener('error', () => {
      if (done || source !== current) return;
      if (current.readyState === CLOSED) {
        current.close();
        retry();
      } else {
        onConnection?.('reconnecting');
      }
    });
    for (const kind of kinds) {
      current.addEventListener(kind, (message) => {
        if (done || source !== current) return;
        const id = message.lastEventId ? Number(message.lastEventId) : NaN;
        if (Number.isFinite(id)) {
          if (id <= lastId) return; // a fresh stream replays what was already delivered
          lastId = id;
        }
        let data: unknown;
        try {
          data = JSON.parse(String(message.data));
        } catch {
          return;
        }
        const ended = kind === 'end';
        if (ended) stop();
        onEvent({ kind, data } as E, Number.isFinite(id) ? id : null);
        if (ended) onConnection?.('ended');
      });
    }
  }

  onConnection?.('connecting');
  connect();
  return { close: stop };
}
