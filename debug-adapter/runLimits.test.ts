import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuntimeEvents } from '../runtime/events.js';
import { parseLimit, RunLimits } from './runLimits.js';

const reply = (tokens: number, cost: number | undefined, model = 'm'): RuntimeEvents['llm:response'] => ({
  runId: 'r',
  nodeExecId: 'r:0:1',
  phase: 'ASK',
  provider: 'openai',
  model,
  content: '',
  usage: { inputTokens: tokens, outputTokens: 0, totalTokens: tokens },
  ...(cost !== undefined ? { cost } : {}),
  latencyMs: 1,
  simulated: false,
});

describe('the run token and cost limits', () => {
  it('a limit reads as typed in the condition box; anything else says how to write it', { timeout: 5_000 }, () => {
    assert.equal(parseLimit('tokenLimit', '50000'), 50_000);
    assert.equal(parseLimit('tokenLimit', ' 50,000 '), 50_000);
    assert.equal(parseLimit('tokenLimit', '50k'), 50_000);
    assert.equal(parseLimit('tokenLimit', '1.5M'), 1_500_000);
    assert.equal(parseLimit('costLimit', '$0.50'), 0.5);
    assert.equal(parseLimit('costLimit', '2'), 2);
    assert.equal(parseLimit('costLimit', '.25'), 0.25);
    assert.match(parseLimit('tokenLimit', undefined) as string, /set the limit with Edit Condition: a number of tokens/);
    assert.match(parseLimit('tokenLimit', 'lots') as string, /'lots' is not a limit: write a number of tokens, e\.g\. 50000 or 50k/);
    assert.match(parseLimit('costLimit', '50k') as string, /'50k' is not a limit: write a number of US dollars/);
    assert.match(parseLimit('tokenLimit', '-5') as string, /not a limit/);
  });

  it(
    'each limit stops once, at the reply that takes the total past it (not at it), naming the total and the limit',
    { timeout: 5_000 },
    () => {
      const l = new RunLimits();
      assert.deepEqual(l.set([{ filterId: 'tokenLimit', condition: '30' }]), [undefined]);
      assert.equal(l.onResponse(reply(15, 0)).stop, undefined);
      assert.equal(l.onResponse(reply(15, 0)).stop, undefined, '30 is not past 30');
      assert.deepEqual(l.onResponse(reply(15, 0)).stop, {
        filter: 'tokenLimit',
        message: 'the run has used 45 tokens, over its limit of 30',
      });
      assert.equal(l.onResponse(reply(1000, 0)).stop, undefined, 'once per run');
      l.reset();
      assert.equal(l.onResponse(reply(30, 0)).stop, undefined);
      assert.equal(l.onResponse(reply(1, 0)).stop?.filter, 'tokenLimit', 'a new run may stop again');
    },
  );

  it('the cost limit counts priced replies, and says once per model which it cannot count', { timeout: 5_000 }, () => {
    const l = new RunLimits();
    l.set([{ filterId: 'costLimit', condition: '$0.50' }]);
    assert.equal(l.onResponse(reply(1, 0.3)).stop, undefined);
    const unpriced = l.onResponse(reply(1, undefined, 'local-model'));
    assert.match(unpriced.note ?? '', /model 'local-model' has no price, so its calls count as \$0 \(add it to apxm\.llm\.prices\)/);
    assert.equal(l.onResponse(reply(1, undefined, 'local-model')).note, undefined);
    assert.deepEqual(l.onResponse(reply(1, 0.25)).stop, {
      filter: 'costLimit',
      message: 'the run has cost $0.5500, over its limit of $0.50',
    });
  });

  it('the totals count from the start of the run even before a limit is set; no limits, no stops', { timeout: 5_000 }, () => {
    const l = new RunLimits();
    assert.deepEqual(l.onResponse(reply(100, 1)), {});
    assert.deepEqual(l.set([{ filterId: 'tokenLimit', condition: '150' }, { filterId: 'costLimit' }]), [
      undefined,
      'set the limit with Edit Condition: a number of US dollars, e.g. 0.50',
    ]);
    assert.equal(l.onResponse(reply(100, 1)).stop?.message, 'the run has used 200 tokens, over its limit of 150');
  });
});
