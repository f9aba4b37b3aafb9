/**
 * What the debugger knows of a live run, built from the runtime's events: live frames (and the
 * flow activation each belongs to — one DAP thread per activation), nodes in flight, and per node
 * execution its inputs, output, timing and tokens. Disposable: it unsubscribes when the session ends.
 * The one record the debug adapter's views and the live-status and node-detail queries read.
 */
import type { FrameRef, NodeRef, RunStats, RunStatus, RuntimeEventEmitter } from '../events.js';
import type { SerializedError } from '../errors.js';
import type { Value } from '../values/value.js';

export interface NodeRecord {
  ref: NodeRef;
  inputs?: Value[];
  output?: Value;
  error?: SerializedError;
  state: 'ready' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'replayed';
  startedAt?: number;
  durationMs?: number;
  tokens?: number;
  /** US dollars of its LLM calls; undefined when it made none, or one of a model with no price (`unpriced`). */
  cost?: number;
  unpriced?: boolean;
  /** The prompt of its last LLM call, when it made one. */
  prompt?: { role: string; content: string }[];
  reply?: string;
  /** A replay session served one of its LLM replies or tool results from the recording. */
  fromRecording?: boolean;
}

export interface RunViewOptions {
  /**
   * The run re-executes a recording (the adapter's replay launch): a node that succeeds after an
   * LLM reply or tool result served from the recording shows as `replayed`; ops that only compute
   * from their inputs ran again and show as `succeeded`.
   */
  replay?: boolean;
}

const MAX_RECORDS = 20_000;

export class RunView {
  readonly frames = new Map<number, FrameRef>();
  readonly nodes = new Map<string, NodeRecord>();
  tokens = 0;
  llmCalls = 0;
  /** Wall-clock time (ms since the epoch) the run started; node times are shown relative to it. */
  startedAt = Date.now();
  /** How the run ended, once it has. */
  finished?: { status: RunStatus; stats: RunStats };
  /** Executions of each node so far, by `flow#nodeId` (records of old executions may have been forgotten). */
  private readonly runs = new Map<string, number>();
  private readonly offs: (() => void)[] = [];
  /** Told of each node record an event is about to change (the live status feed's dirty set). */
  private watchers: ((r: NodeRecord) => void)[] = [];

  constructor(
    events: RuntimeEventEmitter,
    readonly runId: string,
    options: RunViewOptions = {},
  ) {
    const mine = (e: { runId: string }) => e.runId === runId;
    if (options.replay)
      this.offs.push(
        events.on('capability:result', (e) => {
          const r = mine(e) ? this.nodes.get(e.nodeExecId) : undefined;
          if (r) r.fromRecording = true;
        }),
      );
    this.offs.push(
      events.on('run:started', (e) => {
        if (mine(e)) this.startedAt = Date.now();
      }),
      events.on('run:finished', (e) => {
        if (mine(e)) this.finished = { status: e.status, stats: e.stats };
      }),
      events.on('frame:entered', (e) => {
        if (mine(e)) this.frames.set(e.frameId, e);
      }),
      events.on('frame:exited', (e) => {
        if (mine(e)) this.frames.delete(e.frameId);
      }),
      events.on('node:ready', (e) => {
        if (mine(e)) this.record(e).state = 'ready';
      }),
      events.on('node:started', (e) => {
        if (!mine(e)) return;
        Object.assign(this.record(e), { state: 'running', inputs: e.inputs, startedAt: e.startedAt });
        const key = `${e.flow}#${e.nodeId}`;
        this.runs.set(key, (this.runs.get(key) ?? 0) + 1);
      }),
      events.on('node:finished', (e) => {
        if (!mine(e)) return;
        const r = this.record(e);
        // settled from an earlier attempt's output (a continued run), or from a replay's recording
        const replayed = e.replayed || (options.replay === true && r.fromRecording === true);
        Object.assign(r, {
          state: replayed ? 'replayed' : 'succeeded',
          startedAt: e.startedAt,
          inputs: e.inputs,
          output: e.output,
          durationMs: e.durationMs,
          tokens: e.tokens,
        });
      }),
      events.on('node:failed', (e) => {
        if (mine(e))
          Object.assign(this.record(e), {
            state: 'failed',
            inputs: e.inputs,
            error: e.error,
            startedAt: e.startedAt,
            durationMs: e.durationMs,
          });
      }),
      events.on('node:skipped', (e) => {
        // a node stopped by the run's (or its frame's) cancellation is not one the program chose to skip
        if (mine(e)) this.record(e).state = e.reason === 'cancelled' ? 'cancelled' : 'skipped';
      }),
      events.on('llm:request', (e) => {
        const r = mine(e) ? this.nodes.get(e.nodeExecId) : undefined;
        if (r) r.prompt = e.messages;
      }),
      events.on('llm:response', (e) => {
        if (!mine(e)) return;
        this.llmCalls++;
        this.tokens += e.usage.totalTokens;
        const r = this.nodes.get(e.nodeExecId);
        if (!r) return;
        r.reply = e.content;
        if (e.cost === undefined) r.unpriced = true;
        else r.cost = (r.cost ?? 0) + e.cost;
        if (options.replay) r.fromRecording = true;
      }),
    );
  }

  private record(ref: NodeRef): NodeRecord {
    let r = this.nodes.get(ref.nodeExecId);
    if (!r) {
      if (this.nodes.size >= MAX_RECORDS) {
        // forget the oldest finished executions first (a long loop must not grow without bound)
        for (const [k, v] of this.nodes)
          if (v.state !== 'running' && v.state !== 'ready') {
            this.nodes.delete(k);
            break;
          }
      }
      r = { ref, state: 'ready' };
      this.nodes.set(ref.nodeExecId, r);
    }
    for (const w of this.watchers) w(r);
    return r;
  }

  /**
   * Calls `changed` with each node record a node event changes, before it changes it (so read it
   * later, not in the call). One call per event, in the view's own listener: a watcher adds no
   * listener of its own to the run's events.
   */
  watchNodes(changed: (r: NodeRecord) => void): () => void {
    this.watchers = [...this.watchers, changed];
    return () => {
      this.watchers = this.watchers.filter((w) => w !== changed);
    };
  }

  /** How many times node `nodeId` of `flow` has started in this run. */
  executions(flow: string, nodeId: number): number {
    return this.runs.get(`${flow}#${nodeId}`) ?? 0;
  }

  /** The flow activation a frame belongs to (loop iterations belong to their flow's activation). */
  activationOf(frameId: number): number {
    let f = this.frames.get(frameId);
    while (f && (f.kind === 'loop' || f.kind === 'region') && f.parentFrameId !== undefined) {
      const parent = this.frames.get(f.parentFrameId);
      if (!parent) break;
      f = parent;
    }
    return f?.frameId ?? frameId;
  }

  /** Live flow activations: the debugger's threads. */
  activations(): FrameRef[] {
    return [...this.frames.values()].filter((f) => f.kind !== 'loop' && f.kind !== 'region').sort((a, b) => a.frameId - b.frameId);
  }

  running(): NodeRecord[] {
    return [...this.nodes.values()].filter((r) => r.state === 'running');
  }

  dispose(): void {
    for (const off of this.offs.splice(0)) off();
  }
}
