/**
 * The scheduler's control surface, what a debugger drives: hold and go on, start one chosen ready
 * node, and read where the run is (ready nodes, a frame's call chain and outputs) or change a
 * waiting node's input. The scheduler's hot path only reads `paused` and takes step requests from
 * here; everything else runs when a debugger asks.
 */
import type { NodeRef, RuntimeEvents } from '../events.js';
import type { Value } from '../values/value.js';
import { NodeState, SKIPPED, type Frame } from './frame.js';

/** One frame of a node's call stack. */
export interface FrameLink {
  frameId: number;
  label: string;
  /** `Agent.flow` the frame runs. */
  flow: string;
  /** The node of the parent frame that called this one. */
  callerNodeId?: number;
}

export interface SchedulerControl {
  /** Holds the run: nodes in flight finish, nothing new starts. */
  pause(): void;
  resume(): void;
  readonly isPaused: boolean;
  /** Starts exactly one ready node (the given one, or the highest-priority one) while paused; resolves when it settles. */
  step(target?: { frameId: number; nodeId: number }): Promise<NodeRef | undefined>;
  /** Ready nodes in the order they would start. */
  readyNodes(): NodeRef[];
  /** Frames from the innermost to the entry flow, for a node's call stack. */
  frameChain(frameId: number): FrameLink[];
  /** Outputs of finished nodes of a frame, by node id. */
  frameOutputs(frameId: number): Record<number, Value>;
  /**
   * Replaces data input `index` of a node that has not started (the debugger's setVariable on a
   * waiting op). Returns false when the node is not waiting, or the input has not arrived.
   */
  overrideInput(frameId: number, nodeId: number, index: number, value: Value): boolean;
}

/** The scheduler as its control sees it (an Execution). */
export interface ControlledScheduler {
  readonly runId: string;
  hasEnded(): boolean;
  frame(frameId: number): Frame | undefined;
  /** Ready entries still live, in the order they would start. */
  liveReady(): { frame: Frame; idx: number }[];
  ref(frame: Frame, idx: number): NodeRef;
  /** Starts what may start now. */
  pump(): void;
  emit<K extends 'scheduler:paused' | 'scheduler:resumed'>(name: K, e: RuntimeEvents[K]): void;
}

export interface StepRequest {
  match?: (f: Frame, idx: number) => boolean;
  resolve: (r: NodeRef | undefined) => void;
}

export type PauseReason = 'request' | 'breakpoint' | 'step' | 'entry';

export class ExecutionControl implements SchedulerControl {
  /** Read by the scheduler's pump before every node it starts: a plain field. */
  paused: boolean;
  private announced = false;
  /** Steps asked for, taken by the pump in order. */
  readonly stepRequests: StepRequest[] = [];

  constructor(
    private readonly s: ControlledScheduler,
    startPaused: boolean,
  ) {
    this.paused = startPaused;
  }

  pause(): void {
    if (this.s.hasEnded() || this.paused) return;
    this.paused = true;
    this.announce('request');
  }

  resume(): void {
    if (this.s.hasEnded() || !this.paused) return;
    this.paused = false;
    this.announced = false;
    this.s.emit('scheduler:resumed', { runId: this.s.runId });
    this.s.pump();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  step(target?: { frameId: number; nodeId: number }): Promise<NodeRef | undefined> {
    return new Promise((resolve) => {
      const match = target ? (f: Frame, idx: number) => f.id === target.frameId && f.flow.nodes[idx].id === target.nodeId : undefined;
      this.stepRequests.push({ match, resolve });
      this.s.pump();
    });
  }

  readyNodes(): NodeRef[] {
    return this.s.liveReady().map((it) => this.s.ref(it.frame, it.idx));
  }

  frameChain(frameId: number): FrameLink[] {
    const out: FrameLink[] = [];
    for (let f = this.s.frame(frameId); f; f = f.parent)
      out.push({
        frameId: f.id,
        label: f.label,
        flow: f.flow.graph.qualifiedName,
        callerNodeId: f.callerIdx !== undefined && f.parent ? f.parent.flow.nodes[f.callerIdx].id : undefined,
      });
    return out;
  }

  frameOutputs(frameId: number): Record<number, Value> {
    const f = this.s.frame(frameId);
    const out: Record<number, Value> = {};
    if (!f) return out;
    for (const i of f.nodes) if (f.state[i] === NodeState.Done) out[f.flow.nodes[i].id] = f.outputs[i];
    return out;
  }

  overrideInput(frameId: number, nodeId: number, index: number, value: Value): boolean {
    const f = this.s.frame(frameId);
    const idx = f?.flow.indexOf.get(nodeId);
    if (!f || idx === undefined || (f.state[idx] !== NodeState.Pending && f.state[idx] !== NodeState.Ready)) return false;
    const at = f.flow.inputBase[idx] + index;
    if (index < 0 || index >= f.flow.dataInCount[idx] || f.slots[at] === undefined || f.slots[at] === SKIPPED) return false;
    f.slots[at] = value;
    return true;
  }

  // ---- for the scheduler ----------------------------------------------------------------------

  /** The pause hook held the run before `node` (a breakpoint). */
  holdAt(node: NodeRef): void {
    this.paused = true;
    this.announce('breakpoint', node);
  }

  /** Tells listeners the run holds (once per hold for requests: a second pause asks nothing new). */
  announce(reason: PauseReason, node?: NodeRef): void {
    if (this.announced && reason === 'request') return;
    this.announced = true;
    this.s.emit('scheduler:paused', { runId: this.s.runId, reason, node, ready: this.readyNodes() });
  }

  /** Nothing can run any more (the run stalled or ended): steps waiting settle with nothing. */
  dropSteps(): void {
    for (const s of this.stepRequests.splice(0)) s.resolve(undefined);
  }
}
