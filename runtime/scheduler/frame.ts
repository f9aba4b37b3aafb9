/**
 * A frame is one activation of (part of) a flow: the entry flow, a FLOW_CALL's callee, one loop
 * iteration, a PLAN's generated graph. Frames are the debugger's call stack.
 */
import type { CancellationSource } from '../cancellation.js';
import type { ApxmError } from '../errors.js';
import type { FrameRef } from '../events.js';
import type { CompiledFlow, FrameLayout, LoopRegion } from '../graph/compileFlow.js';
import type { Value } from '../values/value.js';

/** A skipped token: the producer was skipped (branch not taken, guard skip, try aborted). */
export const SKIPPED: unique symbol = Symbol('skipped');
export type Slot = Value | typeof SKIPPED | undefined;

export const enum NodeState {
  Inactive = 0,
  Pending = 1,
  Ready = 2,
  Running = 3,
  Done = 4,
  Skipped = 5,
  Failed = 6,
}

export type FrameOutcome = { ok: true; value: Value } | { ok: false; error: ApxmError; cancelled?: boolean };

export interface LoopIteration {
  loop: LoopRegion;
  index: number;
  item: Value;
}

export class Frame {
  readonly state: Uint8Array;
  readonly pending: Int32Array;
  readonly skippedIn: Int32Array;
  /** Data inputs of every node, flat: node i's are at flow.inputBase[i] ... */
  readonly slots: Slot[];
  /** LOOP_END idx → the values its loop's iterations returned (its input once the loop is done). */
  loopResults: Map<number, Value[]> | undefined;
  readonly outputs: Value[];
  remaining = 0;
  /** The ready-queue bucket of the flow's highest priority level (set when the frame opens). */
  bucketBase = 0;
  /** Iteration frames: values flowing into the loop's LOOP_END, by exit edge order. */
  exitSlots: Slot[] = [];
  exitPending = 0;
  returnValue: Value | undefined;
  hasReturn = false;
  settled = false;
  /** TRY_CATCH idx → nodes of its try region still unsettled in this frame. */
  readonly tryUnsettled = new Map<number, number>();
  readonly tryFailure = new Map<number, ApxmError>();
  /** LOOP_START idx → state of the loop it runs. */
  readonly loops = new Map<number, { iterations: Value[]; results: Value[]; index: number }>();
  readonly children = new Set<Frame>();
  /** Node idx → cancellation of its running handler. */
  readonly running = new Map<number, CancellationSource>();

  constructor(
    readonly id: number,
    readonly kind: FrameRef['kind'],
    readonly flow: CompiledFlow,
    readonly nodes: readonly number[],
    readonly params: Record<string, Value>,
    readonly paramList: Value[],
    layout: FrameLayout,
    readonly onSettled: (outcome: FrameOutcome) => void,
    readonly parent?: Frame,
    readonly callerIdx?: number,
    readonly iteration?: LoopIteration,
    readonly depth = 0,
  ) {
    const n = flow.nodes.length;
    // One buffer for the three counters: a frame of a 100k-node flow opens with one allocation, not three.
    const buffer = new ArrayBuffer(n * 9);
    this.pending = new Int32Array(buffer, 0, n);
    this.skippedIn = new Int32Array(buffer, n * 4, n);
    this.state = new Uint8Array(buffer, n * 8, n);
    this.pending.set(layout.pending);
    this.state.set(layout.members); // members are 1, NodeState.Pending; the rest 0, Inactive
    this.slots = new Array<Slot>(flow.inputBase[n]);
    this.outputs = new Array<Value>(n);
    this.remaining = nodes.length;
  }

  isActive(idx: number): boolean {
    return this.state[idx] !== NodeState.Inactive;
  }

  get label(): string {
    if (this.iteration)
      return `${this.flow.graph.qualifiedName} · loop ${this.flow.nodes[this.iteration.loop.start].id} iteration ${this.iteration.index + 1}`;
    return this.flow.graph.qualifiedName;
  }

  /** The value of node `idx`'s output as seen from this frame (own frame first, then enclosing ones). */
  outputOf(idx: number): Slot {
    for (let f: Frame | undefined = this; f; f = f.iteration ? f.parent : undefined) {
      if (f.flow !== this.flow) break;
      const s = f.state[idx];
      if (s === NodeState.Done) return f.outputs[idx];
      if (s === NodeState.Skipped || s === NodeState.Failed) return SKIPPED;
      if (s !== NodeState.Inactive) return undefined;
    }
    return undefined;
  }
}
