import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApxmError } from '../errors.js';
import { LlmClient } from './llmClient.js';
import type { LlmProvider, LlmRequest, LlmResponse } from './types.js';

const REQUEST: LlmRequest = { phase: 'ASK', messages: [{ role: 'user', content: 'hi' }] };
const RETRY = { initialDelayMs: 1, maxDelayMs: 5, jitter: 0 };
const reply = (content: string): LlmResponse => ({
  content,
  model: 'm',
  finishReason: 'stop',
  usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
});

/** A provider whose attempts are scripted functions of the request. */
function provider(attempts: ((r: LlmRequest) => Promise<LlmResponse>)[]): LlmProvider & { calls: number } {
  const p = {
    name: 'scripted',
    defaultModel: 'm',
    calls: 0,
    complete: (r: LlmRequest) => attempts[Math.min(p.calls++, attempts.length - 1)](r),
  };
  return p;
}

/** Ignores its cancellation: never settles. */
const stuck = () => new Promise<LlmResponse>(() => undefined);
/** What the openai SDK's stream did when aborted: it ended quietly, and the partial text came back as a reply. */
const partialOnAbort = (r: LlmRequest) =>
  new Promise<LlmResponse>((resolve) => {
    r.onDelta?.('part');
    r.cancel!.onAbort(() => resolve(reply('part')));
  });

describe('LlmClient: the timeout bounds every attempt', () => {
  it('an attempt whose provider ignores the cancellation still fails at the timeout, and is retried', { timeout: 20_000 }, async () => {
    const p = provider([stuck, stuck]);
    const e = await new LlmClient(p, { retry: { ...RETRY, maxRetries: 1 }, timeouts: { Low: 30 } }).call(REQUEST, { latency: 'Low' }).then(
      () => assert.fail('succeeded'),
      (x: unknown) => x as ApxmError,
    );
    assert.equal(e.code, 'E_LLM_TIMEOUT');
    assert.match(e.message, /within 30 ms .*gave up after 2 attempts/);
    assert.equal(p.calls, 2);
  });

  it(
    'a provider that answers with what it had when cancelled is not an answer: timeout retried, abort cancelled',
    { timeout: 20_000 },
    async () => {
      const timedOut = provider([partialOnAbort, async () => reply('whole')]);
      const deltas: string[] = [];
      const r = await new LlmClient(timedOut, { retry: { ...RETRY, maxRetries: 1 }, timeouts: { Low: 30 } }).call(
        { ...REQUEST, onDelta: (t) => deltas.push(t) },
        { latency: 'Low' },
      );
      assert.equal(r.content, 'whole');
      assert.equal(r.attempts, 2);

      const ac = new AbortController();
      const aborted = provider([partialOnAbort]);
      const pending = new LlmClient(aborted, { retry: RETRY, timeouts: { Low: 30_000 } }).call(
        { ...REQUEST, signal: ac.signal },
        { latency: 'Low' },
      );
      ac.abort();
      await assert.rejects(pending, (e: ApxmError) => e.code === 'E_CANCELLED');
      assert.equal(aborted.calls, 1, 'a cancelled call is not retried');
    },
  );

  it('drops the deltas a cancelled attempt sends after its cancellation', { timeout: 20_000 }, async () => {
    const late = (r: LlmRequest) =>
      new Promise<LlmResponse>((_, reject) => {
        r.onDelta!('before');
        r.cancel!.onAbort(() => {
          r.onDelta!('after the timeout');
          reject(new Error('aborted'));
        });
      });
    const deltas: string[] = [];
    const p = provider([late, async (r) => (r.onDelta!('retry'), reply('retry'))]);
    const r = await new LlmClient(p, { retry: { ...RETRY, maxRetries: 1 }, timeouts: { Low: 30 } }).call(
      { ...REQUEST, onDelta: (t) => deltas.push(t) },
      { latency: 'Low' },
    );
    assert.equal(r.content, 'retry');
    assert.deepEqual(deltas, ['before', 'retry']);
  });
});
