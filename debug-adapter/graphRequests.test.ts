/**
 * The graph view's custom requests and events (customProtocol.ts) through DebugClient over real
 * stdio: the node status subscription, node detail, value pages, and their errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { graphJson } from '../test/support/graphBuilder.js';
import { errorOf, launch, withClient } from '../test/support/debugClient.js';
import type { ApxmEvents, ApxmRequests, NodeStatusBatch, RunStatusBody } from './customProtocol.js';
import { changeCount, decodeBatch, decodeChanges } from '../runtime/query/nodeStatus.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TRIP = path.resolve(HERE, '../../examples/trip_planner.ais');

type Body<K extends keyof ApxmRequests> = ApxmRequests[K]['body'];

/** Every custom graph event the client received, in order. */
function recordGraphEvents(dc: DebugClient) {
  const log: { event: keyof ApxmEvents; body: any }[] = [];
  for (const name of ['apxm/nodeStatus', 'apxm/frameStarted', 'apxm/frameEnded', 'apxm/runStatus'] as const)
    dc.on(name, (e: DebugProtocol.Event) => log.push({ event: name, body: e.body }));
  return {
    log,
    batches: () => log.filter((m) => m.event === 'apxm/nodeStatus').map((m) => decodeBatch(m.body as NodeStatusBatch)),
    statuses: () => log.filter((m) => m.event === 'apxm/runStatus').map((m) => m.body as RunStatusBody),
  };
}

