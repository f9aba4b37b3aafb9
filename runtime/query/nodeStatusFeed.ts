/**
 * The live status of one run for a subscribed view: node state changes coalesced per node
 * execution (the latest state wins) and flushed as batches at most `maxBatchesPerSecond` times a
 * second, at once when the scheduler pauses or the run ends (a stopped debugger's view is exact),
 * frames as they start and end (a PLAN's generated graph with its frame), and the run's status.
 * It exists only while someone subscribes: with no feed, the run pays nothing for it.
 */
import type { FrameRef, NodeRef, RunStats, RuntimeEventEmitter } from '../events.js';
import type { CompiledFlow } from '../graph/compileFlow.js';
import { NodeStatusEncoder, type NodeStatusBatch, type RunStatusBody } from './nodeStatus.js';
import { graphFlow, type GraphFlow } from './programGraph.js';
import type { NodeRecord, RunView } from './runView.js';

/** What the feed asks the running execution (runtime/scheduler/execution.ts). */
export interface RunProbe {
  frameFlow(frameId: number): CompiledFlow | undefined;
  liveStats(): RunStats & { running: number };
}

/** Where the feed's messages go (the debug adapter sends each as its custom event of that name). */
export interface FeedSink {
  nodeStatus(batch: NodeStatusBatch): void;
  frameStarted(e: { frame: FrameRef; graph?: GraphFlow }): void;
  frameEnded(e: { frame: FrameRef; outcome: 'succeeded' | 'failed' | 'cancelled' }): void;
  runStatus(status: RunStatusBody): void;
}

/** Timers, replaceable in tests. */
export interface FeedClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: FeedClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref(); // a pending flush never keeps the process alive
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface FeedSnapshot {
  snapshot: NodeStatusBatch;
  frames: FrameRef[];
  plans: { frameId: number; graph: GraphFlow }[];
  run?: RunStatusBody;
}

export const DEFAULT_BATCHES_PER_SECOND = 10;

/** A rate in 1..60 batches a second (anything else is clamped there). */
export function batchRate(n: number | undefined): number {
  if (n === undefined || !Number.isFinite(n)) return DEFAULT_BATCHES_PER_SECOND;
  return Math.min(60, Math.max(1, Math.round(n)));
}

const toPlace = (n: NodeRef) => ({ frameId: n.frameId, nodeId: n.nodeId, flow: n.flow });

export class NodeStatusFeed {
  private readonly runId: string;
  private readonly dirty = new Set<NodeRecord>();
  private readonly frameStarts: { frame: FrameRef; graph?: GraphFlow }[] = [];
  private readonly frameEnds: { frame: FrameRef; outcome: 'succeeded' | 'failed' | 'cancelled' }[] = [];
  private readonly plans = new Map<number, GraphFlow>();
  private readonly offs: (() => void)[] = [];
  private readonly clock: FeedClock;
  private intervalMs: number;
  private timer: unknown;
  private lastFlush = -Infinity;
  private seq = 0;
  private state: RunStatusBody['state'] = 'running';
  private stoppedAt?: RunStatusBody['stoppedAt'];
  private ready?: RunStatusBody['ready'];
  private finalStats?: RunStats;
  private statusChanged = false;
  private disposed = false;

  constructor(
    private readonly o: {
      events: RuntimeEventEmitter;
      view: RunView;
      probe: RunProbe;
      sink: FeedSink;
      maxBatchesPerSecond?: number;
      /** The run is held now (the feed was made while the debugger is stopped). */
      paused?: boolean;
      clock?: FeedClock;
    },
  ) {
    this.runId = o.view.runId;
    this.clock = o.clock ?? realClock;
    this.intervalMs = 1000 / batchRate(o.maxBatchesPerSecond);
    if (o.paused) this.state = 'paused';
    // a run may end before anyone subscribes (a short one ends inside the call that starts it)
    if (o.view.finished) {
      this.state = o.view.finished.status;
      this.finalStats = o.view.finished.stats;
    }
    const ev = o.events;
    const mine = (e: { runId: string }) => e.runId === this.runId;
    // the view says which records change (no listener per node event here: thousands a second)
    this.offs.push(
      o.view.watchNodes((r) => {
        this.dirty.add(r);
        if (this.timer === undefined) this.schedule();
      }),
      ev.on('frame:entered', (f) => {
        if (!mine(f)) return;
        const compiled = f.kind === 'plan' ? o.probe.frameFlow(f.frameId) : undefined;
        const graph = compiled ? graphFlow(compiled.graph, compiled) : undefined;
        if (graph) this.plans.set(f.frameId, graph);
        this.frameStarts.push({ frame: frameOnly(f), ...(graph ? { graph } : {}) });
        this.schedule();
      }),
      ev.on('frame:exited', (f) => {
        if (!mine(f)) return;
        this.frameEnds.push({ frame: frameOnly(f), outcome: f.outcome });
        this.schedule();
      }),
      ev.on('scheduler:paused', (e) => {
        if (!mine(e)) return;
        this.state = 'paused';
        this.stoppedAt = e.node ? toPlace(e.node) : undefined;
        this.ready = e.ready.map(toPlace);
        this.statusChanged = true;
        this.flush();
      }),
      ev.on('scheduler:resumed', (e) => {
        if (!mine(e) || this.finalStats) return;
        this.state = 'running';
        this.stoppedAt = undefined;
        this.ready = undefined;
        this.statusChanged = true;
        this.flush();
      }),
      ev.on('run:finished', (e) => {
        if (!mine(e)) return;
        this.state = e.status;
        this.stoppedAt = undefined;
        this.ready = undefined;
        this.finalStats = e.stats;
        this.statusChanged = true;
        this.flush();
      }),
    );
  }

