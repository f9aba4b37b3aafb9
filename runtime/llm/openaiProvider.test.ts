import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { startFakeOpenAi, type FakeHandler, type FakeOpenAi } from '../../test/support/fakeOpenAiServer.js';
import { ApxmError } from '../errors.js';
import { LlmClient, type LlmCallObserver, type LlmClientOptions } from './llmClient.js';
import { OpenAiProvider } from './openaiProvider.js';
import type { LlmMessage, LlmRequest } from './types.js';

const KEY = 'sk-test-SECRET-0123456789';
const SMALL_RETRY = { initialDelayMs: 5, maxDelayMs: 200, jitter: 0 };
const MESSAGES: LlmMessage[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Name a colour.' },
];

function client(url: string, options: LlmClientOptions = {}, stream?: boolean): LlmClient {
  return new LlmClient(new OpenAiProvider({ baseUrl: url, apiKey: KEY, model: 'test-model', stream }), {
    ...options,
    retry: { ...SMALL_RETRY, ...options.retry },
  });
}

const request = (extra: Partial<LlmRequest> = {}): LlmRequest => ({ phase: 'ASK', messages: MESSAGES, ...extra });

/** The rejection of `p` as an ApxmError (fails the test if `p` resolves or rejects with something else). */
async function failure(p: Promise<unknown>): Promise<ApxmError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ApxmError, `expected an ApxmError, got ${inspect(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

function recorder() {
  const retries: { attempt: number; delayMs: number; code: string }[] = [];
  const attempts: number[] = [];
  const observer: LlmCallObserver = {
    onRequest: (i) => attempts.push(i.attempt),
    onRetry: (i) => retries.push({ attempt: i.attempt, delayMs: i.delayMs, code: i.error.code }),
  };
  return { retries, attempts, observer };
}

function assertNoSecret(error: ApxmError): void {
  assert.ok(!error.message.includes(KEY), `the key leaked into the message: ${error.message}`);
  assert.ok(!JSON.stringify(error).includes(KEY), 'the key leaked into the serialized error');
  assert.ok(!inspect(error, { depth: 8 }).includes(KEY), 'the key leaked into the inspected error (cause chain)');
}

describe('OpenAiProvider through LlmClient (fake server)', () => {
  let server: FakeOpenAi;
  let handler: FakeHandler | undefined;

  before(async () => {
    server = await startFakeOpenAi((req, i) => (handler ? handler(req, i) : { reply: 'fake reply' }));
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    handler = undefined;
    server.requests.length = 0;
  });

  it('sends the request on the wire and maps the reply, model and usage', async () => {
    server.script({ reply: '{"colour": "teal"}', model: 'test-model-2024', usage: { prompt_tokens: 17, completion_tokens: 6 } });
    const llm = client(server.url);
    const r = await llm.call(request({ temperature: 0.3, maxTokens: 50, json: true }), { latency: 'Low' });
    assert.equal(r.content, '{"colour": "teal"}');
    assert.equal(r.model, 'test-model-2024');
    assert.deepEqual(r.usage, { inputTokens: 17, outputTokens: 6, totalTokens: 23 });
    assert.equal(r.finishReason, 'stop');
    assert.equal(r.attempts, 1);
    assert.equal(r.simulated, undefined);

    assert.equal(server.requests.length, 1);
    const sent = server.requests[0];
    assert.equal(sent.method, 'POST');
    assert.equal(sent.path, '/v1/chat/completions');
    assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
    assert.equal(sent.body.model, 'test-model');
    assert.deepEqual(sent.body.messages, MESSAGES);
    assert.equal(sent.body.temperature, 0.3);
    assert.equal(sent.body.max_tokens, 50);
    assert.deepEqual(sent.body.response_format, { type: 'json_object' });
    assert.notEqual(sent.body.stream, true);
    assert.equal(sent.body.reasoning_effort, undefined);
  });

  it('omits unset options and honours a per-request model and the reasoning budget', async () => {
    const llm = client(server.url);
    const r = await llm.call(request({ model: 'o3-mini', reasoningBudget: 4000 }), { latency: 'Low' });
    assert.equal(r.content, 'fake reply');
    assert.equal(r.model, 'o3-mini', 'the fake server echoes the requested model');
    const body = server.requests[0].body;
    assert.equal(body.model, 'o3-mini');
    assert.equal(body.reasoning_effort, 'medium');
    for (const k of ['temperature', 'max_tokens', 'response_format']) assert.ok(!(k in body), `${k} should not be sent`);
  });

  it('streams: deltas arrive in order, the content is assembled and usage comes from the final chunk', async () => {
    server.script({
      reply: 'Deep teal, like the sea.',
      chunks: ['Deep ', 'teal, ', 'like ', 'the sea.'],
      usage: { prompt_tokens: 9, completion_tokens: 7 },
    });
    const llm = client(server.url);
    const deltas: string[] = [];
    const r = await llm.call(request({ onDelta: (t) => deltas.push(t) }), { latency: 'Low' });
    assert.deepEqual(deltas, ['Deep ', 'teal, ', 'like ', 'the sea.']);
    assert.equal(r.content, 'Deep teal, like the sea.');
    assert.deepEqual(r.usage, { inputTokens: 9, outputTokens: 7, totalTokens: 16 });
    assert.equal(r.finishReason, 'stop');
    const body = server.requests[0].body;
    assert.equal(body.stream, true);
    assert.deepEqual(body.stream_options, { include_usage: true });
  });

  it('does not stream when the provider is configured with stream: false', async () => {
    server.script({ reply: 'one two three' });
    const llm = client(server.url, {}, false);
    const deltas: string[] = [];
    const r = await llm.call(request({ onDelta: (t) => deltas.push(t) }), { latency: 'Low' });
    assert.equal(r.content, 'one two three');
    assert.deepEqual(deltas, []);
    assert.notEqual(server.requests[0].body.stream, true);
  });

  it("retries a 429 after the server's retry-after-ms and succeeds", async () => {
    server.script({ status: 429, retryAfterMs: 50, message: 'slow down' }, { reply: 'after the wait' });
    const llm = client(server.url);
    const rec = recorder();
    const r = await llm.call(request(), { latency: 'Low', observer: rec.observer });
    assert.equal(r.content, 'after the wait');
    assert.equal(r.attempts, 2);
    assert.equal(server.requests.length, 2);
    assert.deepEqual(rec.attempts, [1, 2]);
    assert.equal(rec.retries.length, 1);
    assert.equal(rec.retries[0].code, 'E_LLM_RATE_LIMITED');
    assert.ok(rec.retries[0].delayMs >= 50, `delay ${rec.retries[0].delayMs} should honour retry-after-ms 50`);
    assert.ok(server.requests[1].at - server.requests[0].at >= 45, 'the retry waited for the server-suggested delay');
  });

  it('honours a Retry-After in seconds (fractional), capped by maxDelayMs', async () => {
    server.script({ status: 429, retryAfter: 0.08 }, { reply: 'ok' }, { status: 429, retryAfter: 30 }, { reply: 'ok again' });
    const llm = client(server.url);
    const rec = recorder();
    assert.equal((await llm.call(request(), { latency: 'Low', observer: rec.observer })).content, 'ok');
    assert.equal(rec.retries[0].delayMs, 80);
    assert.equal((await llm.call(request(), { latency: 'Low', observer: rec.observer })).content, 'ok again');
    assert.equal(rec.retries[1].delayMs, 200, 'a 30 s Retry-After is capped at maxDelayMs');
  });

  it('retries 500s with exponential backoff and succeeds on the third attempt', async () => {
    server.script({ status: 500, message: 'internal error' }, { status: 500, message: 'internal error' }, { reply: 'third time lucky' });
    const llm = client(server.url);
    const rec = recorder();
    const r = await llm.call(request(), { latency: 'Low', observer: rec.observer });
    assert.equal(r.content, 'third time lucky');
    assert.equal(r.attempts, 3);
    assert.equal(server.requests.length, 3);
    assert.deepEqual(
      rec.retries.map((x) => [x.attempt, x.delayMs, x.code]),
      [
        [1, 5, 'E_LLM_HTTP'],
        [2, 10, 'E_LLM_HTTP'],
      ],
    );
  });

  it('gives up after maxRetries + 1 attempts when the server keeps failing', async () => {
    handler = () => ({ status: 500, message: 'the model is overloaded' });
    const llm = client(server.url, { retry: { maxRetries: 2 } });
    const rec = recorder();
    const e = await failure(llm.call(request(), { latency: 'Low', observer: rec.observer }));
    assert.equal(e.code, 'E_LLM_HTTP');
    assert.match(e.message, /gave up after 3 attempts/);
    assert.match(e.message, /500/);
    assert.match(e.message, /the model is overloaded/);
    assert.equal(e.details?.status, 500);
    assert.equal(server.requests.length, 3);
    assert.equal(rec.retries.length, 2);
  });

  it('fails a 401 with E_LLM_AUTH at once, without leaking the key', async () => {
    handler = () => ({
      status: 401,
      message: `Incorrect API key provided: ${KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    });
    const llm = client(server.url);
    const rec = recorder();
    const e = await failure(llm.call(request(), { latency: 'Low', observer: rec.observer }));
    assert.equal(e.code, 'E_LLM_AUTH');
    assert.equal(e.retryable, false);
    assert.match(e.message, /401/);
    assert.match(e.message, /Incorrect API key provided: \*\*\*/);
    assert.equal(server.requests.length, 1);
    assert.equal(rec.retries.length, 0);
    assert.equal(server.requests[0].headers.authorization, `Bearer ${KEY}`, 'the key did reach the server');
    assertNoSecret(e);
  });

  it('does not retry a 400', async () => {
    handler = () => ({ status: 400, message: "Invalid value for 'temperature'" });
    const llm = client(server.url);
    const e = await failure(llm.call(request({ temperature: 1.5 }), { latency: 'Low' }));
    assert.equal(e.code, 'E_LLM_HTTP');
    assert.equal(e.retryable, false);
    assert.match(e.message, /400/);
    assert.match(e.message, /Invalid value for 'temperature'/);
    assert.doesNotMatch(e.message, /gave up/);
    assert.equal(server.requests.length, 1);
  });

  it('times out a hanging server per latency class and retries once before giving up', async () => {
    handler = () => ({ hang: true });
    const llm = client(server.url, { retry: { maxRetries: 1 }, timeouts: { Low: 100 } });
    const rec = recorder();
    const e = await failure(llm.call(request(), { latency: 'Low', observer: rec.observer }));
    assert.equal(e.code, 'E_LLM_TIMEOUT');
    assert.match(e.message, /100 ms/);
    assert.match(e.message, /gave up after 2 attempts/);
    assert.equal(server.requests.length, 2);
    assert.deepEqual(
      rec.retries.map((r) => r.code),
      ['E_LLM_TIMEOUT'],
    );
  });

  it('returns a delayed reply that arrives within the timeout', async () => {
    server.script({ delayMs: 30, reply: 'late but fine' });
    const llm = client(server.url, { timeouts: { Low: 5000 } });
    const r = await llm.call(request(), { latency: 'Low' });
    assert.equal(r.content, 'late but fine');
    assert.equal(r.attempts, 1);
  });

  it('survives a client that gives up on a delayed reply', async () => {
    server.script({ delayMs: 150, reply: 'too late' }, { reply: 'second' });
    const llm = client(server.url, { retry: { maxRetries: 1 }, timeouts: { Low: 50 } });
    const r = await llm.call(request(), { latency: 'Low' });
    assert.equal(r.content, 'second');
    assert.equal(r.attempts, 2);
    await new Promise((res) => setTimeout(res, 150)); // the first (abandoned) reply is written to a closed socket
    assert.equal((await llm.call(request(), { latency: 'Low' })).content, 'fake reply', 'the server still answers');
  });

  it('cancels an in-flight request when the caller aborts, without retrying', async () => {
    handler = () => ({ hang: true });
    const llm = client(server.url, { timeouts: { Low: 30_000 } });
    const ac = new AbortController();
    const rec = recorder();
    const pending = failure(llm.call(request({ signal: ac.signal }), { latency: 'Low', observer: rec.observer }));
    await server.waitForRequests(1);
    ac.abort();
    const e = await pending;
    assert.equal(e.code, 'E_CANCELLED');
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(server.requests.length, 1);
    assert.equal(rec.retries.length, 0);
  });

  it('cancels during the backoff sleep', async () => {
    handler = () => ({ status: 503, message: 'unavailable' });
    const llm = client(server.url, { retry: { initialDelayMs: 20_000, maxDelayMs: 20_000 } });
    const ac = new AbortController();
    const e = await failure(llm.call(request({ signal: ac.signal }), { latency: 'Low', observer: { onRetry: () => ac.abort() } }));
    assert.equal(e.code, 'E_CANCELLED');
    assert.equal(server.requests.length, 1);
  });

  it('does not send anything when the signal is already aborted', async () => {
    const llm = client(server.url);
    const e = await failure(llm.call(request({ signal: AbortSignal.abort() }), { latency: 'Low' }));
    assert.equal(e.code, 'E_CANCELLED');
    assert.equal(server.requests.length, 0);
  });

  it('reports a 200 whose body is not JSON as E_LLM_BAD_REPLY (retried, as a truncated body may be transient)', async () => {
    server.script({ malformedJson: true }, { malformedJson: true });
    const llm = client(server.url, { retry: { maxRetries: 1 } });
    const rec = recorder();
    const e = await failure(llm.call(request(), { latency: 'Low', observer: rec.observer }));
    assert.equal(e.code, 'E_LLM_BAD_REPLY');
    assert.match(e.message, /answered 200 with a body that is not JSON: application\/json, \d+ bytes: "\{\\"id\\": \\"chatcmpl-broken/);
    assert.match(e.message, /gave up after 2 attempts/);
    assert.equal(server.requests.length, 2);
    assertNoSecret(e);
  });

  it('recovers when a malformed body is followed by a good one', async () => {
    server.script({ malformedJson: true }, { reply: 'clean' });
    const r = await client(server.url).call(request(), { latency: 'Low' });
    assert.equal(r.content, 'clean');
    assert.equal(r.attempts, 2);
  });

  it('rejects a call at once when the token budget is spent', async () => {
    const llm = client(server.url);
    const e = await failure(llm.call(request(), { latency: 'Low', budget: { limit: 10, used: () => 10 } }));
    assert.equal(e.code, 'E_BUDGET_EXCEEDED');
    assert.match(e.message, /10 of 10/);
    assert.equal(server.requests.length, 0);
    const ok = await llm.call(request(), { latency: 'Low', budget: { limit: 10, used: () => 9 } });
    assert.equal(ok.content, 'fake reply', 'a call below the limit goes through');
  });
});

