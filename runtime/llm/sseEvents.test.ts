import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sseEvents, type SseEvent } from './sseEvents.js';

/** A body delivered in exactly these pieces (strings as UTF-8, or raw bytes). */
function body(...pieces: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const p of pieces) c.enqueue(typeof p === 'string' ? enc.encode(p) : p);
      c.close();
    },
  });
}

async function events(stream: ReadableStream<Uint8Array>): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const e of sseEvents(stream)) out.push(e);
  return out;
}

describe('server-sent events', () => {
  it('reads events split anywhere: mid-line, between \\r and \\n, inside a UTF-8 character', async () => {
    const teal = new TextEncoder().encode('data: "bleu sarcelle é"\n\n');
    const cut = teal.indexOf(0xc3) + 1; // between the two bytes of "é"
    const got = await events(
      body('data: {"a"', ': 1}\r', '\n\r\n', 'event: error\ndata: line one\ndata:line two\n\n', teal.slice(0, cut), teal.slice(cut)),
    );
    assert.deepEqual(got, [
      { event: undefined, data: '{"a": 1}' },
      { event: 'error', data: 'line one\nline two' },
      { event: undefined, data: '"bleu sarcelle é"' },
    ]);
  });

  it('skips comments and fields it does not know, and events without data', async () => {
    assert.deepEqual(await events(body(': keep-alive\n\nid: 7\nretry: 100\n\nerror: {"llama.cpp": true}\n\ndata: x\n\n')), [
      { event: undefined, data: 'x' },
    ]);
  });

  it('keeps a last event ended by one newline, drops a last line the body cut', async () => {
    assert.deepEqual(await events(body('data: a\n\ndata: [DONE]\n')), [
      { event: undefined, data: 'a' },
      { event: undefined, data: '[DONE]' },
    ]);
    assert.deepEqual(await events(body('data: a\n\ndata: {"choices": [{"del')), [{ event: undefined, data: 'a' }]);
  });

  it('passes a read error on, and cancels the body when the reader stops early', async () => {
    const failing = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('data: a\n\n'));
        c.error(new TypeError('terminated'));
      },
    });
    await assert.rejects(events(failing), /terminated/);
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new TextEncoder().encode('data: more\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const e of sseEvents(endless)) if (e.data === 'more') break;
    assert.equal(cancelled, true);
  });
});
