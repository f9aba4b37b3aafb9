/**
 * Everything the engine reports while it runs. The debug adapter, the CLI summary, the episodic
 * recorder and the DAG view all subscribe here; the runtime knows nothing of DAP.
 */
import { EventEmitter } from 'node:events';
import type { SerializedError } from './errors.js';
import type { SourceRange } from './graph/types.js';
import type { LlmPhase, TokenUsage } from './llm/types.js';
import type { Value } from './values/value.js';

export type RunStatus = 'succeeded' | 'failed' | 'cancelled';

/** `<runId>:<frame>:<node>` → [frame, node]; [null, null] for run-level ids. */
export function parseExecId(nodeExecId: string): [number | null, number | null] {
  const parts = nodeExecId.split(':');
  if (parts.length < 3) return [null, null];
  const frame = Number(parts[parts.length - 2]);
  const node = Number(parts[parts.length - 1]);
  return Number.isFinite(frame) && Number.isFinite(node) ? [frame, node] : [null, null];
}

/** Identifies one execution of one node: a node can run once per frame (flow call, loop iteration). */
export interface NodeRef {
  runId: string;
  frameId: number;
  nodeId: number;
  /** `<runId>:<frameId>:<nodeId>`. */
  nodeExecId: string;
  op: string;
  name: string;
  /** `Agent.flow` of the frame. */
  flow: string;
  source?: SourceRange;
}

export interface FrameRef {
  runId: string;
  frameId: number;
  parentFrameId?: number;
  kind: 'flow' | 'loop' | 'plan' | 'region' | 'message';
  flow: string;
  /** Human-readable: `TripPlanner.main`, `loop 4 · iteration 2`. */
  label: string;
  /** Node in the parent frame that opened this frame (FLOW_CALL, LOOP_END, PLAN...). */
  callerNodeId?: number;
  iteration?: number;
}

export interface RuntimeEvents {
  'run:started': { runId: string; program: string; flow: string; args: Record<string, Value>; nodeCount: number; maxParallelism: number };
  'run:finished': { runId: string; status: RunStatus; result?: Value; error?: SerializedError; durationMs: number; stats: RunStats };
  'frame:entered': FrameRef;
  'frame:exited': FrameRef & { outcome: 'succeeded' | 'failed' | 'cancelled'; result?: Value };
  'node:ready': NodeRef & { priority: number };
  'node:started': NodeRef & { inputs: Value[]; attempt: number; startedAt: number };
  /** `replayed`: settled from an earlier attempt's recorded output (a continued run), not run again. */
  'node:finished': NodeRef & { inputs: Value[]; output: Value; startedAt: number; durationMs: number; tokens: number; replayed: boolean };
  'node:failed': NodeRef & { inputs: Value[]; error: SerializedError; startedAt: number; durationMs: number; handled: boolean };
  'node:skipped': NodeRef & { reason: 'branch-not-taken' | 'guard' | 'try-aborted' | 'cancelled' | 'upstream-skipped' };
  'memory:read': { runId: string; nodeExecId: string; tier: 'stm' | 'ltm' | 'episodic'; key?: string; query?: string; hits?: number };
  'memory:write': { runId: string; nodeExecId: string; tier: 'stm' | 'ltm' | 'episodic'; key: string; value: Value };
  'llm:request': {
    runId: string;
    nodeExecId: string;
    phase: LlmPhase;
    provider: string;
    model: string;
    messages: { role: string; content: string }[];
    attempt: number;
  };
  'llm:delta': { runId: string; nodeExecId: string; text: string };
  'llm:response': {
    runId: string;
    nodeExecId: string;
    phase: LlmPhase;
    provider: string;
    model: string;
    content: string;
    usage: TokenUsage;
    /** US dollars by the price table; absent when the model has no price. */
    cost?: number;
    latencyMs: number;
    simulated: boolean;
  };
  'llm:retry': { runId: string; nodeExecId: string; phase: LlmPhase; attempt: number; delayMs: number; error: SerializedError };
  'capability:call': { runId: string; nodeExecId: string; name: string; params: Value };
  'capability:result': { runId: string; nodeExecId: string; name: string; result?: Value; error?: SerializedError; durationMs: number };
  print: { runId: string; nodeExecId: string; text: string };
  'human:input-requested': { runId: string; nodeExecId: string; checkpointId: string; message: string; displayData: Value };
  'scheduler:paused': { runId: string; reason: 'request' | 'breakpoint' | 'step' | 'entry'; node?: NodeRef; ready: NodeRef[] };
  'scheduler:resumed': { runId: string };
  warning: { runId: string; nodeExecId?: string; message: string };
}

export interface RunStats {
  nodesTotal: number;
  nodesExecuted: number;
  nodesFailed: number;
  nodesSkipped: number;
  durationMs: number;
  llmCalls: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** US dollars of the LLM calls by the price table; absent once a call's model had no price. */
  cost?: number;
  maxParallelism: number;
  /** Time-weighted mean number of nodes in flight while at least one was. */
  avgParallelism: number;
  retries: number;
  frames: number;
}

export type RuntimeEventName = keyof RuntimeEvents;

/** A typed EventEmitter: `on('node:started', (e) => ...)` is checked against RuntimeEvents. */
export class RuntimeEventEmitter {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(100);
  }
  /** Listener counts by event name, kept here so `hasListeners` (asked several times per node) is one property read. */
  private readonly counts: Partial<Record<RuntimeEventName, number>> = {};
  /** Changes whenever a listener is added or removed: lets a hot loop cache `hasListeners` answers. */
  version = 0;
  private recount(name: RuntimeEventName): void {
    this.counts[name] = this.emitter.listenerCount(name);
    this.version++;
  }
  on<K extends RuntimeEventName>(name: K, listener: (e: RuntimeEvents[K]) => void): () => void {
    this.emitter.on(name, listener as (e: unknown) => void);
    this.recount(name);
    return () => {
      this.emitter.off(name, listener as (e: unknown) => void);
      this.recount(name);
    };
  }
  once<K extends RuntimeEventName>(name: K, listener: (e: RuntimeEvents[K]) => void): () => void {
    const wrapped = (e: unknown) => {
      this.emitter.off(name, wrapped);
      this.recount(name);
      (listener as (e: unknown) => void)(e);
    };
    this.emitter.on(name, wrapped);
    this.recount(name);
    return () => {
      this.emitter.off(name, wrapped);
      this.recount(name);
    };
  }
  /** Listens to every event (for recorders and loggers). */
  onAny(listener: <K extends RuntimeEventName>(name: K, e: RuntimeEvents[K]) => void): () => void {
    this.anyListeners.push(listener);
    this.version++;
    return () => {
      this.anyListeners = this.anyListeners.filter((l) => l !== listener);
      this.version++;
    };
  }
  private anyListeners: (<K extends RuntimeEventName>(name: K, e: RuntimeEvents[K]) => void)[] = [];
  hasListeners(name: RuntimeEventName): boolean {
    return this.anyListeners.length > 0 || (this.counts[name] ?? 0) > 0;
  }
  emit<K extends RuntimeEventName>(name: K, e: RuntimeEvents[K]): void {
    for (const l of this.anyListeners) l(name, e);
    this.emitter.emit(name, e);
  }
  removeAll(): void {
    this.emitter.removeAllListeners();
    for (const name of Object.keys(this.counts) as RuntimeEventName[]) this.counts[name] = 0;
    this.anyListeners = [];
    this.version++;
  }
}