describe('OpenAiProvider without a server', () => {
  it('fails with E_LLM_NETWORK when the connection is refused, after retrying', async () => {
    const server = await startFakeOpenAi();
    const url = server.url;
    await server.close();
    const llm = client(url, { retry: { maxRetries: 1 } });
    const rec = recorder();
    const e = await failure(llm.call(request(), { latency: 'Low', observer: rec.observer }));
    assert.equal(e.code, 'E_LLM_NETWORK');
    assert.match(e.message, /ECONNREFUSED|cannot reach/);
    assert.match(e.message, /gave up after 2 attempts/);
    assert.deepEqual(rec.attempts, [1, 2]);
    assertNoSecret(e);
  });
});

describe('OpenAiProvider: no way a reply can end becomes an answer unless it is complete (fake server)', () => {
  let server: FakeOpenAi;

  before(async () => {
    server = await startFakeOpenAi();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => server.reset());

  const streamed = (extra: Partial<LlmRequest> = {}, deltas: string[] = []) => request({ onDelta: (t) => deltas.push(t), ...extra });
  /** The same request both ways: streamed (with a delta listener) and as one JSON reply. */
  const MODES = [
    { mode: 'streamed', req: () => streamed() },
    { mode: 'not streamed', req: () => request() },
  ] as const;
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices,
    ...extra,
  });
  const delta = (content: string, finish: string | null = null) => chunk([{ index: 0, delta: { content }, finish_reason: finish }]);

  it('a refusal with no content is E_LLM_BAD_REPLY quoting it, not retried, streamed or not', { timeout: 20_000 }, async () => {
    const completion = {
      id: 'r1',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' }, finish_reason: 'stop' }],
    };
    server.script(
      { raw: JSON.stringify(completion), contentType: 'application/json' },
      {
        events: [
          chunk([{ index: 0, delta: { role: 'assistant', refusal: 'I cannot ' }, finish_reason: null }]),
          chunk([{ index: 0, delta: { refusal: 'help with that.' }, finish_reason: 'stop' }]),
          'data: [DONE]\n\n',
        ],
      },
    );
    for (const req of [request(), streamed()]) {
      const e = await failure(client(server.url).call(req, { latency: 'Low' }));
      assert.equal(e.code, 'E_LLM_BAD_REPLY');
      assert.equal(e.retryable, false);
      assert.match(e.message, /the model refused: I cannot help with that\./);
    }
    assert.equal(server.requests.length, 2, 'a refusal is not asked again');
  });

  for (const { mode, req } of MODES) {
    it(`${mode}: a server that never sends headers fails with E_LLM_TIMEOUT, retried`, { timeout: 20_000 }, async () => {
      server.script({ hang: true }, { hang: true });
      const rec = recorder();
      const e = await failure(
        client(server.url, { retry: { maxRetries: 1 }, timeouts: { Low: 100 } }).call(req(), { latency: 'Low', observer: rec.observer }),
      );
      assert.equal(e.code, 'E_LLM_TIMEOUT');
      assert.match(e.message, /no complete reply from openai within 100 ms .*gave up after 2 attempts/);
      assert.deepEqual(rec.attempts, [1, 2]);
      assert.deepEqual(
        rec.retries.map((r) => r.code),
        ['E_LLM_TIMEOUT'],
      );
    });

    it(
      `${mode}: a reply that stalls after its headers and first bytes fails with E_LLM_TIMEOUT, retried, and then succeeds`,
      { timeout: 20_000 },
      async () => {
        server.script({ reply: 'never finished here', interrupt: { after: 1, then: 'stall' } }, { reply: 'whole reply' });
        const rec = recorder();
        const deltas: string[] = [];
        const r = await client(server.url, { retry: { maxRetries: 1 }, timeouts: { Low: 500 } }).call(
          req().onDelta ? streamed({}, deltas) : req(),
          { latency: 'Low', observer: rec.observer },
        );
        assert.equal(r.content, 'whole reply', 'the partial text of the stalled attempt is never the answer');
        assert.equal(r.attempts, 2);
        assert.deepEqual(
          rec.retries.map((x) => x.code),
          ['E_LLM_TIMEOUT'],
        );
        if (mode === 'streamed')
          assert.deepEqual(deltas, ['never ', 'whole ', 'reply'], 'the first attempt had streamed a piece before it stalled');
      },
    );

    it(`${mode}: a reply whose socket is reset mid-body fails with E_LLM_NETWORK, retried`, { timeout: 20_000 }, async () => {
      server.script(
        { reply: 'cut off by a reset', interrupt: { after: 1, then: 'reset' } },
        { reply: 'cut off by a reset', interrupt: { after: 1, then: 'reset' } },
      );
      const rec = recorder();
      const e = await failure(client(server.url, { retry: { maxRetries: 1 } }).call(req(), { latency: 'Low', observer: rec.observer }));
      assert.equal(e.code, 'E_LLM_NETWORK');
      // the reset may land before the headers are read (cannot reach) or after (the connection failed)
      assert.match(
        e.message,
        /(connection to|cannot reach) the LLM server .*(ECONNRESET|other side closed|terminated).*gave up after 2 attempts/,
      );
      assert.deepEqual(
        rec.retries.map((x) => x.code),
        ['E_LLM_NETWORK'],
      );
    });

    it(`${mode}: the caller's abort mid-body is E_CANCELLED, not retried`, { timeout: 20_000 }, async () => {
      server.script({ reply: 'stalls after one piece', interrupt: { after: 1, then: 'stall' } });
      const ac = new AbortController();
      const rec = recorder();
      const pending = failure(
        client(server.url, { timeouts: { Low: 30_000 } }).call(
          req().onDelta ? streamed({ signal: ac.signal, onDelta: () => ac.abort() }) : request({ signal: ac.signal }),
          { latency: 'Low', observer: rec.observer },
        ),
      );
      await server.waitForRequests(1);
      if (mode === 'not streamed') setTimeout(() => ac.abort(), 50);
      const e = await pending;
      assert.equal(e.code, 'E_CANCELLED');
      assert.equal(server.requests.length, 1);
      assert.equal(rec.retries.length, 0);
    });

    it(
      `${mode}: a 200 HTML page (a proxy's, a web UI's) is E_LLM_BAD_REPLY naming the status, content type and first bytes`,
      { timeout: 20_000 },
      async () => {
        const page = `<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n<body>${'<p>portal</p>'.repeat(40)} ${KEY}</body></html>`;
        server.script({ raw: page }, { raw: page });
        const e = await failure(client(server.url, { retry: { maxRetries: 1 } }).call(req(), { latency: 'Low' }));
        assert.equal(e.code, 'E_LLM_BAD_REPLY');
        assert.match(e.message, /answered 200 with .*text\/html, \d+ bytes: "<!DOCTYPE html> <html><head><title>Sign in<\/title>/);
        assert.match(e.message, /…"/, 'a long page is cut');
        assert.doesNotMatch(e.message, /reading '0'/);
        assert.match(e.hint ?? '', /base URL/);
        assert.equal(server.requests.length, 2, 'retried like any unreadable reply');
        assertNoSecret(e);
      },
    );

    it(
      `${mode}: an HTML error page (502 from a proxy) is E_LLM_HTTP with the status, content type and first bytes, retried`,
      { timeout: 20_000 },
      async () => {
        const page = `<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>${' '.repeat(500)}<hr><center>nginx</center>${'<!-- padding -->'.repeat(20)} ${KEY}</body></html>`;
        server.script({ raw: page, status: 502 }, { raw: page, status: 502 });
        const rec = recorder();
        const e = await failure(client(server.url, { retry: { maxRetries: 1 } }).call(req(), { latency: 'Low', observer: rec.observer }));
        assert.equal(e.code, 'E_LLM_HTTP');
        assert.equal(e.details?.status, 502);
        assert.match(
          e.message,
          /answered 502: text\/html, \d+ bytes: "<html><head><title>502 Bad Gateway<\/title>.*…" \(gave up after 2 attempts\)/,
        );
        assert.deepEqual(
          rec.retries.map((x) => x.code),
          ['E_LLM_HTTP'],
        );
        assertNoSecret(e);
      },
    );

    it(`${mode}: a JSON error body that is not OpenAI's shape is quoted, not "status code (no body)"`, { timeout: 20_000 }, async () => {
      server.script({ raw: '{"detail": "Not Found"}', status: 404, contentType: 'application/json' });
      const e = await failure(client(server.url).call(req(), { latency: 'Low' }));
      assert.equal(e.code, 'E_LLM_HTTP');
      assert.equal(e.retryable, false);
      assert.match(e.message, /answered 404: application\/json, 23 bytes: "\{\\"detail\\": \\"Not Found\\"\}"/);
      server.script({ raw: 'odd proxy status', status: 600, contentType: 'text/plain' });
      const odd = await failure(client(server.url, { retry: { maxRetries: 0 } }).call(req(), { latency: 'Low' }));
      assert.match(odd.message, /answered 600: text\/plain, 16 bytes: "odd proxy status"/);
    });

    it(`${mode}: an empty 200 body is E_LLM_BAD_REPLY, retried`, { timeout: 20_000 }, async () => {
      server.script({ raw: '', contentType: 'application/json' }, { raw: '', contentType: null });
      const e = await failure(client(server.url, { retry: { maxRetries: 1 } }).call(req(), { latency: 'Low' }));
      assert.equal(e.code, 'E_LLM_BAD_REPLY');
      assert.match(e.message, /an empty body \(no content type\)/);
      assert.equal(server.requests.length, 2);
    });

    it(`${mode}: a reply without a finish_reason is E_LLM_BAD_REPLY, not retried`, { timeout: 20_000 }, async () => {
      server.script({ reply: 'looks whole', finishReason: null });
      const e = await failure(client(server.url).call(req(), { latency: 'Low' }));
      assert.equal(e.code, 'E_LLM_BAD_REPLY');
      assert.equal(e.retryable, false);
      assert.match(e.message, /without a finish_reason/);
      assert.equal(server.requests.length, 1);
    });
  }

  it(
    'streamed: a stream the server ends without [DONE] is truncated: E_LLM_NETWORK, retried, never the partial text',
    { timeout: 20_000 },
    async () => {
      server.script({ reply: 'one two three four', interrupt: { after: 2, then: 'close' } }, { reply: 'the whole reply' });
      const deltas: string[] = [];
      const rec = recorder();
      const r = await client(server.url, { retry: { maxRetries: 1 } }).call(streamed({}, deltas), {
        latency: 'Low',
        observer: rec.observer,
      });
      assert.equal(r.content, 'the whole reply');
      assert.equal(r.attempts, 2);
      assert.deepEqual(
        rec.retries.map((x) => x.code),
        ['E_LLM_NETWORK'],
      );
      assert.deepEqual(
        deltas,
        ['', 'one ', 'two ', 'the ', 'whole ', 'reply'].filter(Boolean),
        'the cut attempt streamed its pieces, then the retry streamed again',
      );

      server.script({
        events: [delta('all of it', 'stop'), chunk([], { usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } })],
      });
      const e = await failure(client(server.url, { retry: { maxRetries: 0 } }).call(streamed(), { latency: 'Low' }));
      assert.equal(e.code, 'E_LLM_NETWORK', 'even with a finish_reason, a stream without [DONE] was cut');
      assert.equal(e.retryable, true);
      assert.match(e.message, /ended before \[DONE\] \(2 events, 9 characters\): the reply is incomplete/);
    },
  );

  it(
    'streamed: a stream with no choices is E_LLM_BAD_REPLY, as without streaming; choices-less chunks inside a good stream are fine',
    { timeout: 20_000 },
    async () => {
      server.script({
        events: [chunk([]), chunk([], { usage: { prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 } }), 'data: [DONE]\n\n'],
      });
      const e = await failure(client(server.url).call(streamed(), { latency: 'Low' }));
      assert.equal(e.code, 'E_LLM_BAD_REPLY');
      assert.equal(e.retryable, false);
      assert.match(e.message, /replied with no choices/);

      server.script({
        raw: JSON.stringify({ id: 'x', object: 'chat.completion', model: 'm', choices: [] }),
        contentType: 'application/json',
      });
      const plain = await failure(client(server.url).call(request(), { latency: 'Low' }));
      assert.deepEqual([plain.code, plain.retryable], [e.code, e.retryable], 'the same failure both ways');

      const deltas: string[] = [];
      server.script({
        events: [
          chunk([], { prompt_filter_results: [] }),
          { id: 'c1', object: 'chat.completion.chunk' },
          delta('Deep '),
          chunk([]),
          delta('teal', 'stop'),
          chunk([], { usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 } }),
          'data: [DONE]\n\n',
        ],
      });
      const r = await client(server.url).call(streamed({}, deltas), { latency: 'Low' });
      assert.equal(r.content, 'Deep teal');
      assert.deepEqual(deltas, ['Deep ', 'teal']);
      assert.deepEqual(r.usage, { inputTokens: 4, outputTokens: 2, totalTokens: 6 });
    },
  );

  it(
    'streamed: an error event inside the stream fails the call (classified by its status, retried as a server failure)',
    { timeout: 20_000 },
    async () => {
      server.script(
        {
          events: [
            delta('partial '),
            { error: { message: 'The server had an error while processing your request', type: 'server_error', code: null } },
          ],
        },
        { events: [delta('partial '), 'event: error\ndata: upstream model crashed\n\n'] },
      );
      const rec = recorder();
      const e = await failure(
        client(server.url, { retry: { maxRetries: 1 } }).call(streamed(), { latency: 'Low', observer: rec.observer }),
      );
      assert.equal(e.code, 'E_LLM_HTTP');
      assert.match(e.message, /reported an error in the stream: upstream model crashed \(gave up after 2 attempts\)/);
      assert.deepEqual(
        rec.retries.map((x) => x.code),
        ['E_LLM_HTTP'],
        'retried as a server failure',
      );

      // vLLM's error object carries the HTTP status as `code`; a 200 JSON body may carry one too
      server.script({ events: [{ object: 'error', message: 'max_tokens is too large', type: 'BadRequestError', code: 400 }] });
      const bad = await failure(client(server.url).call(streamed(), { latency: 'Low' }));
      assert.equal(bad.code, 'E_LLM_HTTP');
      assert.equal(bad.retryable, false);
      assert.equal(bad.details?.status, 400);
      server.script({ raw: JSON.stringify({ error: { message: 'Rate limit reached', code: 429 } }), contentType: 'application/json' });
      const limited = await failure(client(server.url, { retry: { maxRetries: 0 } }).call(request(), { latency: 'Low' }));
      assert.equal(limited.code, 'E_LLM_RATE_LIMITED');
    },
  );

  it('streamed: an event that is not JSON is E_LLM_BAD_REPLY with its first bytes, retried', { timeout: 20_000 }, async () => {
    server.script({ events: [delta('ok '), 'data: {"choices": [{"delta": \n\n'] }, { reply: 'fine' });
    const rec = recorder();
    const r = await client(server.url, { retry: { maxRetries: 1 } }).call(streamed(), { latency: 'Low', observer: rec.observer });
    assert.equal(r.content, 'fine');
    assert.deepEqual(
      rec.retries.map((x) => x.code),
      ['E_LLM_BAD_REPLY'],
    );
  });

  it(
    'not streamed: content given as text parts is joined; content that is not text is E_LLM_BAD_REPLY, never ""',
    { timeout: 20_000 },
    async () => {
      const completion = (content: unknown) => ({
        raw: JSON.stringify({
          id: 'x',
          object: 'chat.completion',
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        }),
        contentType: 'application/json',
      });
      server.script(
        completion([
          { type: 'text', text: 'Deep ' },
          { type: 'text', text: 'teal' },
        ]),
        completion({ colour: 'teal' }),
      );
      assert.equal((await client(server.url).call(request(), { latency: 'Low' })).content, 'Deep teal');
      const e = await failure(client(server.url).call(request(), { latency: 'Low' }));
      assert.equal(e.code, 'E_LLM_BAD_REPLY');
      assert.match(e.message, /message content that is not text: .*colour/);
    },
  );

  it(
    'streamed: a server that ignores stream: true and sends one JSON completion is answered, as one delta',
    { timeout: 20_000 },
    async () => {
      server.script({
        raw: JSON.stringify({
          id: 'x',
          object: 'chat.completion',
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: 'all at once' }, finish_reason: 'stop' }],
        }),
        contentType: 'application/json',
      });
      const deltas: string[] = [];
      const r = await client(server.url).call(streamed({}, deltas), { latency: 'Low' });
      assert.equal(r.content, 'all at once');
      assert.deepEqual(deltas, ['all at once']);
    },
  );

  it('streamed: CRLF line ends, comments and a [DONE] ended by one newline are read', { timeout: 20_000 }, async () => {
    server.script({ events: [': keep-alive\r\n\r\n', `data: ${JSON.stringify(delta('a', 'stop'))}\r\n\r\n`, 'data: [DONE]\n'] });
    const r = await client(server.url).call(streamed(), { latency: 'Low' });
    assert.equal(r.content, 'a');
  });

  it('retries a streamed 429 after its Retry-After, like a non-streamed one', { timeout: 20_000 }, async () => {
    for (const req of [streamed(), request()]) {
      server.requests.length = 0;
      server.script({ status: 429, retryAfterMs: 60 }, { reply: 'after the wait' });
      const rec = recorder();
      const r = await client(server.url).call(req, { latency: 'Low', observer: rec.observer });
      assert.equal(r.content, 'after the wait');
      assert.deepEqual(
        rec.retries.map((x) => [x.code, x.delayMs]),
        [['E_LLM_RATE_LIMITED', 60]],
      );
      assert.ok(server.requests[1].at - server.requests[0].at >= 55);
    }
  });
});
