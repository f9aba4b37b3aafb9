/**
 * What the debugger knows of a live run, built from the runtime's events: live frames (and the
 * flow activation each belongs to — one DAP thread per activation), nodes in flight, and per node
 * execution its inputs, output, timing and tokens. Disposable: it unsubscribes when the session ends.
 */
import type { FrameRef, NodeRef, RuntimeEventEmitter } from '../runtime/events.js';
import type { SerializedError } from '../runtime/errors.js';
import type { Value } from '../runtime/values/value.js';

export interface NodeRecord {
  ref: NodeRef;
  inputs?: Value[];
  output?: Value;
  error?: SerializedError;
  state: 'ready' | 'running' | 'succeeded' | 'failed' | 'skipped';
  startedAt?: number;
  durationMs?: number;
  tokens?: number;
  /** The prompt of its last LLM call, when it made one. */
  prompt?: { role: string; content: string }[];
  reply?: string;
}

const MAX_RECORDS = 20_000;

export class RunView {
  readonly frames = new Map<number, FrameRef>();
  readonly nodes = new Map<string, NodeRecord>();
  tokens = 0;
  llmCalls = 0;
  private readonly offs: (() => void)[] = [];

  constructor(
    events: RuntimeEventEmitter,
    readonly runId: string,
  ) {
    const mine = (e: { runId: string }) => e.runId === runId;
    this.offs.push(
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
        if (mine(e)) Object.assign(this.record(e), { state: 'running', inputs: e.inputs, startedAt: e.startedAt });
      }),
      events.on('node:finished', (e) => {
        if (mine(e))
          Object.assign(this.record(e), {
            state: 'succeeded',
            inputs: e.inputs,
            output: e.output,
            durationMs: e.durationMs,
            tokens: e.tokens,
          });
      }),
      events.on('node:failed', (e) => {
        if (mine(e)) Object.assign(this.record(e), { state: 'failed', inputs: e.inputs, error: e.error, durationMs: e.durationMs });
      }),
      events.on('node:skipped', (e) => {
        if (mine(e)) this.record(e).state = 'skipped';
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
        if (r) r.reply = e.content;
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
    return r;
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
