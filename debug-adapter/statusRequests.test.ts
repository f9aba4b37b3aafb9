/**
 * The run status subscription (protocol/statusProtocol.ts) through DebugClient over real stdio:
 * `apxm/runProgress` while subscribed, its stops and end, nothing while not, and its errors.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { errorOf, launch, withClient } from '../test/support/debugClient.js';
import { startFakeOpenAi } from '../test/support/fakeOpenAiServer.js';
import type { ApxmEvents, ApxmRequests, RunStatusBody } from './customProtocol.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TRIP = path.resolve(HERE, '../../examples/trip_planner.ais');

type Body<K extends keyof ApxmRequests> = ApxmRequests[K]['body'];

/** A client whose `apxm/runProgress` events are collected from its start. */
function withProgress(t: TestContext, fn: (dc: DebugClient, progress: RunStatusBody[]) => Promise<void>): Promise<void> {
  return withClient(t, (dc) => {
    const progress: RunStatusBody[] = [];
    dc.on('apxm/runProgress', (e: DebugProtocol.Event) => progress.push(e.body as RunStatusBody));
    return fn(dc, progress);
  });
}

describe('apxm/subscribeRunStatus and apxm/runProgress', () => {
  it('subscribed at a stop: says where, ticks while the slow run goes, ends with its totals', { timeout: 60_000 }, async (t) => {
    // each LLM reply takes longer than a tick, so the run is seen going
    const server = await startFakeOpenAi(() => ({ delayMs: 700, reply: 'ok' }));
    t.after(() => server.close());
    await withProgress(t, async (dc, progress) => {
      let before: Body<'apxm/subscribeRunStatus'> | undefined;
      await launch(
        dc,
        { program: TRIP, args: { city: 'Lisbon' }, stopOnEntry: true, llm: { provider: 'openai', baseUrl: server.url } },
        {
          setup: async () => {
            before = (await dc.customRequest('apxm/subscribeRunStatus', {})).body as Body<'apxm/subscribeRunStatus'>;
          },
          until: 'stopped',
        },
      );
      assert.deepEqual(before, {}, 'no run yet');
      const sub = (await dc.customRequest('apxm/subscribeRunStatus', { maxPerSecond: 2 })).body as Body<'apxm/subscribeRunStatus'>;
      assert.equal(sub.run?.state, 'paused');
      assert.ok(sub.run?.ready?.length, 'the ops ready to run');
      assert.equal(sub.run?.stats.nodesDone, 0);
      const ended = dc.waitForEvent('terminated', 30_000);
      await dc.continueRequest({ threadId: 1 });
      await ended;
      const last = progress.at(-1);
      assert.equal(last?.state, 'succeeded');
      assert.ok(progress.every((p) => p.runId === last?.runId));
      const running = progress.filter((p) => p.state === 'running');
      assert.ok(running.length >= 2, `ticks while running: ${JSON.stringify(progress.map((p) => p.state))}`);
      assert.ok(
        running.some((p) => p.stats.nodesDone < (last?.stats.nodesDone ?? 0)),
        'a tick before the end',
      );
      assert.equal(last?.stats.nodesDone, last?.stats.nodesTotal);
      assert.ok((last?.stats.tokens ?? 0) > 0);
      assert.equal(last?.stats.running, 0);
      // counts never go back within a run
      for (let i = 1; i < progress.length; i++) assert.ok(progress[i].stats.nodesDone >= progress[i - 1].stats.nodesDone);
    });
  });

  it(
    "subscribed with flowTotals: at the end, before terminated, each flow's calls, latency, tokens and cost",
    { timeout: 60_000 },
    async (t) => {
      await withProgress(t, async (dc, progress) => {
        const events: string[] = [];
        let totals: ApxmEvents['apxm/flowTotals'] | undefined;
        dc.on('apxm/flowTotals', (e: DebugProtocol.Event) => {
          events.push('flowTotals');
          totals = e.body as ApxmEvents['apxm/flowTotals'];
        });
        dc.on('terminated', () => events.push('terminated'));
        await launch(
          dc,
          { program: TRIP, args: { city: 'Lisbon' }, stopOnEntry: true, llm: { model: 'gpt-4o-mini' } },
          { until: 'stopped' },
        );
        await dc.customRequest('apxm/subscribeRunStatus', { flowTotals: true });
        const ended = dc.waitForEvent('terminated', 30_000);
        await dc.continueRequest({ threadId: 1 });
        await ended;
        assert.deepEqual(events, ['flowTotals', 'terminated']);
        const last = progress.at(-1);
        assert.equal(totals?.runId, last?.runId);
        assert.equal(totals?.status, 'succeeded');
        assert.equal(totals?.flows.length, 1);
        const main = totals?.flows[0];
        assert.equal(main?.flow, 'TripPlanner.main');
        assert.equal(main?.file, TRIP);
        assert.equal(main?.calls, 1);
        assert.equal(main?.llmCalls, 4);
        assert.equal(main?.tokens, last?.stats.tokens);
        assert.ok((main?.cost ?? 0) > 0 && Math.abs((main?.cost ?? 0) - (last?.stats.cost ?? -1)) < 1e-12);
        assert.ok((main?.latencyMs ?? -1) >= 0);
      });
    },
  );

  it('a restart sends no per-flow totals for the run it cancels, only for the runs that end', { timeout: 60_000 }, async (t) => {
    await withProgress(t, async (dc) => {
      const totals: ApxmEvents['apxm/flowTotals'][] = [];
      dc.on('apxm/flowTotals', (e: DebugProtocol.Event) => totals.push(e.body as ApxmEvents['apxm/flowTotals']));
      await launch(dc, { program: TRIP, args: { city: 'Oslo' }, stopOnEntry: true }, { until: 'stopped' });
      await dc.customRequest('apxm/subscribeRunStatus', { flowTotals: true });
      await Promise.all([dc.customRequest('restart', {}), dc.waitForEvent('stopped')]);
      const ended = dc.waitForEvent('terminated', 30_000);
      await dc.continueRequest({ threadId: 1 });
      await ended;
      assert.deepEqual(
        totals.map((b) => b.status),
        ['succeeded'],
        'the cancelled run is not reported',
      );
    });
  });

  it('a client that never subscribes gets no progress; one that unsubscribes gets no more', { timeout: 60_000 }, async (t) => {
    await withProgress(t, async (dc, progress) => {
      await launch(dc, { program: TRIP, args: { city: 'Oslo' }, stopOnEntry: true }, { until: 'stopped' });
      await dc.customRequest('apxm/subscribeRunStatus', {});
      assert.deepEqual(await dc.customRequest('apxm/unsubscribeRunStatus', {}).then((r) => r.body), {});
      const ended = dc.waitForEvent('terminated', 30_000);
      let flowTotals = 0;
      dc.on('apxm/flowTotals', () => flowTotals++);
      await dc.continueRequest({ threadId: 1 });
      await ended;
      assert.deepEqual(progress, []);
      assert.equal(flowTotals, 0, 'no per-flow totals unasked');
    });
  });

  it('a rate out of range is refused naming the field, without a toast', { timeout: 30_000 }, async (t) => {
    await withClient(t, async (dc) => {
      await dc.initializeRequest({ adapterID: 'apxm' });
      const e = await errorOf(dc, 'apxm/subscribeRunStatus', { maxPerSecond: 10 });
      assert.match(e.message, /arguments\.maxPerSecond must be 1 or 2, not 10/);
      assert.equal(e.showUser, false);
    });
  });
});
