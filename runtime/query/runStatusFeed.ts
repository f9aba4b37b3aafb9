/**
 * The run's status alone, for a view that shows progress without the graph (VS Code's status bar):
 * ops done/total, tokens and elapsed time, sent on a timer at most `maxPerSecond` times a second
 * while the run goes, and at once when it stops, goes on or ends. It listens to no per-op event
 * (the timer reads the execution's running totals), and exists only while someone subscribes.
 */
import type { NodeRef, RunStats, RunStatus, RuntimeEventEmitter } from '../events.js';
import type { RunStatusBody } from './nodeStatus.js';

/** What the feed reads from the running execution (runtime/scheduler/execution.ts). */
export interface RunTotals {
  liveStats(): RunStats & { running: number };
}

/** Timers, replaceable in tests. */
export interface StatusClock {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const realClock: StatusClock = {
  setInterval: (fn, ms) => {
    const t = setInterval(fn, ms);
    t.unref(); // a status tick never keeps the process alive
    return t;
  },
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export const MAX_STATUS_PER_SECOND = 2;

/** A rate in 1..MAX_STATUS_PER_SECOND updates a second (anything else is clamped there). */
export function statusRate(n: number | undefined): number {
  if (n === undefined || !Number.isFinite(n)) return MAX_STATUS_PER_SECOND;
  return Math.min(MAX_STATUS_PER_SECOND, Math.max(1, Math.round(n)));
}

type Place = { frameId: number; nodeId: number; flow: string };
const toPlace = (n: NodeRef): Place => ({ frameId: n.frameId, nodeId: n.nodeId, flow: n.flow });

/** A run's status body from its totals (the node status feed's `apxm/runStatus` has the same shape). */
export function runStatusBody(
  runId: string,
  state: RunStatusBody['state'],
  s: RunStats,
  running: number,
  place: { stoppedAt?: Place; ready?: Place[] } = {},
): RunStatusBody {
  return {
    runId,
    state,
    ...(place.stoppedAt ? { stoppedAt: place.stoppedAt } : {}),
    ...(place.ready ? { ready: place.ready } : {}),
    stats: {
      nodesTotal: s.nodesTotal,
      nodesDone: s.nodesExecuted,
      nodesFailed: s.nodesFailed,
      nodesSkipped: s.nodesSkipped,
      running,
      llmCalls: s.llmCalls,
      tokens: s.totalTokens,
      ...(s.cost !== undefined ? { cost: s.cost } : {}),
      elapsedMs: Math.round(s.durationMs),
    },
  };
}

export class RunStatusFeed {
  private state: RunStatusBody['state'] = 'running';
  private stoppedAt?: Place;
  private ready?: Place[];
  private final?: RunStats;
  private timer: unknown;
  private intervalMs: number;
  private readonly offs: (() => void)[] = [];
  private readonly clock: StatusClock;
  private disposed = false;

  constructor(
    private readonly o: {
      runId: string;
      events: RuntimeEventEmitter;
      totals: RunTotals;
      send: (status: RunStatusBody) => void;
      maxPerSecond?: number;
      /** The run is held now (subscribed while the debugger is stopped), there, with those ops ready. */
      paused?: { at?: NodeRef; ready: NodeRef[] };
      /** The run ended before the subscription. */
      finished?: { status: RunStatus; stats: RunStats };
      clock?: StatusClock;
    },
  ) {
    this.clock = o.clock ?? realClock;
    this.intervalMs = 1000 / statusRate(o.maxPerSecond);
    if (o.finished) {
      this.state = o.finished.status;
      this.final = o.finished.stats;
      return; // nothing more will change
    }
    if (o.paused) {
      this.state = 'paused';
      this.stoppedAt = o.paused.at ? toPlace(o.paused.at) : undefined;
      this.ready = o.paused.ready.map(toPlace);
    }
    const mine = (e: { runId: string }) => e.runId === o.runId;
    this.offs.push(
      o.events.on('scheduler:paused', (e) => {
        if (mine(e)) this.hold(e.node, e.ready);
      }),
      o.events.on('scheduler:resumed', (e) => {
        if (!mine(e) || this.final) return;
        this.state = 'running';
        this.stoppedAt = this.ready = undefined;
        this.changed();
      }),
      o.events.on('run:finished', (e) => {
        if (!mine(e)) return;
        this.state = e.status;
        this.stoppedAt = this.ready = undefined;
        this.final = e.stats;
        this.changed();
        this.dispose(); // the last word of this run
      }),
    );
    this.tick();
  }

  /** The debugger stopped here (not every stop is a scheduler pause): said at once, then no ticks until it goes on. */
  stopped(at: NodeRef | undefined, ready: NodeRef[]): void {
    if (!this.final && !this.disposed) this.hold(at, ready);
  }

  setRate(maxPerSecond: number | undefined): void {
    this.intervalMs = 1000 / statusRate(maxPerSecond);
    this.tick();
  }

  status(): RunStatusBody {
    if (this.final) return runStatusBody(this.o.runId, this.state, this.final, 0);
    const live = this.o.totals.liveStats();
    return runStatusBody(this.o.runId, this.state, live, live.running, { stoppedAt: this.stoppedAt, ready: this.ready });
  }

  dispose(): void {
    this.disposed = true;
    this.stopTicks();
    for (const off of this.offs.splice(0)) off();
  }

  private hold(at: NodeRef | undefined, ready: NodeRef[]): void {
    this.state = 'paused';
    this.stoppedAt = at ? toPlace(at) : undefined;
    this.ready = ready.map(toPlace);
    this.changed();
  }

  /** Sends the status now and ticks only while the run goes (a held run's totals do not change). */
  private changed(): void {
    if (this.disposed) return;
    this.o.send(this.status());
    this.tick();
  }

  private tick(): void {
    this.stopTicks();
    if (this.disposed || this.state !== 'running') return;
    this.timer = this.clock.setInterval(() => this.o.send(this.status()), this.intervalMs);
  }

  private stopTicks(): void {
    if (this.timer !== undefined) this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }
}
