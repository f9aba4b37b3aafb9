/**
 * Server-sent events from an HTTP body, read by hand rather than by the openai SDK's Stream: the
 * SDK ends a stream silently when it is aborted and hides whether `[DONE]` came, so a cut reply
 * looked complete. Errors of the body (abort, socket reset) propagate to the caller unchanged.
 */

export interface SseEvent {
  /** The `event:` field, when the server set one (e.g. "error"). */
  event?: string;
  data: string;
}

/** What a body held, for describing one that had no events: its size and first characters. */
export interface SseSeen {
  bytes: number;
  head: string;
}

const HEAD_CHARS = 512;

/** Yields each complete event. A last line the body cut before its newline is dropped: it is a fragment. */
export async function* sseEvents(body: ReadableStream<Uint8Array>, seen: SseSeen = { bytes: 0, head: '' }): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event: string | undefined;
  let data: string[] = [];
  let finished = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      if (value) seen.bytes += value.byteLength;
      if (seen.head.length < HEAD_CHARS) seen.head += text.slice(0, HEAD_CHARS - seen.head.length);
      buffer += text;
      let start = 0;
      for (;;) {
        const nl = nextLineBreak(buffer, start);
        if (nl < 0) break;
        const line = buffer.slice(start, nl);
        // a \r at the end of the buffer may be the first half of \r\n: wait for the next read
        if (buffer[nl] === '\r' && nl + 1 === buffer.length && !done) break;
        start = nl + (buffer[nl] === '\r' && buffer[nl + 1] === '\n' ? 2 : 1);
        if (line === '') {
          if (data.length) yield { event, data: data.join('\n') };
          event = undefined;
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue; // a comment (keep-alive)
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
      }
      buffer = buffer.slice(start);
      if (done) break;
    }
    // servers that end the body right after `data: [DONE]\n` (one newline) still delivered a whole line
    if (data.length) yield { event, data: data.join('\n') };
    finished = true;
  } finally {
    // stopped early (after [DONE], or on an error in the caller): free the connection
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function nextLineBreak(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return i;
  }
  return -1;
}
