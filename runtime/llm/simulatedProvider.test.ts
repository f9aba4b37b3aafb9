import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { CancellationSource } from '../cancellation.js';
import { SimulatedProvider } from './simulatedProvider.js';
import type { LlmRequest } from './types.js';

const ask = (text: string, extra: Partial<LlmRequest> = {}): LlmRequest => ({
  phase: 'ASK',
  latency: 'Low',
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: text },
  ],
  ...extra,
});

describe('simulated provider', () => {
  it('replies deterministically from the prompt, says it is simulated, and counts tokens', async () => {
    const p = new SimulatedProvider();
    const a = await p.complete(ask('What is the capital of Portugal?'));
    const b = await p.complete(ask('What is the capital of Portugal?'));
    const c = await p.complete(ask('What is the capital of Spain?'));
    assert.equal(a.content, b.content);
    assert.notEqual(a.content, c.content);
    assert.match(a.content, /^\[simulated\]/);
    assert.equal(a.simulated, true);
    assert.ok(a.usage.inputTokens > 0 && a.usage.outputTokens > 0);
    assert.equal(a.usage.totalTokens, a.usage.inputTokens + a.usage.outputTokens);
    assert.equal(p.callCount, 3);
  });

  it('takes its latency for the whole call; a scripted reply is made when the call is answered, after the caller issued its other requests', async () => {
    const order: string[] = [];
    const p = new SimulatedProvider({
      latency: { Low: 30 },
      script: [
        {
          match: /#\d/,
          reply: (req) => {
            const n = /#(\d)/.exec(req.messages[1].content)?.[1];
            order.push(`made ${n}`);
            return `reply ${n}`;
          },
        },
      ],
    });
    const t0 = performance.now();
    const calls = [1, 2, 3].map((n) => {
      const call = p.complete(ask(`question #${n}`));
      order.push(`issued ${n}`);
      return call;
    });
    const replies = await Promise.all(calls);
    assert.ok(performance.now() - t0 >= 29, 'the latency is waited');
    assert.deepEqual(
      replies.map((r) => r.content),
      ['reply 1', 'reply 2', 'reply 3'],
    );
    // calls with deadlines a few microseconds apart may be answered in either order on a busy machine
    assert.deepEqual(order.slice(0, 3), ['issued 1', 'issued 2', 'issued 3']);
    assert.deepEqual(order.slice(3).sort(), ['made 1', 'made 2', 'made 3']);
  });

  it('a cancelled call fails with E_CANCELLED, also in its last milliseconds, and makes no scripted reply', async () => {
    let made = 0;
    const p = new SimulatedProvider({ latency: { Low: 20 }, script: [{ match: 'slow', reply: () => `reply #${++made}` }] });
    const early = new CancellationSource();
    const first = p.complete(ask('slow', { cancel: early }));
    early.abort(new Error('stop'));
    await assert.rejects(first, { code: 'E_CANCELLED' });
    // aborted 1 ms before its end: whenever the abort lands before the call settles (a busy machine
    // may run the timer late, after the call answered), the call must fail
    const late = new CancellationSource();
    const second = p.complete(ask('slow', { cancel: late }));
    let abortedBeforeSettling = false;
    let settled = false;
    setTimeout(() => {
      abortedBeforeSettling = !settled;
      late.abort(new Error('stop'));
    }, 19);
    const outcome = await second.then(
      () => 'answered',
      (e: { code?: string }) => e.code,
    );
    settled = true;
    if (abortedBeforeSettling) assert.equal(outcome, 'E_CANCELLED', 'aborted before it settled, yet it answered');
    else assert.equal(outcome, 'answered');
    await new Promise((r) => setTimeout(r, 25));
    const answered = outcome === 'answered' ? 1 : 0;
    assert.equal(p.callCount, answered, 'a cancelled call is not a call');
    assert.equal(made, answered, 'nor does it consume a scripted reply');
    assert.equal((await p.complete(ask('slow'))).content, `reply #${answered + 1}`);
  });
});
