import { describe, expect, it } from 'vitest';
import { createSseParser, readEventStream, type SseMessage } from './sse';

/** Every message of `chunks` fed in order. */
function parse(chunks: string[]): SseMessage[] {
  const out: SseMessage[] = [];
  const parser = createSseParser((m) => out.push(m));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return out;
}

/** A stream with everything the format allows: CRLF, CR, comments, multi-line data, ids. */
const STREAM =
  '\uFEFF: a comment first\r\n' +
  'event: token\r\n' +
  'data: {"text":"Hel"}\r\n' +
  'id: 1\r\n' +
  '\r\n' +
  'event: token\n' +
  'data:{"text":"lo ✓ 😀"}\n' +
  'id: 2\n' +
  '\n' +
  ':keep-alive\r' +
  'event: done\r' +
  'data: line one\r' +
  'data: line two\r' +
  'data\r' +
  'retry: 3000\r' +
  '\r' +
  'data: no event name\n' +
  '\n';

const EXPECTED: SseMessage[] = [
  { event: 'token', data: '{"text":"Hel"}', id: '1' },
  { event: 'token', data: '{"text":"lo ✓ 😀"}', id: '2' },
  { event: 'done', data: 'line one\nline two\n', id: '2' },
  { event: 'message', data: 'no event name', id: '2' },
];

describe('SSE parser', () => {
  it('reads fields, comments, multi-line data and every kind of line end', () => {
    expect(parse([STREAM])).toEqual(EXPECTED);
  });

  it('gives the same events wherever one cut falls', () => {
    for (let at = 0; at <= STREAM.length; at++) {
      expect(parse([STREAM.slice(0, at), STREAM.slice(at)]), `cut at ${at}`).toEqual(EXPECTED);
    }
  });

  it('gives the same events wherever two cuts fall', () => {
    for (let a = 0; a <= STREAM.length; a += 3) {
      for (let b = a; b <= STREAM.length; b++) {
        const chunks = [STREAM.slice(0, a), STREAM.slice(a, b), STREAM.slice(b)];
        expect(parse(chunks), `cuts at ${a} and ${b}`).toEqual(EXPECTED);
      }
    }
  });

  it('gives the same events one character at a time', () => {
    expect(parse([...STREAM])).toEqual(EXPECTED);
  });

  it('hands each event on as soon as its blank line arrives', () => {
    const out: string[] = [];
    const parser = createSseParser((m) => out.push(m.data));
    parser.push('event: token\ndata: a\n');
    expect(out).toEqual([]);
    parser.push('\nevent: token\ndata: b\n\ndata: c');
    expect(out).toEqual(['a', 'b']);
  });

  it('drops an event the stream ended inside of, and one without data', () => {
    expect(parse(['event: done\n\nevent: token\ndata: cut off'])).toEqual([]);
  });

  it('keeps a CR at the end of a chunk from making an empty line of the next LF', () => {
    // "data: a\r" + "\n" is one line end: without care it would also be a blank line and
    // dispatch too early, before "data: b".
    expect(parse(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([{ event: 'message', data: 'a\nb', id: '' }]);
  });

  it('ignores an id containing NUL and keeps a field value without a space after the colon', () => {
    expect(parse(['id: 7\n', 'id: 8\0\n', 'event:x\ndata:1\n\n'])).toEqual([{ event: 'x', data: '1', id: '7' }]);
  });
});

describe('readEventStream', () => {
  /** A body delivering `bytes` in pieces cut at the given offsets. */
  function body(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
    const bounds = [0, ...cuts, bytes.length];
    return new ReadableStream({
      start(controller) {
        for (let i = 1; i < bounds.length; i++) controller.enqueue(bytes.slice(bounds[i - 1], bounds[i]));
        controller.close();
      },
    });
  }

  it('decodes characters cut between byte chunks, wherever the cut falls', async () => {
    const bytes = new TextEncoder().encode(STREAM);
    for (let at = 0; at <= bytes.length; at++) {
      const out: SseMessage[] = [];
      await readEventStream(body(bytes, [at]), (m) => out.push(m));
      expect(out, `cut at byte ${at}`).toEqual(EXPECTED);
    }
  });

  it('delivers events before the stream ends', async () => {
    const encoder = new TextEncoder();
    let push: (text: string) => void = () => {};
    let close: () => void = () => {};
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (text) => controller.enqueue(encoder.encode(text));
        close = () => controller.close();
      },
    });
    const out: string[] = [];
    const reading = readEventStream(stream, (m) => out.push(m.data));
    push('data: first\n\n');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(out).toEqual(['first']);
    push('data: second\n\n');
    close();
    await reading;
    expect(out).toEqual(['first', 'second']);
  });
});
