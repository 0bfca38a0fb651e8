/**
 * A Server-Sent Events reader for streams that EventSource cannot open: the answers of POST
 * requests (`POST /api/llm/complete` with `stream: true`, `POST /api/assistant/fix`).
 *
 * It follows the event-stream format of the HTML standard: lines end with CRLF, LF or CR (a
 * CR at the end of one chunk and an LF at the start of the next are one line end); `event:`,
 * `data:` (several join with "\n") and `id:` fields; a line starting with `:` is a comment; a
 * blank line dispatches the event; an event with no `data:` line is not dispatched. Chunks
 * may be cut anywhere, inside a field name or a multi-byte character included.
 */

export interface SseMessage {
  /** The `event:` field, `message` when there was none. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
  /** The last `id:` seen on this stream ('' before any). */
  id: string;
}

export interface SseParser {
  /** Feeds decoded text; every event completed by it is handed on at once, in order. */
  push(text: string): void;
  /** The stream ended: an event without its blank line is dropped, as the standard says. */
  end(): void;
}

export function createSseParser(onMessage: (message: SseMessage) => void): SseParser {
  let buffer = '';
  // The previous chunk ended with CR: an LF opening this one belongs to that line end.
  let afterCr = false;
  let first = true;
  let event = '';
  let data: string[] = [];
  let lastId = '';

  const dispatch = () => {
    if (data.length > 0) onMessage({ event: event || 'message', data: data.join('\n'), id: lastId });
    event = '';
    data = [];
  };

  const line = (text: string) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        event = value;
        break;
      case 'data':
        data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) lastId = value;
        break;
      // `retry:` and unknown fields mean nothing to a reader that does not reconnect.
    }
  };

  return {
    push(text) {
      if (text.length === 0) return;
      if (first) {
        first = false;
        if (text.startsWith('\uFEFF')) text = text.slice(1);
      }
      if (afterCr && text.startsWith('\n')) text = text.slice(1);
      afterCr = false;
      buffer += text;
      let start = 0;
      for (;;) {
        const cr = buffer.indexOf('\r', start);
        const lf = buffer.indexOf('\n', start);
        const end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
        if (end < 0) break;
        line(buffer.slice(start, end));
        if (buffer[end] === '\r') {
          if (end + 1 === buffer.length) {
            afterCr = true;
            start = end + 1;
            break;
          }
          start = buffer[end + 1] === '\n' ? end + 2 : end + 1;
        } else {
          start = end + 1;
        }
      }
      buffer = buffer.slice(start);
    },
    end() {
      buffer = '';
      event = '';
      data = [];
    },
  };
}

/**
 * Reads a response body to its end through the parser. Bytes are decoded as a stream, so a
 * character cut between two chunks arrives whole. Resolves when the server closes the stream;
 * rejects (with an `AbortError`) when `signal` aborts the request.
 */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  onMessage: (message: SseMessage) => void,
): Promise<void> {
  const parser = createSseParser(onMessage);
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
    parser.end();
  } finally {
    reader.releaseLock();
  }
}
