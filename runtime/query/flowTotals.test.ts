import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundle } from '../../test/support/graphBuilder.js';
import { RuntimeEventEmitter, type FrameRef } from '../events.js';
import { Runtime } from '../runtime.js';
import { FlowTotals, type FlowTotalsBody } from './flowTotals.js';

describe('per-flow totals of a run', () => {
  it("a flow's tokens and cost include its callees'; each callee has its own and its number of calls", { timeout: 20_000 }, async () => {
    const rt = await Runtime.create({ memoryConfig: { dbPath: ':memory:' }, llm: { provider: 'simulated', model: 'gpt-4o' } });
    try {
      let body: FlowTotalsBody | undefined;
      let totals: FlowTotals | undefined;
      rt.events.on('run:started', (e) => {
        totals ??= new FlowTotals(rt.events, e.runId, { fileOf: (f) => `/w/${f}.ais`, onFinished: (b) => (body = b) });
      });
      const p = bundle('Main.main', [
        {
          name: 'Lib.ask',
          params: ['q'],
          nodes: [
            [1, 'ASK', { template_str: 'about {0}' }],
            [2, 'RETURN'],
          ],
          edges: [[1, 2]],
        },
        {
          name: 'Main.main',
          isEntry: true,
          nodes: [
            [1, 'CONST_STR', { value: 'a' }],
            [2, 'FLOW_CALL', { agent_name: 'Lib', flow_name: 'ask' }],
            [3, 'FLOW_CALL', { agent_name: 'Lib', flow_name: 'ask' }],
            [4, 'ASK', { template_str: 'sum {0} {1}' }],
            [5, 'RETURN'],
          ],
          edges: [
            [1, 2],
            [1, 3],
            [2, 4],
            [3, 4],
            [4, 5],
          ],
        },
      ]);
      const r = await rt.execute(p);
      assert.equal(r.status, 'succeeded', JSON.stringify(r.error));
      assert.equal(body?.runId, r.runId);
      assert.equal(body?.status, 'succeeded');
      const main = body?.flows.find((f) => f.flow === 'Main.main');
      const lib = body?.flows.find((f) => f.flow === 'Lib.ask');
      assert.equal(main?.calls, 1);
      assert.equal(main?.file, '/w/Main.main.ais');
      assert.equal(main?.llmCalls, 3);
      assert.equal(main?.tokens, r.stats.totalTokens);
      assert.ok(Math.abs((main?.cost ?? -1) - (r.stats.cost ?? -2)) < 1e-15);
      assert.equal(lib?.calls, 2);
      assert.equal(lib?.llmCalls, 2);
      assert.ok(lib && main && lib.tokens > 0 && lib.tokens < main.tokens);
      assert.ok(main.latencyMs >= 0 && lib.latencyMs >= 0);
      totals?.dispose();
    } finally {
      await rt.dispose();
    }
  });

  it(
    'latency leaves out the time the run was held and counts a recursive call once; an unpriced call leaves no cost',
    { timeout: 5_000 },
    () => {
      const ev = new RuntimeEventEmitter();
      let t = 0;
      const totals = new FlowTotals(ev, 'r', { now: () => t });
      const frame = (frameId: number, flow: string, parentFrameId?: number): FrameRef => ({
        runId: 'r',
        frameId,
        kind: 'flow',
        flow,
        label: flow,
        ...(parentFrameId !== undefined ? { parentFrameId } : {}),
      });
      const reply = (frameId: number, cost?: number) =>
        ev.emit('llm:response', {
          runId: 'r',
          nodeExecId: `r:${frameId}:1`,
          phase: 'ASK',
          provider: 'openai',
          model: 'm',
          content: '',
          usage: { inputTokens: 7, outputTokens: 3, totalTokens: 10 },
          ...(cost !== undefined ? { cost } : {}),
          latencyMs: 0,
          simulated: false,
        });
      ev.emit('frame:entered', frame(0, 'A.main'));
      t = 100;
      ev.emit('frame:entered', frame(1, 'A.rec', 0));
      ev.emit('frame:entered', frame(2, 'A.rec', 1));
      reply(2, 0.5);
      ev.emit('scheduler:paused', { runId: 'r', reason: 'breakpoint', ready: [] });
      t = 5_000; // held by the debugger for 4.9 s
      ev.emit('scheduler:resumed', { runId: 'r' });
      t = 5_200;
      ev.emit('frame:exited', { ...frame(2, 'A.rec', 1), outcome: 'succeeded' });
      t = 5_300;
      reply(1);
      ev.emit('frame:exited', { ...frame(1, 'A.rec', 0), outcome: 'succeeded' });
      t = 5_400;
      ev.emit('frame:exited', { ...frame(0, 'A.main'), outcome: 'succeeded' });
      assert.deepEqual(totals.flows(), [
        { flow: 'A.main', calls: 1, latencyMs: 500, llmCalls: 2, tokens: 20 },
        { flow: 'A.rec', calls: 2, latencyMs: 300, llmCalls: 2, tokens: 20 },
      ]);
      totals.dispose();
    },
  );
});