  /** Changes the rate (subscribing again). */
  setRate(maxBatchesPerSecond: number | undefined): void {
    this.intervalMs = 1000 / batchRate(maxBatchesPerSecond);
  }

  /**
   * The debugger stopped here (a step, a breakpoint, an exception: not every stop is a scheduler
   * pause): the status says where, at once.
   */
  stopped(at: NodeRef | undefined, ready: NodeRef[]): void {
    if (this.finalStats) return;
    // the scheduler's pause already said so (most stops are one): nothing new to send
    if (this.state === 'paused' && samePlace(this.stoppedAt, at) && this.ready?.length === ready.length && !this.dirty.size) return;
    this.state = 'paused';
    this.stoppedAt = at ? toPlace(at) : undefined;
    this.ready = ready.map(toPlace);
    this.statusChanged = true;
    this.flush();
  }

  /**
   * Everything known now: every node execution's latest state (seq 0), the live frames, the PLAN
   * graphs so far and the run's status. Pending changes are part of it, so the next batch holds
   * only what changes after.
   */
  snapshot(): FeedSnapshot {
    this.takePending();
    const view = this.o.view;
    return {
      snapshot: this.batch(this.seq, view.nodes.values()),
      frames: [...view.frames.values()].map(frameOnly).sort((a, b) => a.frameId - b.frameId),
      plans: [...this.plans].map(([frameId, graph]) => ({ frameId, graph })),
      run: this.status(),
    };
  }

  /** The run's status now. */
  status(): RunStatusBody {
    const live = this.finalStats ? undefined : this.o.probe.liveStats();
    const s = this.finalStats ?? (live as RunStats);
    return {
      runId: this.runId,
      state: this.state,
      ...(this.stoppedAt ? { stoppedAt: this.stoppedAt } : {}),
      ...(this.ready ? { ready: this.ready } : {}),
      stats: {
        nodesTotal: s.nodesTotal,
        nodesDone: s.nodesExecuted,
        nodesFailed: s.nodesFailed,
        nodesSkipped: s.nodesSkipped,
        running: live?.running ?? 0,
        llmCalls: s.llmCalls,
        tokens: s.totalTokens,
        ...(s.cost !== undefined ? { cost: s.cost } : {}),
        elapsedMs: Math.round(s.durationMs),
      },
    };
  }

  /** Sends what changed since the last batch, now: frames started, one batch, frames ended, the run's status. */
  flush(): void {
    if (this.disposed) return;
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    const hasChanges = this.dirty.size > 0;
    if (!hasChanges && !this.frameStarts.length && !this.frameEnds.length && !this.statusChanged) return;
    this.lastFlush = this.clock.now();
    const sink = this.o.sink;
    // frames first, then their nodes, then the ends: a client never sees a node of a frame it does not know
    for (const f of this.frameStarts.splice(0)) sink.frameStarted(f);
    if (hasChanges) {
      const batch = this.batch(++this.seq, this.dirty);
      this.dirty.clear();
      sink.nodeStatus(batch);
    }
    for (const f of this.frameEnds.splice(0)) sink.frameEnded(f);
    this.statusChanged = false;
    sink.runStatus(this.status());
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const off of this.offs.splice(0)) off();
  }

  /** A flush at most once per interval, except while the run is held: then what changes (a step) is shown at once. */
  private schedule(): void {
    if (this.timer !== undefined || this.disposed) return;
    const wait = this.state === 'paused' ? 0 : Math.max(0, this.lastFlush + this.intervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  /** The snapshot covers what was pending: frames already listed, node states included. */
  private takePending(): void {
    this.dirty.clear();
    this.frameStarts.length = 0;
    this.frameEnds.length = 0;
  }

  /** A batch of these executions' latest states, in the compact form (nodeStatus.ts). */
  private batch(seq: number, records: Iterable<NodeRecord>): NodeStatusBatch {
    const enc = new NodeStatusEncoder();
    const t0 = this.o.view.startedAt;
    for (const r of records) {
      const { ref } = r;
      enc.add(
        ref.frameId,
        ref.nodeId,
        ref.flow,
        r.state,
        r.startedAt !== undefined ? Math.max(0, r.startedAt - t0) : undefined,
        r.durationMs,
        r.tokens || undefined,
        r.unpriced ? undefined : r.cost,
      );
    }
    return { runId: this.runId, seq, ...enc.columns() };
  }
}

const samePlace = (a: { frameId: number; nodeId: number } | undefined, b: NodeRef | undefined) =>
  a === undefined ? b === undefined : b !== undefined && a.frameId === b.frameId && a.nodeId === b.nodeId;

/** A frame event without the run's values (frame:exited carries the frame's result). */
function frameOnly(f: FrameRef): FrameRef {
  return {
    runId: f.runId,
    frameId: f.frameId,
    ...(f.parentFrameId !== undefined ? { parentFrameId: f.parentFrameId } : {}),
    kind: f.kind,
    flow: f.flow,
    label: f.label,
    ...(f.callerNodeId !== undefined ? { callerNodeId: f.callerNodeId } : {}),
    ...(f.iteration !== undefined ? { iteration: f.iteration } : {}),
  };
}
