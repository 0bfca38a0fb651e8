import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { followEvents, type Connection, type EventSourceLike, type ExecutionEvent } from './events';

/** An EventSource the test drives: it says what the browser's would. */
class FakeSource implements EventSourceLike {
  readyState = 0;
  closed = false;
  private listeners = new Map<string, ((event: MessageEvent) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (event: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  fire(type: string, init: MessageEventInit = {}) {
    for (const listener of this.listeners.get(type) ?? []) listener(new MessageEvent(type, init));
  }
  open() {
    this.readyState = 1;
    this.fire('open');
  }
  send(kind: string, id: number, data: unknown) {
    this.fire(kind, { data: JSON.stringify(data), lastEventId: String(id) });
  }
  /** The connection dropped; the browser reconnects by itself (sending Last-Event-ID). */
  drop() {
    this.readyState = 0;
    this.fire('error');
  }
  /** The browser gave up (an error answer): it will not reconnect. */
  refuse() {
    this.readyState = 2;
    this.fire('error');
  }
}

function follow(retryDelaysMs = [100, 200]) {
  const sources: FakeSource[] = [];
  const events: [ExecutionEvent, number | null][] = [];
  const connections: Connection[] = [];
  const follower = followEvents<ExecutionEvent>({
    url: '/api/executions/7/events',
    kinds: ['status', 'stdout', 'stderr', 'end'],
    onEvent: (event, id) => events.push([event, id]),
    onConnection: (c) => connections.push(c),
    retryDelaysMs,
    open: (url) => {
      const source = new FakeSource(url);
      sources.push(source);
      return source;
    },
  });
  const latest = () => sources[sources.length - 1]!;
  return { follower, sources, latest, events, connections };
}

const execution = { id: 7, status: 'succeeded' } as unknown;

describe('followEvents', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('delivers each event parsed, in order, and closes the stream at end', () => {
    const { latest, events, connections } = follow();
    latest().open();
    latest().send('status', 1, { status: 'running' });
    latest().send('stdout', 2, { text: 'first\n' });
    latest().send('end', 3, { execution });
    expect(events).toEqual([
      [{ kind: 'status', data: { status: 'running' } }, 1],
      [{ kind: 'stdout', data: { text: 'first\n' } }, 2],
      [{ kind: 'end', data: { execution } }, 3],
    ]);
    expect(latest().closed).toBe(true);
    expect(connections).toEqual(['connecting', 'open', 'ended']);
  });

  it('a dropped connection is left to the browser, which resumes after Last-Event-ID', () => {
    const { sources, latest, events, connections } = follow();
    latest().open();
    latest().send('stdout', 1, { text: 'a' });
    latest().drop();
    expect(connections.at(-1)).toBe('reconnecting');
    latest().open();
    latest().send('stdout', 2, { text: 'b' });
    expect(sources).toHaveLength(1);
    expect(events.map(([e]) => e.data)).toEqual([{ text: 'a' }, { text: 'b' }]);
    expect(connections.at(-1)).toBe('open');
  });

  it('a stream the browser gave up on is opened again, and its replay is not delivered twice', () => {
    const { sources, latest, events } = follow();
    latest().open();
    latest().send('stdout', 11, { text: 'one\n' });
    latest().send('stdout', 12, { text: 'two\n' });
    latest().refuse();
    expect(sources).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(sources).toHaveLength(2);
    expect(sources[0]!.closed).toBe(true);
    // A fresh stream replays from the start.
    latest().open();
    latest().send('stdout', 11, { text: 'one\n' });
    latest().send('stdout', 12, { text: 'two\n' });
    latest().send('stdout', 13, { text: 'three\n' });
    expect(events.map(([e]) => e.data)).toEqual([{ text: 'one\n' }, { text: 'two\n' }, { text: 'three\n' }]);
  });

  it('gives up after the last retry and says so', () => {
    const { sources, latest, connections } = follow([100]);
    latest().refuse();
    vi.advanceTimersByTime(100);
    latest().refuse();
    vi.advanceTimersByTime(10_000);
    expect(sources).toHaveLength(2);
    expect(connections.at(-1)).toBe('failed');
  });

  it('a successful reconnect resets the retries', () => {
    const { sources, latest, connections } = follow([100]);
    latest().refuse();
    vi.advanceTimersByTime(100);
    latest().open();
    latest().refuse();
    vi.advanceTimersByTime(100);
    expect(sources).toHaveLength(3);
    expect(connections).not.toContain('failed');
  });

  it('delivers nothing once closed, and opens no new stream', () => {
    const { follower, sources, latest, events } = follow();
    latest().open();
    follower.close();
    expect(latest().closed).toBe(true);
    latest().send('stdout', 1, { text: 'late' });
    latest().refuse();
    vi.advanceTimersByTime(10_000);
    expect(events).toEqual([]);
    expect(sources).toHaveLength(1);
  });

  it('skips an event whose data is not JSON', () => {
    const { latest, events } = follow();
    latest().open();
    latest().send('stdout', 1, { text: 'ok' });
    latest().fire('stdout', { data: '{not json', lastEventId: '2' });
    latest().send('stdout', 3, { text: 'still here' });
    expect(events.map(([e]) => e.data)).toEqual([{ text: 'ok' }, { text: 'still here' }]);
  });
});