/** Resolves once the session's `terminated` came, however early (it may come in the same read as a response). */
function terminated(dc: DebugClient): () => Promise<void> {
  let seen = false;
  const waiters: (() => void)[] = [];
  dc.on('terminated', () => {
    seen = true;
    waiters.splice(0).forEach((w) => w());
  });
  return () =>
    new Promise<void>((resolve, reject) => {
      if (seen) return resolve();
      const timer = setTimeout(() => reject(new Error('no terminated event in 30 s')), 30_000);
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
}

/** A client with its `terminated` latched from the start (see `terminated`). */
function withEnd(t: TestContext, fn: (dc: DebugClient, ended: () => Promise<void>) => Promise<void>): Promise<void> {
  return withClient(t, (dc) => fn(dc, terminated(dc)));
}

/** The latest state of each node execution over a run of batches. */
const latestStates = (batches: ReturnType<typeof decodeBatch>[]) => {
  const m = new Map<string, string>();
  for (const b of batches) for (const c of b.changes) m.set(`${c.frameId}:${c.nodeId}`, c.state);
  return m;
};

describe('apxm/subscribeNodeStatus and its events', () => {
  it(
    'subscribed from the start: batches arrive in order and end in the run’s terminal states, with the final status',
    { timeout: 60_000 },
    (t) =>
      withEnd(t, async (dc, ended) => {
        const rec = recordGraphEvents(dc);
        let sub: Body<'apxm/subscribeNodeStatus'> | undefined;
        await launch(
          dc,
          { program: TRIP, args: { city: 'Lisbon' } },
          {
            setup: async () => {
              // before the run: an empty snapshot; the run's own comes with its start
              sub = (await dc.customRequest('apxm/subscribeNodeStatus', { maxBatchesPerSecond: 20 }))
                .body as Body<'apxm/subscribeNodeStatus'>;
            },
          },
        );
        await ended();
        assert.equal(sub && changeCount(sub.snapshot), 0);
        const statuses = rec.statuses();
        const last = statuses.at(-1);
        assert.equal(last?.state, 'succeeded');
        assert.ok(statuses.every((s) => s.runId === last?.runId));
        const batches = rec.batches();
        // seq 0 is the run's snapshot at its start, then 1, 2, …
        assert.deepEqual(
          batches.map((b) => b.seq),
          batches.map((_, i) => i),
        );
        const states = latestStates(batches);
        const graph = (await dc.customRequest('apxm/programGraph', {})).body as Body<'apxm/programGraph'>;
        const nodes = graph.flows[0].nodes;
        assert.equal(states.size, nodes.length, JSON.stringify([...states]));
        assert.ok(
          [...states.values()].every((s) => s === 'succeeded'),
          JSON.stringify([...states]),
        );
        assert.equal(last?.stats.nodesDone, nodes.length);
        assert.ok((last?.stats.llmCalls ?? 0) >= 4);
        // ids, states and timings only: no value of the run is in any status event
        assert.doesNotMatch(JSON.stringify(rec.log), /Lisbon/);
        // the entry frame was announced before any batch naming it, and ended after the last
        const started = rec.log.findIndex((m) => m.event === 'apxm/frameStarted');
        const frameEnd = rec.log.findIndex((m) => m.event === 'apxm/frameEnded');
        const firstBatch = rec.log.findIndex((m) => m.event === 'apxm/nodeStatus' && changeCount(m.body));
        assert.ok(started >= 0 && started < firstBatch);
        assert.equal(rec.log[frameEnd]?.body.outcome, 'succeeded');
      }),
  );

  it(
    'subscribed while stopped: the snapshot holds what ran, where it stopped and what is ready; then the stop is exact',
    { timeout: 60_000 },
    (t) =>
      withEnd(t, async (dc, ended) => {
        const rec = recordGraphEvents(dc);
        const { event } = await launch(
          dc,
          { program: TRIP, args: { city: 'Oslo' } },
          { setup: () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'THINK' }] }), until: 'stopped', timeoutMs: 30_000 },
        );
        const stopped = event as DebugProtocol.StoppedEvent;
        assert.equal(stopped.body.reason, 'breakpoint');
        const sub = (await dc.customRequest('apxm/subscribeNodeStatus', {})).body as Body<'apxm/subscribeNodeStatus'>;
        assert.equal(sub.run?.state, 'paused');
        assert.equal(sub.snapshot.seq, 0);
        assert.equal(sub.snapshot.runId, sub.run?.runId);
        const graph = (await dc.customRequest('apxm/programGraph', {})).body as Body<'apxm/programGraph'>;
        const think = graph.flows[0].nodes.find((n) => n.op === 'THINK');
        assert.ok(think);
        assert.equal(sub.run?.stoppedAt?.nodeId, think.id);
        assert.ok(sub.run?.ready?.some((r) => r.nodeId === think.id));
        const asks = graph.flows[0].nodes.filter((n) => n.op === 'ASK').map((n) => n.id);
        const states = new Map(decodeChanges(sub.snapshot).map((c) => [c.nodeId, c]));
        for (const id of asks) {
          assert.equal(states.get(id)?.state, 'succeeded');
          assert.ok((states.get(id)?.tokens ?? 0) > 0);
          assert.ok((states.get(id)?.startedAt ?? -1) >= 0);
        }
        assert.equal(states.get(think.id)?.state, 'ready');
        assert.deepEqual(
          sub.frames.map((f) => f.flow),
          ['TripPlanner.main'],
        );
        // a step: the status follows at once (a stop is exact, whatever the rate)
        const n = rec.log.length;
        await Promise.all([dc.nextRequest({ threadId: stopped.body.threadId as number }), dc.waitForEvent('stopped')]);
        await waitUntil(() => rec.batches().some((b) => b.changes.some((c) => c.nodeId === think.id && c.state === 'succeeded')));
        const after = rec.log.slice(n);
        assert.ok(after.some((m) => m.event === 'apxm/runStatus' && m.body.state === 'paused' && m.body.stoppedAt?.nodeId !== think.id));
        await dc.continueRequest({ threadId: 1 });
        await ended();
        assert.equal(rec.statuses().at(-1)?.state, 'succeeded');
      }),
  );

  it('unsubscribe stops the events; a restart takes a subscription to the new run with a fresh snapshot', { timeout: 60_000 }, (t) =>
    withEnd(t, async (dc, ended) => {
      const rec = recordGraphEvents(dc);
      await launch(dc, { program: TRIP, args: { city: 'Quito' }, stopOnEntry: true }, { until: 'stopped', timeoutMs: 30_000 });
      const first = (await dc.customRequest('apxm/subscribeNodeStatus', {})).body as Body<'apxm/subscribeNodeStatus'>;
      assert.equal(first.run?.state, 'paused');
      const oldRun = first.run?.runId;
      // restart: the old run ends cancelled, the new one is announced with its own id and a snapshot
      await Promise.all([dc.restartRequest({}), dc.waitForEvent('stopped', 30_000)]);
      await waitUntil(() => rec.statuses().some((s) => s.runId !== oldRun));
      assert.ok(rec.statuses().some((s) => s.runId === oldRun && s.state === 'cancelled'));
      const newStatus = rec.statuses().find((s) => s.runId !== oldRun);
      const snapshot = rec.batches().find((b) => b.runId === newStatus?.runId);
      assert.equal(snapshot?.seq, 0);
      assert.ok(snapshot?.changes.some((c) => c.state === 'ready'));
      // unsubscribed: the rest of the run sends none of the graph events
      await dc.customRequest('apxm/unsubscribeNodeStatus', {});
      const n = rec.log.length;
      await dc.continueRequest({ threadId: 1 });
      await ended();
      assert.deepEqual(rec.log.slice(n), []);
    }),
  );
});

