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
  return new LlmClient(new OpenAiProvider({ baseUrl: url, apiKey: KEY, model: 'test-model', stream }), { ...options, retry: { ...SMALL_RETRY, ...options.retry } });
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
    server.script({ reply: 'Deep teal, like the sea.', chunks: ['Deep ', 'teal, ', 'like ', 'the sea.'], usage: { prompt_tokens: 9, completion_tokens: 7 } });
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

  it('retries a 429 after the server\'s retry-after-ms and succeeds', async () => {
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
    assert.deepEqual(rec.retries.map((x) => [x.attempt, x.delayMs, x.code]), [[1, 5, 'E_LLM_HTTP'], [2, 10, 'E_LLM_HTTP']]);
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
    handler = () => ({ status: 401, message: `Incorrect API key provided: ${KEY}. You can find your API key at https://platform.openai.com/account/api-keys.` });
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
    assert.deepEqual(rec.retries.map((r) => r.code), ['E_LLM_TIMEOUT']);
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
    assert.match(e.message, /not valid JSON/);
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
