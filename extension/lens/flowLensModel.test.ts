import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowTotalsBody } from '../../runtime/query/flowTotals.js';
import { flowLensText, flowLenses } from './flowLensModel.js';

const SOURCE = `// a comment that says flow fake(x) {
agent Trip {
    flow helper(q: str) -> str {
        ask("about " + q) -> a
        return a
    }

    @entry flow main(city: str) -> str {
        helper(city) -> h
        return h
    }
}
`;

const totals = (over: Partial<FlowTotalsBody> = {}): FlowTotalsBody => ({
  runId: 'r1',
  status: 'succeeded',
  flows: [
    { flow: 'Trip.main', calls: 1, latencyMs: 2_430, llmCalls: 3, tokens: 1234, cost: 0.01234 },
    { flow: 'Trip.helper', calls: 2, latencyMs: 340, llmCalls: 2, tokens: 1, file: '/w/trip.ais' },
    { flow: 'Other.gone', calls: 1, latencyMs: 1, llmCalls: 0, tokens: 0 },
  ],
  ...over,
});

describe('the CodeLens above each flow after a run', () => {
  it("sits at each flow's declaration (its @entry) with the last run's latency, tokens and cost", { timeout: 5_000 }, () => {
    assert.deepEqual(
      flowLenses(SOURCE, totals()).map(({ line, flow, title }) => ({ line, flow, title })),
      [
        { line: 2, flow: 'Trip.helper', title: 'last run: 2 calls · 340 ms · 1 token' },
        { line: 7, flow: 'Trip.main', title: 'last run: 2.4 s · 1,234 tokens · $0.0123' },
      ],
    );
  });

  it('a failed run says so; the tooltip tells a flow with no price from one with a cost', { timeout: 5_000 }, () => {
    const [helper, main] = flowLenses(SOURCE, totals({ status: 'failed' }));
    assert.match(main.title, /^last run \(failed\): /);
    assert.match(main.tooltip, /Trip\.main in the last run \(failed\), its callees included/);
    assert.match(main.tooltip, /3 calls, 1,234 tokens, \$0\.0123/);
    assert.match(helper.tooltip, /no price for its model: no cost/);
  });

  it('no totals, flows the run did not call, or text that does not parse give no lens, never a wrong line', { timeout: 5_000 }, () => {
    assert.deepEqual(flowLenses(SOURCE, undefined), []);
    assert.deepEqual(flowLenses(SOURCE, totals({ flows: [] })), []);
    assert.deepEqual(flowLenses('agent Other {', totals()), []);
    // an edit after the run moves the lens with its flow
    assert.equal(flowLenses('\n\n' + SOURCE, totals())[1].line, 9);
  });

  it('latency reads as ms under a second, seconds under a minute, then m ss', { timeout: 5_000 }, () => {
    const time = (latencyMs: number) => flowLensText({ flow: 'A.main', calls: 1, latencyMs, llmCalls: 0, tokens: 0 }, 'succeeded');
    assert.deepEqual(
      [0, 999, 1000, 59_940, 61_000].map((ms) => time(ms).title),
      ['0 ms', '999 ms', '1.0 s', '59.9 s', '1 m 01 s'].map((d) => `last run: ${d} · 0 tokens`),
    );
    assert.match(time(61_000).tooltip, /time: 1 m 01 s \(/);
  });
});
