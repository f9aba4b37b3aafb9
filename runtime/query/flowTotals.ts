/**
 * A run's totals per flow, for the editor's CodeLens above each flow: how often it was called, the
 * wall time of its calls (time the debugger held the run left out), and the tokens and cost of the
 * LLM calls made inside them, callees included (as a profiler's "total"). Built from frame and LLM
 * events; one Map operation per frame, so it is kept for every debugged run.
 */
import { parseExecId, type FrameRef, type RunStatus, type RuntimeEventEmitter } from '../events.js';

export interface FlowTotal {
  /** `Agent.flow`. */
  flow: string;
  /** The file the flow was loaded from, when known. */
  file?: string;
  calls: number;
  /** Wall time of its calls, less the time the run was held (a recursive call counts once, in its outermost one). */
  latencyMs: number;
  llmCalls: number;
  tokens: number;
  /** US dollars; absent when one of its calls' models has no price. */
  cost?: number;
}

export interface FlowTotalsBody {
  runId: string;
  status: RunStatus;
  flows: FlowTotal[];
}

interface Open {
  ref: FrameRef;
  startedAt: number;
  pausedAtStart: number;
}

export class FlowTotals {
  private readonly totals = new Map<string, FlowTotal & { unpriced?: boolean }>();
  private readonly open = new Map<number, Open>();
  private pausedMs = 0;
  private pausedSince?: number;
  private readonly offs: (() => void)[] = [];

  constructor(
    events: RuntimeEventEmitter,
    readonly runId: string,
    private readonly o: {
      fileOf?: (flow: string) => string | undefined;
      now?: () => number;
      onFinished?: (body: FlowTotalsBody) => void;
    } = {},
  ) {
    const now = o.now ?? (() => performance.now());
    const mine = (e: { runId: string }) => e.runId === runId;
    this.offs.push(
      events.on('frame:entered', (e) => {
        if (!mine(e)) return;
        this.open.set(e.frameId, { ref: e, startedAt: now(), pausedAtStart: this.paused(now()) });
        if (e.kind === 'flow') this.total(e.flow).calls++;
      }),
      events.on('frame:exited', (e) => {
        const f = mine(e) ? this.open.get(e.frameId) : undefined;
        if (!f) return;
        this.open.delete(e.frameId);
        // a recursive call's time is already inside its outermost call's
        if (f.ref.kind === 'flow' && !this.flowsAbove(f.ref).has(f.ref.flow)) {
          const t = now();
          this.total(f.ref.flow).latencyMs += t - f.startedAt - (this.paused(t) - f.pausedAtStart);
        }
      }),
      events.on('llm:response', (e) => {
        if (!mine(e)) return;
        const [frameId] = parseExecId(e.nodeExecId);
        const frame = frameId !== null ? this.open.get(frameId)?.ref : undefined;
        if (!frame) return;
        // each flow on the call's stack once: a recursive flow is not charged twice
        for (const flow of new Set([frame.flow, ...this.flowsAbove(frame)])) {
          const t = this.total(flow);
          t.llmCalls++;
          t.tokens += e.usage.totalTokens;
          if (e.cost === undefined) t.unpriced = true;
          else t.cost = (t.cost ?? 0) + e.cost;
        }
      }),
      events.on('scheduler:paused', (e) => {
        if (mine(e) && this.pausedSince === undefined) this.pausedSince = now();
      }),
      events.on('scheduler:resumed', (e) => {
        if (!mine(e) || this.pausedSince === undefined) return;
        this.pausedMs += now() - this.pausedSince;
        this.pausedSince = undefined;
      }),
      events.on('run:finished', (e) => {
        if (mine(e)) o.onFinished?.({ runId, status: e.status, flows: this.flows() });
      }),
    );
  }

  /** Per flow, in the order they were first called. */
  flows(): FlowTotal[] {
    return [...this.totals.values()].map(({ unpriced, cost, latencyMs, ...t }) => ({
      ...t,
      latencyMs: Math.round(latencyMs),
      ...(cost !== undefined && !unpriced ? { cost } : {}),
    }));
  }

  dispose(): void {
    for (const off of this.offs.splice(0)) off();
  }

  private paused(t: number): number {
    return this.pausedMs + (this.pausedSince !== undefined ? t - this.pausedSince : 0);
  }

  private total(flow: string): FlowTotal & { unpriced?: boolean } {
    let t = this.totals.get(flow);
    if (!t) {
      const file = this.o.fileOf?.(flow);
      t = { flow, ...(file ? { file } : {}), calls: 0, latencyMs: 0, llmCalls: 0, tokens: 0 };
      this.totals.set(flow, t);
    }
    return t;
  }

  /** The flows of the frames above `frame` (its callers, and the flows its loops are in). */
  private flowsAbove(frame: FrameRef): Set<string> {
    const flows = new Set<string>();
    for (let p = this.parentOf(frame); p; p = this.parentOf(p)) flows.add(p.flow);
    return flows;
  }

  private parentOf(f: FrameRef): FrameRef | undefined {
    return f.parentFrameId !== undefined ? this.open.get(f.parentFrameId)?.ref : undefined;
  }
}
