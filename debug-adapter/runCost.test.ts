/**
 * What a debug session says a run cost, through DebugClient over real stdio: per op in
 * `apxm/nodeDetail`, per run in `apxm/runProgress`, by the launch's `llm.prices` over the table.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { launch, withClient } from '../test/support/debugClient.js';
import { startFakeOpenAi } from '../test/support/fakeOpenAiServer.js';
import type { ApxmRequests, RunStatusBody } from './customProtocol.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TRIP = path.resolve(HERE, '../../examples/trip_planner.ais');

type Body<K extends keyof ApxmRequests> = ApxmRequests[K]['body'];

const near = (a: number | undefined, b: number, what: string) =>
  assert.ok(a !== undefined && Math.abs(a - b) < 1e-9, `${what}: ${a} ≠ ${b}`);

describe('the cost of a debugged run', () => {
  it("each ASK's cost in its node detail, the run's so far and at the end in apxm/runProgress", { timeout: 60_000 }, async (t) => {
    const server = await startFakeOpenAi(() => ({ reply: 'ok', usage: { prompt_tokens: 10, completion_tokens: 5 } }));
    t.after(() => server.close());
    // $100 per 1M input and $1000 per 1M output tokens: 10 × 100 + 5 × 1000 = $0.006 a call
    const PER_CALL = 0.006;
    await withClient(t, async (dc) => {
      const progress: RunStatusBody[] = [];
      dc.on('apxm/runProgress', (e: DebugProtocol.Event) => progress.push(e.body as RunStatusBody));
      const llm = { provider: 'openai', baseUrl: server.url, model: 'my-model', prices: { 'my-model': { input: 100, output: 1000 } } };
      await launch(
        dc,
        { program: TRIP, args: { city: 'Lisbon' }, llm },
        { setup: () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'THINK' }] }), until: 'stopped', timeoutMs: 30_000 },
      );
      const graph = (await dc.customRequest('apxm/programGraph', {})).body as Body<'apxm/programGraph'>;
      const asks = graph.flows[0].nodes.filter((n) => n.op === 'ASK');
      assert.equal(asks.length, 3);
      for (const ask of asks) {
        const d = (await dc.customRequest('apxm/nodeDetail', { flow: 'TripPlanner.main', nodeId: ask.id })).body as Body<'apxm/nodeDetail'>;
        near(d.cost, PER_CALL, `ASK #${ask.id}`);
      }
      const merge = graph.flows[0].nodes.find((n) => n.op === 'MERGE');
      assert.ok(merge);
      const m = (await dc.customRequest('apxm/nodeDetail', { flow: 'TripPlanner.main', nodeId: merge.id })).body as Body<'apxm/nodeDetail'>;
      assert.equal(m.cost, undefined, 'an op with no LLM call has no cost');
      const sub = (await dc.customRequest('apxm/subscribeRunStatus', {})).body as Body<'apxm/subscribeRunStatus'>;
      near(sub.run?.stats.cost, 3 * PER_CALL, 'at the stop');
      const ended = dc.waitForEvent('terminated', 30_000);
      await dc.continueRequest({ threadId: 1 });
      await ended;
      const last = progress.at(-1);
      assert.equal(last?.state, 'succeeded');
      assert.equal(last?.stats.llmCalls, 4);
      near(last?.stats.cost, 4 * PER_CALL, 'at the end');
    });
  });

  it('a bad llm.prices entry fails the launch naming its path', { timeout: 30_000 }, async (t) => {
    await withClient(t, async (dc) => {
      await dc.initializeRequest({ adapterID: 'apxm' });
      const llm = { provider: 'simulated', prices: { 'gpt-4o': { input: 2.5, output: -1 } } };
      await assert.rejects(
        dc.launch({ program: TRIP, args: { city: 'Lisbon' }, llm }),
        /llm\.prices\["gpt-4o"\]\.output must be a number ≥ 0/,
      );
    });
  });
});
