import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { program } from '../../test/support/graphBuilder.js';
import { makeRuntime } from '../../test/support/harness.js';
import type { Runtime, RunHandle } from '../runtime.js';
import { RuntimeEventEmitter, type FrameRef, type NodeRef, type RunStats } from '../events.js';
import { decodeBatch, decodeChanges, type NodeStatusBatch, type RunStatusBody } from './nodeStatus.js';
import { NodeStatusFeed, type FeedClock, type FeedSink, type RunProbe } from './nodeStatusFeed.js';
import type { GraphFlow } from './programGraph.js';
import { RunView } from './runView.js';

/** A clock whose timers run only when the test advances it. */
class FakeClock implements FeedClock {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  /** Moves to `to`, running each timer due on the way at its time. */
  advance(to: number): void {
    for (;;) {
      const due = this.timers.filter((x) => x.at <= to).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = to;
  }
}

/** Everything the feed sent, in order. */
class Recorder implements FeedSink {
  readonly log: { kind: string; body: unknown }[] = [];
  nodeStatus = (b: NodeStatusBatch) => void this.log.push({ kind: 'nodeStatus', body: b });
  frameStarted = (e: { frame: FrameRef; graph?: GraphFlow }) => void this.log.push({ kind: 'frameStarted', body: e });
  frameEnded = (e: { frame: FrameRef }) => void this.log.push({ kind: 'frameEnded', body: e });
  runStatus = (s: RunStatusBody) => void this.log.push({ kind: 'runStatus', body: s });
  batches = () => this.log.filter((m) => m.kind === 'nodeStatus').map((m) => decodeBatch(m.body as NodeStatusBatch));
  statuses = () => this.log.filter((m) => m.kind === 'runStatus').map((m) => m.body as RunStatusBody);
}

const STATS: RunStats = {
  nodesTotal: 10,
  nodesExecuted: 0,
  nodesFailed: 0,
  nodesSkipped: 0,
  durationMs: 0,
  llmCalls: 0,
  inputTokens: 0,
  outputTokens: 0,
  totalTokens: 0,
  maxParallelism: 1,
  avgParallelism: 1,
  retries: 0,
  frames: 1,
};
const probe: RunProbe = { frameFlow: () => undefined, liveStats: () => ({ ...STATS, running: 0 }) };

const ref = (runId: string, nodeId: number): NodeRef => ({
  runId,
  frameId: 1,
  nodeId,
  nodeExecId: `${runId}:1:${nodeId}`,
  op: 'JUMP',
  name: `n${nodeId}`,
  flow: 'A.main',
});

/** Emits one of the node events of node `nodeId` (cycling through ready, started, finished). */
function emitNodeEvent(ev: RuntimeEventEmitter, runId: string, nodeId: number, k: number): void {
  const r = ref(runId, nodeId);
  const now = Date.now();
  if (k % 3 === 0) ev.emit('node:ready', { ...r, priority: 0 });
  else if (k % 3 === 1) ev.emit('node:started', { ...r, inputs: [], attempt: 1, startedAt: now });
  else ev.emit('node:finished', { ...r, inputs: [], output: k, startedAt: now, durationMs: k, tokens: 0, replayed: false });
}

/** A view and a feed on `runId` made before the run starts (its first events come from start() itself), probing the run once it exists. */
function watch(rt: Runtime, runId: string, sink: FeedSink, clock?: FeedClock) {
  let handle: RunHandle | undefined;
  const view = new RunView(rt.events, runId);
  const probeRun: RunProbe = {
    frameFlow: (id) => handle?.execution.frameFlow(id),
    liveStats: () => handle?.execution.liveStats() ?? { ...STATS, running: 0 },
  };
  const feed = new NodeStatusFeed({ events: rt.events, view, probe: probeRun, sink, clock, maxBatchesPerSecond: 60 });
  return {
    view,
    feed,
    started: (h: RunHandle) => (handle = h),
    dispose: () => {
      feed.dispose();
      view.dispose();
    },
  };
}

describe('the node status feed', () => {
  it('coalesces: 1,000 events for 10 nodes within one interval make one batch with the 10 latest states', { timeout: 10_000 }, () => {
    const ev = new RuntimeEventEmitter();
    const view = new RunView(ev, 'r1');
    const clock = new FakeClock();
    const sink = new Recorder();
    const feed = new NodeStatusFeed({ events: ev, view, probe, sink, clock, maxBatchesPerSecond: 10 });
    clock.advance(1000); // the first flush may come at once: start after one
    // 1,000 events: node k%10, the state cycling; the last event of each node decides its state
    for (let k = 0; k < 1000; k++) emitNodeEvent(ev, 'r1', k % 10, Math.floor(k / 10));
    assert.equal(sink.batches().length, 0, 'nothing before the timer');
    clock.advance(1100);
    const batches = sink.batches();
    assert.equal(batches.length, 1);
    assert.equal(batches[0].seq, 1);
    assert.equal(batches[0].changes.length, 10);
    // 100 events per node: the last has k = 99, 99 % 3 === 0 → ready
    assert.deepEqual(new Set(batches[0].changes.map((c) => c.state)), new Set(['ready']));
    assert.deepEqual(
      batches[0].changes.map((c) => c.nodeId).sort((a, b) => a - b),
      Array.from({ length: 10 }, (_, i) => i),
    );
    // with each batch, the run's status
    const last = sink.log.at(-1);
    assert.equal(last?.kind, 'runStatus');
    assert.equal((last?.body as RunStatusBody).state, 'running');
    feed.dispose();
    view.dispose();
  });

  it('sends at most maxBatchesPerSecond batches a second while events keep coming', { timeout: 10_000 }, () => {
    for (const rate of [1, 10, 60]) {
      const ev = new RuntimeEventEmitter();
      const view = new RunView(ev, 'r2');
      const clock = new FakeClock();
      const sink = new Recorder();
      const feed = new NodeStatusFeed({ events: ev, view, probe, sink, clock, maxBatchesPerSecond: rate });
      const times: number[] = [];
      const push = sink.nodeStatus;
      sink.nodeStatus = (b) => {
        times.push(clock.t);
        push(b);
      };
      // an event every millisecond for 3 seconds
      for (let t = 0; t < 3000; t++) {
        clock.advance(t);
        emitNodeEvent(ev, 'r2', t % 7, t);
      }
      clock.advance(4000);
      for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= 1000 / rate - 1e-9, `rate ${rate}: ${times.join(',')}`);
      assert.ok(times.length <= 3 * rate + 1, `rate ${rate}: ${times.length} batches`);
      assert.ok(times.length >= 3 * rate - 1, `rate ${rate}: ${times.length} batches (it keeps sending)`);
      feed.dispose();
      view.dispose();
    }
  });

  it('flushes at once when the scheduler pauses: the stopped view is exact, with where it stopped', { timeout: 20_000 }, async () => {
    const rt = await makeRuntime();
    const clock = new FakeClock(); // its timers never run: only the pause can flush
    const sink = new Recorder();
    try {
      const p = program({
        nodes: [
          [1, 'CONST_STR', { value: 'a' }],
          [2, 'CONST_STR', { value: 'b' }],
          [3, 'MERGE', { strategy: 'concat' }],
          [4, 'RETURN'],
        ],
        edges: [
          [1, 3],
          [2, 3],
          [3, 4],
        ],
      });
      const w = watch(rt, 'paused-run', sink, clock);
      let held = false;
      const handle = w.started(
        rt.start(p, { runId: 'paused-run', hooks: { shouldPause: (n) => n.nodeId === 3 && !held && (held = true) } }),
      );
      await new Promise<void>((resolve) => {
        const off = rt.events.on('scheduler:paused', () => {
          off();
          resolve();
        });
        if (handle.execution.control.isPaused) resolve();
      });
      const batches = sink.batches();
      assert.equal(batches.length, 1, 'one batch, at the pause');
      const byNode = new Map(batches[0].changes.map((c) => [c.nodeId, c.state]));
      assert.equal(byNode.get(1), 'succeeded');
      assert.equal(byNode.get(2), 'succeeded');
      const status = sink.statuses().at(-1);
      assert.equal(status?.state, 'paused');
      assert.deepEqual(status?.stoppedAt, { frameId: 1, nodeId: 3, flow: p.entry.qualifiedName });
      assert.ok(status?.ready?.some((r) => r.nodeId === 3));
      // (the pause came inside start(), before the probe had the run: its totals are read now)
      assert.equal(w.feed.status().stats.nodesDone, 2);
      // the debugger's own stop at the same place (the adapter tells the feed of every stop) adds nothing
      const sent = sink.log.length;
      const at = { runId: 'paused-run', frameId: 1, nodeId: 3, nodeExecId: 'x', op: 'MERGE', name: 'n3', flow: p.entry.qualifiedName };
      w.feed.stopped(at, status?.ready?.map((r) => ({ ...at, ...r })) ?? []);
      assert.equal(sink.log.length, sent, 'no second status for the same stop');
      w.feed.stopped({ ...at, nodeId: 4 }, []);
      assert.deepEqual(sink.statuses().at(-1)?.stoppedAt, { frameId: 1, nodeId: 4, flow: p.entry.qualifiedName }, 'another place is sent');
      handle.execution.control.resume();
      const r = await handle.result;
      assert.equal(r.status, 'succeeded');
      // the end flushes at once too, with terminal states and the final status
      const end = sink.statuses().at(-1);
      assert.equal(end?.state, 'succeeded');
      assert.equal(end?.stats.nodesDone, 4);
      const latest = new Map<number, string>();
      for (const b of sink.batches()) for (const c of b.changes) latest.set(c.nodeId, c.state);
      assert.equal(latest.get(3), 'succeeded');
      assert.equal(latest.get(4), 'succeeded');
      assert.deepEqual(
        sink.batches().map((b) => b.seq),
        sink.batches().map((_, i) => i + 1),
      );
      w.dispose();
    } finally {
      await rt.dispose();
    }
  });

  it("a PLAN's generated graph arrives as frameStarted with its graph, before its nodes' states", { timeout: 20_000 }, async () => {
    const rt = await makeRuntime(); // the offline simulated LLM generates the inner plan
    const sink = new Recorder();
    try {
      const p = program({
        nodes: [
          [1, 'PLAN', { goal: 'Plan a weekend in Lisbon', enable_inner_plan: true }],
          [2, 'RETURN'],
        ],
        edges: [[1, 2]],
      });
      const w = watch(rt, 'plan-run', sink);
      const handle = w.started(rt.start(p, { runId: 'plan-run' }));
      const r = await handle.result;
      assert.equal(r.status, 'succeeded', JSON.stringify(r.error));
      const started = sink.log.filter((m) => m.kind === 'frameStarted').map((m) => m.body as { frame: FrameRef; graph?: GraphFlow });
      const plan = started.find((s) => s.frame.kind === 'plan');
      assert.ok(plan, JSON.stringify(started));
      assert.ok(plan.graph, 'the generated graph comes with its frame');
      assert.equal(plan.graph.name, plan.frame.flow);
      assert.ok(plan.graph.nodes.length > 0);
      const planIndex = sink.log.findIndex((m) => m.body === plan);
      const firstOfPlan = sink.log.findIndex(
        (m) => m.kind === 'nodeStatus' && decodeChanges(m.body as NodeStatusBatch).some((c) => c.frameId === plan.frame.frameId),
      );
      assert.ok(firstOfPlan > planIndex, 'the frame is announced before any node of it');
      // every node of the generated graph ran, and its states name the graph's node ids
      const ids = new Set(plan.graph.nodes.map((n) => n.id));
      const ofPlan = sink.batches().flatMap((b) => b.changes.filter((c) => c.frameId === plan.frame.frameId));
      assert.ok(ofPlan.length > 0 && ofPlan.every((c) => ids.has(c.nodeId)));
      const ended = sink.log.find((m) => m.kind === 'frameEnded' && (m.body as { frame: FrameRef }).frame.frameId === plan.frame.frameId);
      assert.ok(ended);
      // the snapshot keeps the plans so far
      assert.deepEqual(
        w.feed.snapshot().plans.map((x) => x.frameId),
        [plan.frame.frameId],
      );
      assert.equal(w.feed.snapshot().run?.state, 'succeeded');
      w.dispose();
    } finally {
      await rt.dispose();
    }
  });

  it('a feed made after the run ended (a short run ends inside start()) reports its end, not "running"', { timeout: 20_000 }, async () => {
    const rt = await makeRuntime();
    try {
      const p = program({
        nodes: [
          [1, 'CONST_STR', { value: 'a' }],
          [2, 'RETURN'],
        ],
        edges: [[1, 2]],
      });
      const view = new RunView(rt.events, 'short-run');
      const handle = rt.start(p, { runId: 'short-run' });
      await handle.result;
      const sink = new Recorder();
      const feed = new NodeStatusFeed({ events: rt.events, view, probe: handle.execution, sink });
      const snap = feed.snapshot();
      assert.equal(snap.run?.state, 'succeeded');
      assert.equal(snap.run?.stats.nodesDone, 2);
      assert.deepEqual(
        decodeChanges(snap.snapshot).map((c) => c.state),
        ['succeeded', 'succeeded'],
      );
      feed.dispose();
      view.dispose();
    } finally {
      await rt.dispose();
    }
  });

  it('the snapshot holds every execution known so far; the next batch only what changes after', { timeout: 10_000 }, () => {
    const ev = new RuntimeEventEmitter();
    const view = new RunView(ev, 'r3');
    const clock = new FakeClock();
    const sink = new Recorder();
    const feed = new NodeStatusFeed({ events: ev, view, probe, sink, clock });
    clock.advance(1000);
    for (let n = 0; n < 5; n++) emitNodeEvent(ev, 'r3', n, 2);
    const snap = feed.snapshot();
    assert.equal(snap.snapshot.seq, 0);
    assert.equal(decodeChanges(snap.snapshot).length, 5);
    assert.ok(decodeChanges(snap.snapshot).every((c) => c.state === 'succeeded' && c.durationMs === 2));
    emitNodeEvent(ev, 'r3', 9, 0);
    clock.advance(2000);
    assert.deepEqual(
      sink.batches().map((b) => b.changes.map((c) => c.nodeId)),
      [[9]],
    );
    // another run's events are not this feed's
    emitNodeEvent(ev, 'other', 1, 0);
    clock.advance(3000);
    assert.equal(sink.batches().length, 1);
    feed.dispose();
    view.dispose();
  });

  it("each execution carries its LLM calls' cost; one call of a model without a price leaves it without", { timeout: 10_000 }, () => {
    const ev = new RuntimeEventEmitter();
    const view = new RunView(ev, 'r4');
    const clock = new FakeClock();
    const sink = new Recorder();
    const feed = new NodeStatusFeed({ events: ev, view, probe, sink, clock });
    const reply = (nodeId: number, cost: number | undefined) =>
      ev.emit('llm:response', {
        runId: 'r4',
        nodeExecId: ref('r4', nodeId).nodeExecId,
        phase: 'ASK',
        provider: 'openai',
        model: cost === undefined ? 'mine' : 'gpt-4o',
        content: 'ok',
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
        ...(cost !== undefined ? { cost } : {}),
        latencyMs: 1,
        simulated: false,
      });
    for (const n of [1, 2, 3]) emitNodeEvent(ev, 'r4', n, 1); // started
    reply(1, 0.002);
    reply(1, 0.0005);
    reply(2, 0.001);
    reply(2, undefined);
    for (const n of [1, 2, 3]) emitNodeEvent(ev, 'r4', n, 2); // finished
    const costs = new Map(decodeChanges(feed.snapshot().snapshot).map((c) => [c.nodeId, c.cost]));
    assert.deepEqual([costs.get(1), costs.get(2), costs.get(3)], [0.0025, undefined, undefined]);
    feed.dispose();
    view.dispose();
  });
});