describe('apxm/nodeDetail and apxm/valuePage', () => {
  let dir: string;
  let longFile: string;
  const LONG = Array.from({ length: 3000 }, (_, i) => `word${i}`).join(' ');
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-graph-req-'));
    longFile = path.join(dir, 'long.json');
    writeFileSync(
      longFile,
      JSON.stringify(
        graphJson({
          name: 'Long.main',
          nodes: [
            [1, 'CONST_STR', { value: LONG }, 'text'],
            [2, 'RETURN'],
          ],
          edges: [[1, 2]],
        }),
      ),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an ASK node has its rendered prompt and reply; by id or by flow and node', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      // before any launch: no run
      const early = await errorOf(dc, 'apxm/nodeDetail', { flow: 'TripPlanner.main', nodeId: 1 });
      assert.equal(early.id, 3003);
      assert.match(early.message, /no run yet.*TripPlanner\.main#1/);
      await launch(
        dc,
        { program: TRIP, args: { city: 'Lisbon' } },
        { setup: () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'THINK' }] }), until: 'stopped', timeoutMs: 30_000 },
      );
      const graph = (await dc.customRequest('apxm/programGraph', {})).body as Body<'apxm/programGraph'>;
      const ask = graph.flows[0].nodes.find((n) => n.op === 'ASK');
      assert.ok(ask);
      const d = (await dc.customRequest('apxm/nodeDetail', { flow: 'TripPlanner.main', nodeId: ask.id })).body as Body<'apxm/nodeDetail'>;
      assert.equal(d.op, 'ASK');
      assert.equal(d.state, 'succeeded');
      assert.equal(d.executions, 1);
      assert.ok(
        d.prompt?.some((m) => m.content.text.includes('Lisbon')),
        JSON.stringify(d.prompt),
      );
      assert.ok(d.reply && d.reply.text.length > 0);
      assert.equal(d.reply.type, 'str');
      assert.ok((d.tokens ?? 0) > 0);
      const byId = (await dc.customRequest('apxm/nodeDetail', { nodeExecId: d.nodeExecId })).body as Body<'apxm/nodeDetail'>;
      assert.deepEqual(byId, d);
      // unknown: each message names what was asked
      const noNode = await errorOf(dc, 'apxm/nodeDetail', { flow: 'TripPlanner.main', nodeId: 999 });
      assert.equal(noNode.id, 3003);
      assert.match(noNode.message, /TripPlanner\.main#999.*has no node 999/);
      const noFlow = await errorOf(dc, 'apxm/nodeDetail', { flow: 'Nope.main', nodeId: 1 });
      assert.match(noFlow.message, /no flow 'Nope\.main'/);
      const notRun = graph.flows[0].nodes.find((n) => n.op === 'PRINT');
      assert.ok(notRun);
      const notYet = await errorOf(dc, 'apxm/nodeDetail', { flow: 'TripPlanner.main', nodeId: notRun.id });
      assert.match(notYet.message, /has not run in this run yet/);
      // the graph page says so itself: VS Code must not raise a toast as well
      assert.equal(notYet.showUser, false);
      const badId = await errorOf(dc, 'apxm/nodeDetail', { nodeExecId: 'x:1:1' });
      assert.match(badId.message, /'x:1:1'/);
    }),
  );

  it('a long output is previewed at 4,000 characters and read whole through apxm/valuePage', { timeout: 60_000 }, (t) =>
    withEnd(t, async (dc, ended) => {
      await launch(dc, { program: longFile });
      await ended();
      // subscribed after the end: the status is the run's end
      const sub = (await dc.customRequest('apxm/subscribeNodeStatus', {})).body as Body<'apxm/subscribeNodeStatus'>;
      assert.equal(sub.run?.state, 'succeeded');
      assert.equal(decodeChanges(sub.snapshot).length, 2);
      const d = (await dc.customRequest('apxm/nodeDetail', { flow: 'Long.main', nodeId: 1 })).body as Body<'apxm/nodeDetail'>;
      const out = d.output;
      assert.ok(out?.pageRef);
      assert.equal(out.text.length, 4000);
      assert.equal(out.length, LONG.length);
      let text = '';
      for (let offset = 0; offset < out.length; offset += 5000) {
        const page = (await dc.customRequest('apxm/valuePage', { pageRef: out.pageRef, offset, length: 5000 }))
          .body as Body<'apxm/valuePage'>;
        assert.equal(page.total, LONG.length);
        assert.equal(page.offset, offset);
        text += page.text;
      }
      assert.equal(text, LONG);
      const expired = await errorOf(dc, 'apxm/valuePage', { pageRef: 'page-999', offset: 0, length: 10 });
      assert.equal(expired.id, 3003);
      assert.match(expired.message, /'page-999'.*expired/);
      const tooLong = await errorOf(dc, 'apxm/valuePage', { pageRef: out.pageRef, offset: 0, length: 70_000 });
      assert.equal(tooLong.id, 3001);
      assert.match(tooLong.message, /65536/);
      const past = await errorOf(dc, 'apxm/valuePage', { pageRef: out.pageRef, offset: LONG.length + 1, length: 1 });
      assert.equal(past.id, 3001);
    }),
  );

  it('bad arguments are answered with 3001 naming the field', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      await dc.initializeRequest({ adapterID: 'apxm', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
      const cases: [string, unknown, RegExp][] = [
        ['apxm/subscribeNodeStatus', { maxBatchesPerSecond: 0 }, /maxBatchesPerSecond must be an integer from 1 to 60/],
        ['apxm/subscribeNodeStatus', { maxBatchesPerSecond: 61 }, /maxBatchesPerSecond must be an integer from 1 to 60, not 61/],
        ['apxm/subscribeNodeStatus', { maxBatchesPerSecond: 'fast' }, /maxBatchesPerSecond/],
        ['apxm/nodeDetail', { frameId: 1 }, /nodeExecId, or arguments\.flow and arguments\.nodeId/],
        ['apxm/nodeDetail', { flow: 'A.main' }, /arguments\.flow and arguments\.nodeId/],
        ['apxm/nodeDetail', { nodeId: 'one', flow: 'A.main' }, /arguments\.nodeId must be an integer/],
        ['apxm/valuePage', { pageRef: 'page-1', offset: -1, length: 1 }, /arguments\.offset/],
        ['apxm/valuePage', { pageRef: 'page-1', offset: 0 }, /arguments\.length is missing/],
      ];
      for (const [command, args, message] of cases) {
        const e = await errorOf(dc, command, args);
        assert.equal(e.id, 3001, `${command} ${JSON.stringify(args)}: ${e.message}`);
        assert.match(e.message, message);
      }
    }),
  );
});

async function waitUntil(ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) assert.fail('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
