/**
 * One run of a program: token counting over frames, a priority ready queue, bounded lanes, dead
 * ("skipped") tokens for control flow, try/catch regions, loops, child frames for flow calls and
 * generated plans, and a pause hook that the debug adapter drives.
 */
import { performance } from 'node:perf_hooks';
import type { CancellationSource } from '../cancellation.js';
import { ApxmError, asApxmError, serializeError } from '../errors.js';
import type { NodeRef, RunStats, RuntimeEventEmitter, RuntimeEventName, RuntimeEvents } from '../events.js';
import {
  EDGE_DATA,
  EDGE_EFFECT,
  frameLayout,
  NODE_HAS_TIMEOUT,
  NODE_IN_TRY,
  NODE_LOOP_START,
  NODE_RETURN,
  NODE_TAKES_TIME,
  NODE_TRY_CATCH,
  type CompiledFlow,
} from '../graph/compileFlow.js';
import type { OpName } from '../graph/opCatalogue.js';
import { Routed, SkipDownstream, type OpHandler, type OpOutcome } from '../ops/opContext.js';
import { evaluateCondition } from '../ops/conditions.js';
import type { RunServices } from '../ops/runServices.js';
import { putKey, type Value } from '../values/value.js';
import { Frame, NodeState, SKIPPED, type FrameOutcome, type LoopIteration, type Slot } from './frame.js';
import type { LaneClient, LanePool } from './lanePool.js';
import { LoopPlan } from './loopPlan.js';
import { NodeContext } from './nodeContext.js';
import { ReadyQueue } from './readyQueue.js';
import { ExecutionControl, type SchedulerControl } from './schedulerControl.js';

const LLM_OPS = new Set<OpName>(['ASK', 'THINK', 'REASON', 'PLAN', 'REFLECT', 'VERIFY']);

export interface ExecutionHooks {
  /** Called before a node starts; returning true holds the scheduler there (breakpoints). */
  shouldPause?(node: NodeRef, inputs: Value[]): boolean;
}

export interface ExecutionOptions {
  runId: string;
  programName: string;
  entry: CompiledFlow;
  /** Compiled flows by `Agent.flow`, for FLOW_CALL and COMMUNICATE. */
  flows: Map<string, CompiledFlow>;
  args: Record<string, Value>;
  services: RunServices;
  handlers: Record<OpName, OpHandler>;
  events: RuntimeEventEmitter;
  pool: LanePool;
  maxParallelism: number;
  maxFlowDepth: number;
  signal?: AbortSignal;
  hooks?: ExecutionHooks;
  startPaused?: boolean;
  /** Compiles a generated graph (PLAN's inner plan) into a flow. */
  compileGraph(graphJson: unknown): CompiledFlow;
  /**
   * Outputs recorded by an earlier attempt of this run, by entry-frame node id: those nodes settle
   * with the recorded value instead of running again (a paused run continued after a restart).
   */
  replay?: ReadonlyMap<number, Value>;
}

/** Ops that always run again when a run is continued: their routing is not in the recorded value, and they have no side effects. */
const RERUN_ON_REPLAY = new Set<string>(['BRANCH_ON_VALUE', 'SWITCH', 'TRY_CATCH', 'GUARD', 'LOOP_START', 'LOOP_END', 'RETURN']);

export interface ExecutionResult {
  runId: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  result?: Value;
  error?: ApxmError;
  /** Output of every node that ran in the entry frame, by node id. */
  outputs: Record<number, Value>;
  stats: RunStats;
}

export class Execution implements LaneClient {
  readonly runId: string;
  private readonly queue = new ReadyQueue<Frame>();
  private readonly frames = new Map<number, Frame>();
  private nextFrameId = 1;
  private top!: Frame;
  inFlight = 0;
  private stallCheckScheduled = false;
  private externalWaits = 0;
  private pumping = false;
  private pumpAgain = false;
  /** Settled nodes not yet processed: completions[0 .. completionCount). */
  private readonly completions: (NodeContext | undefined)[] = [];
  private completionCount = 0;
  /** Pause, resume, step and the debugger's reads (schedulerControl.ts); the pump reads its `paused`. */
  private readonly ctl: ExecutionControl;
  /** Sequence number of the ready entry that already passed the pause hook (-1: none). */
  private bypassHookFor = -1;
  private done = false;
  private resolveRun!: (r: ExecutionResult) => void;
  private readonly started = performance.now();
  /**
   * The scheduler's clock (performance.now()). It is read again only after code the scheduler does
   * not own has run: a handler, an event listener, whatever ran before a pump began. The
   * scheduler's own work in between counts as instantaneous. A clock read costs ~55 ns on a
   * virtual machine, as much as the rest of a no-op node's dispatch, so reading it for every start
   * and every completion doubled the cost of a chain.
   *
   * When nobody observes per-node timing (no listener for node starts, finishes or failures: no
   * debugger, no trace), the ops of latency class None (JUMP, CONST_STR, MERGE, control flow) are
   * not timed: node times then feed only the run's parallelism figures, where such an op counts as
   * instantaneous. Every other op (memory, LLM, tools, flow calls) is timed all the same.
   */
  private clock = this.started;
  private clockStale = true;
  private lastChange = this.started;
  private busyTime = 0;
  private area = 0;
  private readonly stats: RunStats;
  /** A call's model had no price: the run has no cost. */
  private unpriced = false;
  /**
   * Whether anyone listens to the per-node events, as of events.version `listenVersion`. Asked
   * three times per node: two field reads here measured ~10 % faster on no-op graphs than
   * `hasListeners` (a keyed lookup) each time.
   */
  private listenVersion = -1;
  private wantReady = false;
  private wantStarted = false;
  private wantFinished = false;
  /** Someone listens to node starts, finishes or failures: every handler is timed. */
  private timingObserved = false;

  constructor(private readonly o: ExecutionOptions) {
    this.runId = o.runId;
    this.ctl = new ExecutionControl(
      {
        runId: o.runId,
        hasEnded: () => this.done,
        frame: (frameId) => this.frames.get(frameId),
        liveReady: () => this.queue.ordered().filter((it) => this.isLive(it.frame, it.idx)),
        ref: (frame, idx) => this.ref(frame, idx),
        pump: () => this.pump(),
        emit: (name, e) => this.emit(name, e),
      },
      o.startPaused ?? false,
    );
    this.stats = {
      nodesTotal: 0,
      nodesExecuted: 0,
      nodesFailed: 0,
      nodesSkipped: 0,
      durationMs: 0,
      llmCalls: 0,
      inputTokens: 0,
      outputTokens: 0,
      totalTokens: 0,
      cost: 0,
      maxParallelism: 0,
      avgParallelism: 0,
      retries: 0,
      frames: 0,
    };
  }

  /** True once the run has ended (nodes asking for a signal then get an aborted one). */
  get ended(): boolean {
    return this.done;
  }

  get services(): RunServices {
    return this.o.services;
  }

  get events(): RuntimeEventEmitter {
    return this.o.events;
  }

  run(): Promise<ExecutionResult> {
    const promise = new Promise<ExecutionResult>((resolve) => (this.resolveRun = resolve));
    const { entry, args } = this.o;
    this.o.pool.register(this);
    this.emit('run:started', {
      runId: this.runId,
      program: this.o.programName,
      flow: entry.graph.qualifiedName,
      args,
      nodeCount: entry.nodes.length,
      maxParallelism: this.o.maxParallelism,
    });
    if (this.o.signal) {
      if (this.o.signal.aborted) queueMicrotask(() => this.cancel('the run was cancelled before it started'));
      else this.o.signal.addEventListener('abort', () => this.cancel('the run was cancelled'), { once: true });
    }
    const paramList = entry.graph.parameters.map((p) => args[p.name] ?? null);
    this.top = this.openFrame('flow', entry, entry.topNodes, args, paramList, (outcome) => this.finish(outcome));
    if (this.ctl.paused) this.ctl.announce('entry');
    this.pump();
    return promise;
  }

  /** What a debugger drives: pause, resume, step, ready nodes, frames (schedulerControl.ts). */
  get control(): SchedulerControl {
    return this.ctl;
  }

  /** The compiled graph a live frame runs (a PLAN's generated graph is in no program): for views that draw it. */
  frameFlow(frameId: number): CompiledFlow | undefined {
    return this.frames.get(frameId)?.flow;
  }

  /** The run's totals so far (the final ones come with run:finished); `running`: nodes in flight now. */
  liveStats(): RunStats & { running: number } {
    return { ...this.stats, durationMs: this.done ? this.stats.durationMs : performance.now() - this.started, running: this.inFlight };
  }

  cancel(reason = 'the run was cancelled'): void {
    if (this.done) return;
    this.failFrame(this.top, new ApxmError('E_CANCELLED', reason), true);
  }

  // ---- lanes ----------------------------------------------------------------------------------

  hasReadyWork(): boolean {
    return !this.ctl.paused && this.queue.size > 0;
  }

  wake(): void {
    this.pump();
  }

  // ---- frames ---------------------------------------------------------------------------------

  private openFrame(
    kind: Frame['kind'],
    flow: CompiledFlow,
    nodes: number[],
    params: Record<string, Value>,
    paramList: Value[],
    onSettled: (o: FrameOutcome) => void,
    parent?: Frame,
    callerIdx?: number,
    iteration?: LoopIteration,
  ): Frame {
    const depth = parent ? (iteration ? parent.depth : parent.depth + 1) : 0;
    const layout = frameLayout(flow, nodes);
    const frame = new Frame(
      this.nextFrameId++,
      kind,
      flow,
      nodes,
      params,
      paramList,
      layout,
      onSettled,
      parent,
      callerIdx,
      iteration,
      depth,
    );
    frame.bucketBase = this.queue.levels(flow.priorityLevels);
    this.frames.set(frame.id, frame);
    parent?.children.add(frame);
    this.stats.frames++;
    this.stats.nodesTotal += nodes.length;
    if (this.o.events.hasListeners('frame:entered')) this.emit('frame:entered', this.frameRef(frame));

    const { edges } = flow;
    for (const e of layout.externalEdges) this.placeExternal(frame, e, this.externalValue(frame, edges[e].from));
    if (iteration) {
      const exits = iteration.loop.exitEdges;
      frame.exitSlots = new Array<Slot>(exits.length);
      for (let k = 0; k < exits.length; k++) {
        const src = edges[exits[k]].from;
        if (frame.isActive(src)) frame.exitPending++;
        else frame.exitSlots[k] = this.externalValue(frame, src);
      }
    }
    for (const [t, count] of layout.tryCounts) frame.tryUnsettled.set(t, count);
    for (const i of layout.initialReady) if (frame.state[i] === NodeState.Pending) this.becomeReady(frame, i);
    this.checkFrameDone(frame);
    return frame;
  }

  /** Value of a node outside `frame` (its loop's start gives the iteration item). */
  private externalValue(frame: Frame, src: number): Slot {
    if (frame.iteration && src === frame.iteration.loop.start) return frame.iteration.item;
    const v = frame.parent?.outputOf(src);
    return v === undefined ? null : v;
  }

  private placeExternal(frame: Frame, e: number, value: Slot): void {
    const flow = frame.flow;
    const flags = flow.edgeFlags[e];
    if (value === SKIPPED && !(flags & EDGE_EFFECT)) frame.skippedIn[flow.edgeTo[e]]++;
    if (flags & EDGE_DATA) frame.slots[flow.edgeSlot[e]] = value;
  }

  private frameRef(f: Frame) {
    return {
      runId: this.runId,
      frameId: f.id,
      parentFrameId: f.parent?.id,
      kind: f.kind,
      flow: f.flow.graph.qualifiedName,
      label: f.label,
      callerNodeId: f.callerIdx !== undefined && f.parent ? f.parent.flow.nodes[f.callerIdx].id : undefined,
      iteration: f.iteration?.index,
    };
  }

  private checkFrameDone(frame: Frame): void {
    if (frame.settled || frame.remaining > 0 || frame.exitPending > 0) return;
    frame.settled = true;
    this.frames.delete(frame.id);
    frame.parent?.children.delete(frame);
    const value = this.frameResult(frame);
    if (this.o.events.hasListeners('frame:exited'))
      this.emit('frame:exited', { ...this.frameRef(frame), outcome: 'succeeded', result: value });
    frame.onSettled({ ok: true, value });
  }

  /** RETURN's value; else the single exit value; else an object of exit values by node name. */
  private frameResult(frame: Frame): Value {
    if (frame.iteration) {
      const live = frame.exitSlots.filter((s): s is Value => s !== SKIPPED && s !== undefined);
      return frame.exitSlots.length <= 1 ? (live[0] ?? null) : live;
    }
    if (frame.hasReturn) return frame.returnValue ?? null;
    const { flow } = frame;
    let exits = flow.sinks.filter((i) => frame.state[i] === NodeState.Done);
    if (exits.length > 1) exits = exits.filter((i) => flow.nodes[i].op !== 'PRINT');
    if (exits.length === 1) return frame.outputs[exits[0]] ?? null;
    if (exits.length === 0) return null;
    const out: Record<string, Value> = {};
    for (const i of exits) putKey(out, flow.nodes[i].name, frame.outputs[i] ?? null);
    return out;
  }

  private failFrame(frame: Frame, error: ApxmError, cancelled = false): void {
    if (frame.settled) return;
    frame.settled = true;
    for (const child of [...frame.children])
      this.failFrame(child, new ApxmError('E_CANCELLED', 'cancelled because its caller stopped'), true);
    const reason = new ApxmError('E_CANCELLED', cancelled ? error.message : `cancelled: node ${error.nodeId ?? '?'} failed`);
    for (const source of frame.running.values()) source.abort(reason);
    frame.running.clear();
    // Every node started and not settled ends here, once: those with a cancellation were just
    // cancelled; the others (a FLOW_CALL waiting for its callee, a result not yet processed) too.
    for (const idx of frame.nodes) {
      if (frame.state[idx] !== NodeState.Running) continue;
      frame.state[idx] = NodeState.Skipped;
      this.stats.nodesSkipped++;
      this.emitSkipped(frame, idx, 'cancelled');
    }
    this.frames.delete(frame.id);
    frame.parent?.children.delete(frame);
    if (this.o.events.hasListeners('frame:exited'))
      this.emit('frame:exited', { ...this.frameRef(frame), outcome: cancelled ? 'cancelled' : 'failed' });
    frame.onSettled({ ok: false, error, cancelled });
  }

  // ---- token flow -----------------------------------------------------------------------------

  private becomeReady(frame: Frame, idx: number): void {
    const flow = frame.flow;
    if (frame.skippedIn[idx] > 0 && (!flow.isJoin[idx] || frame.skippedIn[idx] >= flow.skippableInCount[idx])) {
      this.skip(frame, idx, 'upstream-skipped');
      return;
    }
    frame.state[idx] = NodeState.Ready;
    this.queue.push(frame, idx, frame.bucketBase + flow.priorityRank[idx]);
    if (this.o.events.version !== this.listenVersion) this.refreshListening();
    if (this.wantReady) {
      const node = flow.nodes[idx];
      this.emit('node:ready', {
        runId: this.runId,
        frameId: frame.id,
        nodeId: node.id,
        nodeExecId: this.execId(frame, idx),
        op: node.op,
        name: node.name,
        flow: flow.graph.qualifiedName,
        source: node.source,
        priority: flow.priority[idx],
      });
    }
  }

  private deliver(frame: Frame, e: number, value: Slot): void {
    const flow = frame.flow;
    const t = flow.edgeTo[e];
    if (!frame.isActive(t)) {
      if (frame.iteration && t === frame.iteration.loop.end) {
        const k = frame.iteration.loop.exitEdges.indexOf(e);
        frame.exitSlots[k] = value;
        frame.exitPending--;
        this.checkFrameDone(frame);
        return;
      }
      // An edge into a nested loop's body: that loop's LOOP_START waits for it.
      for (const [s, loop] of flow.loopByStart) {
        if (frame.isActive(s) && loop.body.has(t) && loop.externalInEdges.includes(e)) {
          if (--frame.pending[s] === 0 && frame.state[s] === NodeState.Pending) this.becomeReady(frame, s);
          return;
        }
      }
      return;
    }
    if (frame.state[t] !== NodeState.Pending) return;
    const loop = flow.loopByEnd.size ? flow.loopByEnd.get(t) : undefined;
    if (loop && frame.isActive(loop.start)) return; // LOOP_END waits for its loop, not its edges
    const flags = flow.edgeFlags[e];
    if (value === SKIPPED && !(flags & EDGE_EFFECT)) frame.skippedIn[t]++;
    if (flags & EDGE_DATA) frame.slots[flow.edgeSlot[e]] = value;
    if (--frame.pending[t] === 0) this.becomeReady(frame, t);
  }

  private skip(frame: Frame, idx: number, reason: 'branch-not-taken' | 'guard' | 'try-aborted' | 'cancelled' | 'upstream-skipped'): void {
    frame.state[idx] = NodeState.Skipped;
    this.stats.nodesSkipped++;
    this.emitSkipped(frame, idx, reason);
    const flow = frame.flow;
    this.deliverAll(frame, idx, SKIPPED);
    const loop = flow.nodeFlags[idx] & NODE_LOOP_START ? flow.loopByStart.get(idx) : undefined;
    if (loop && frame.state[loop.end] === NodeState.Pending) this.skip(frame, loop.end, reason);
    this.settleNode(frame, idx);
  }

  private emitSkipped(
    frame: Frame,
    idx: number,
    reason: 'branch-not-taken' | 'guard' | 'try-aborted' | 'cancelled' | 'upstream-skipped',
  ): void {
    if (this.o.events.hasListeners('node:skipped')) {
      const node = frame.flow.nodes[idx];
      this.emit('node:skipped', {
        runId: this.runId,
        frameId: frame.id,
        nodeId: node.id,
        nodeExecId: this.execId(frame, idx),
        op: node.op,
        name: node.name,
        flow: frame.flow.graph.qualifiedName,
        source: node.source,
        reason,
      });
    }
  }

  /** Sends `value` down every out-edge of node `idx`. */
  private deliverAll(frame: Frame, idx: number, value: Slot): void {
    const { outStart, outList } = frame.flow;
    for (let k = outStart[idx], end = outStart[idx + 1]; k < end; k++) this.deliver(frame, outList[k], value);
  }

  private settleNode(frame: Frame, idx: number): void {
    frame.remaining--;
    if (frame.flow.nodeFlags[idx] & NODE_IN_TRY) this.settleInTries(frame, idx);
    else this.checkFrameDone(frame);
  }

  private settleInTries(frame: Frame, idx: number): void {
    const tries = frame.flow.enclosingTries[idx];
    for (let k = 0; k < tries.length; k++) {
      const t = tries[k];
      const left = frame.tryUnsettled.get(t);
      if (left === undefined) continue;
      frame.tryUnsettled.set(t, left - 1);
      if (left - 1 === 0 && frame.state[t] === NodeState.Done) this.releaseCatch(frame, t);
    }
    this.checkFrameDone(frame);
  }

  /** The try region of TRY_CATCH `t` has settled: run the catch region if it failed, else skip it. */
  private releaseCatch(frame: Frame, t: number): void {
    const failure = frame.tryFailure.get(t);
    const errValue: Slot = failure
      ? { error: failure.message, code: failure.code, node_id: failure.nodeId ?? null, op: failure.op ?? null }
      : SKIPPED;
    for (const e of frame.flow.outEdges[t]) if (frame.flow.edges[e].label === 'catch') this.deliver(frame, e, errValue);
  }

  // ---- dispatch -------------------------------------------------------------------------------

  private isLive(frame: Frame, idx: number): boolean {
    return !frame.settled && frame.state[idx] === NodeState.Ready;
  }

  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.clockStale = true;
    const ctl = this.ctl;
    try {
      do {
        this.pumpAgain = false;
        this.drainCompletions();
        if (this.done) break;
        while (ctl.stepRequests.length && this.queue.size > 0) {
          const req = ctl.stepRequests[0];
          const match = req.match;
          const it = match
            ? this.queue.take((x) => this.isLive(x.frame, x.idx) && match(x.frame, x.idx))
            : this.popLive()
              ? { frame: this.queue.frame, idx: this.queue.idx, bucket: this.queue.bucket }
              : undefined;
          if (!it) break;
          if (!this.o.pool.acquireIfFree()) {
            this.queue.push(it.frame, it.idx, it.bucket);
            break;
          }
          ctl.stepRequests.shift();
          this.startNode(it.frame, it.idx, req.resolve);
        }
        const queue = this.queue;
        while (!ctl.paused && queue.size > 0 && this.inFlight < this.o.maxParallelism) {
          if (!this.popLive()) break;
          const { frame, idx } = queue;
          if (this.bypassHookFor === queue.seq) this.bypassHookFor = -1;
          else if (this.o.hooks?.shouldPause) {
            const ref = this.ref(frame, idx);
            const hold = this.o.hooks.shouldPause(ref, this.collectInputs(frame, idx));
            this.clockStale = true; // the debugger's conditions ran
            if (hold) {
              this.bypassHookFor = queue.push(frame, idx, queue.bucket);
              ctl.holdAt(ref);
              break;
            }
          }
          if (!this.o.pool.tryAcquire(this)) {
            queue.push(frame, idx, queue.bucket);
            break;
          }
          this.startNode(frame, idx);
        }
      } while (this.pumpAgain || this.completionCount > 0);
    } finally {
      this.pumping = false;
    }
    this.checkStalled();
  }

  /** Pops entries until a live one (left in the queue's cursor); false when none is left. */
  private popLive(): boolean {
    const q = this.queue;
    while (q.pop()) if (this.isLive(q.frame, q.idx)) return true;
    return false;
  }

  /** Nothing ready, nothing running, nobody waiting outside, work left: fail now instead of hanging. */
  private looksStalled(): boolean {
    if (this.done || this.inFlight > 0 || this.externalWaits > 0 || this.pumping) return false;
    return this.queue.size === 0; // else runnable, or held by the debugger
  }

  /**
   * A node that gave its lane back to wait for a child frame resumes in a microtask once that frame
   * settles, so a stall is confirmed after the microtask queue drains (still before any timer).
   */
  private checkStalled(): void {
    if (this.stallCheckScheduled || !this.looksStalled()) return;
    this.stallCheckScheduled = true;
    setImmediate(() => {
      this.stallCheckScheduled = false;
      if (this.looksStalled()) this.declareStalled();
    });
  }

  private declareStalled(): void {
    this.ctl.dropSteps();
    if (this.frames.size === 0) return;
    const stuck: string[] = [];
    for (const f of this.frames.values()) {
      for (const i of f.nodes)
        if (f.state[i] === NodeState.Pending)
          stuck.push(`${f.flow.nodes[i].id} (${f.flow.nodes[i].name}, waiting for ${f.pending[i]} input${f.pending[i] === 1 ? '' : 's'})`);
    }
    this.failFrame(
      this.top,
      new ApxmError(
        'E_DEADLOCK',
        `deadlock: nothing is ready or running but ${stuck.length} node(s) still wait: ${stuck.slice(0, 10).join('; ')}`,
        {
          hint: 'a node waits for an input that is never produced; check the edges into these nodes',
        },
      ),
    );
  }

  private collectInputs(frame: Frame, idx: number): Value[] {
    const flow = frame.flow;
    if (frame.loopResults !== undefined) {
      const results = frame.loopResults.get(idx);
      if (results) return [results];
    }
    const base = flow.inputBase[idx];
    const end = flow.inputBase[idx + 1];
    if (base === end) {
      // Upstream: an LLM node with no inputs gets the flow's arguments (graphs can opt out).
      if (
        flow.inEdges[idx].length === 0 &&
        (frame.kind === 'flow' || frame.kind === 'message') &&
        LLM_OPS.has(flow.ops[idx]) &&
        flow.graph.metadata.param_inputs !== false
      )
        return frame.paramList;
      return [];
    }
    // Skipped inputs are left out; one that never arrived (a debugger step past a join) is null.
    const slots = frame.slots;
    const out: Value[] = [];
    for (let k = base; k < end; k++) {
      const v = slots[k];
      if (v !== SKIPPED) out.push(v === undefined ? null : v);
    }
    return out;
  }

  private startNode(frame: Frame, idx: number, onStepSettled?: (r: NodeRef | undefined) => void): void {
    const flow = frame.flow;
    frame.state[idx] = NodeState.Running;
    const inputs = this.collectInputs(frame, idx);
    const ctx = new NodeContext(this, frame, idx, inputs, this.now());
    this.trackParallelism(+1, ctx.startedAt);
    ctx.onStepSettled = onStepSettled;
    if (this.o.events.version !== this.listenVersion) this.refreshListening();
    if (this.wantStarted) {
      const node = flow.nodes[idx];
      // Literal objects of one shape (no spread): these two events are on the per-node hot path.
      this.emit('node:started', {
        runId: this.runId,
        frameId: frame.id,
        nodeId: node.id,
        nodeExecId: ctx.nodeExecId,
        op: node.op,
        name: node.name,
        flow: frame.flow.graph.qualifiedName,
        source: node.source,
        inputs,
        attempt: 1,
        startedAt: ctx.startedAtWall,
      });
    }
    const op = flow.ops[idx];
    if (flow.nodeFlags[idx] & NODE_HAS_TIMEOUT) {
      const timeoutMs = flow.timeoutMs[idx];
      ctx.timer = setTimeout(
        () =>
          ctx.abort(
            new ApxmError('E_TIMEOUT', `${op} node ${flow.ids[idx]} exceeded its ${timeoutMs} ms timeout`, {
              hint: 'raise "timeout_ms" or make the op faster',
            }),
          ),
        timeoutMs,
      );
    }
    if (this.o.replay !== undefined && frame === this.top && this.o.replay.has(flow.ids[idx]) && !RERUN_ON_REPLAY.has(op)) {
      ctx.replayed = true;
      this.settle(ctx, true, this.o.replay.get(flow.ids[idx]));
      return;
    }
    let out: OpOutcome | Promise<OpOutcome>;
    let threw = false;
    try {
      const handler = this.o.handlers[op];
      out = handler(ctx);
    } catch (e) {
      threw = true;
      out = e as OpOutcome;
    }
    // The handler's synchronous part may have taken a while (see `clock` for when nobody looks).
    if (this.timingObserved || flow.nodeFlags[idx] & NODE_TAKES_TIME) this.clockStale = true;
    if (!threw && out instanceof Promise) {
      out.then(
        (v) => this.settle(ctx, true, v),
        (e) => this.settle(ctx, false, e),
      );
      return;
    }
    ctx.settledAt = this.now();
    this.settle(ctx, !threw, out);
  }

  /** A handler returned or threw: queue the outcome (no closures: this runs once per node). */
  private settle(ctx: NodeContext, ok: boolean, value: unknown): void {
    if (ctx.timer) clearTimeout(ctx.timer);
    ctx.settledOk = ok;
    ctx.settledValue = value;
    this.completions[this.completionCount++] = ctx;
    if (!this.pumping) this.pump();
    else this.pumpAgain = true;
  }

  private drainCompletions(): void {
    // Kept as a reused array with a count: truncating an array's length on every node costs a runtime call.
    const list = this.completions;
    for (let i = 0; i < this.completionCount; i++) {
      const ctx = list[i] as NodeContext;
      list[i] = undefined;
      this.onNodeSettled(ctx.frameRef, ctx.idx, ctx, ctx.settledOk, ctx.settledValue, ctx.settledAt >= 0 ? ctx.settledAt : this.now());
      ctx.onStepSettled?.(this.ref(ctx.frameRef, ctx.idx));
    }
    this.completionCount = 0;
  }

  private onNodeSettled(frame: Frame, idx: number, ctx: NodeContext, ok: boolean, value: unknown, now: number): void {
    if (!ctx.laneReleased) {
      this.o.pool.release();
      this.trackParallelism(-1, now);
    }
    if (ctx.hasSignal) frame.running.delete(idx);
    if (frame.settled || frame.state[idx] !== NodeState.Running) return; // cancelled or aborted by its try region
    const durationMs = now - ctx.startedAt;
    if (ok) this.complete(frame, idx, value as OpOutcome, ctx, durationMs);
    else this.fail(frame, idx, ctx.abortReason ?? asApxmError(value), ctx, durationMs);
  }

  private complete(frame: Frame, idx: number, outcome: OpOutcome, ctx: NodeContext | undefined, durationMs: number): void {
    const flow = frame.flow;
    let value: Value;
    let routed: Routed | undefined;
    let skipAll = false;
    let loopPlan: LoopPlan | undefined;
    if (outcome === null || typeof outcome !== 'object') value = outcome === undefined ? null : outcome;
    else if (outcome instanceof Routed) {
      routed = outcome;
      value = outcome.value;
    } else if (outcome instanceof SkipDownstream) {
      skipAll = true;
      value = outcome.value;
    } else if (outcome instanceof LoopPlan) {
      loopPlan = outcome;
      value = { iterations: outcome.items.length };
    } else value = outcome === undefined ? null : outcome;
    frame.state[idx] = NodeState.Done;
    frame.outputs[idx] = value;
    this.stats.nodesExecuted++;
    if (this.o.events.version !== this.listenVersion) this.refreshListening();
    if (this.wantFinished) {
      const node = flow.nodes[idx];
      this.emit('node:finished', {
        runId: this.runId,
        frameId: frame.id,
        nodeId: node.id,
        nodeExecId: ctx?.nodeExecId ?? this.execId(frame, idx),
        op: node.op,
        name: node.name,
        flow: flow.graph.qualifiedName,
        source: node.source,
        inputs: ctx?.inputs ?? [],
        output: value,
        startedAt: ctx?.startedAtWall ?? Date.now(),
        durationMs,
        tokens: ctx?.tokens ?? 0,
        replayed: ctx?.replayed === true,
      });
    }
    const flags = flow.nodeFlags[idx];
    if (flags & NODE_RETURN && !frame.hasReturn) {
      frame.hasReturn = true;
      frame.returnValue = value;
    }
    const isTry = (flags & NODE_TRY_CATCH) !== 0;
    if (skipAll) this.deliverAll(frame, idx, SKIPPED);
    else if (!routed && !isTry) this.deliverAll(frame, idx, value);
    else {
      for (let k = flow.outStart[idx], end = flow.outStart[idx + 1]; k < end; k++) {
        const e = flow.outList[k];
        const label = flow.edges[e].label;
        if (isTry && label === 'catch') continue;
        let v: Slot = value;
        if (routed) v = label === undefined ? (routed.unlabelledLive ? value : SKIPPED) : routed.live.has(label) ? value : SKIPPED;
        this.deliver(frame, e, v);
      }
    }
    if (isTry && frame.tryUnsettled.get(idx) === 0) this.releaseCatch(frame, idx);
    if (loopPlan) this.startLoop(frame, idx, loopPlan);
    this.settleNode(frame, idx);
  }

  private fail(frame: Frame, idx: number, error: ApxmError, ctx: NodeContext | undefined, durationMs: number): void {
    const flow = frame.flow;
    const node = flow.nodes[idx];
    const err = error.atNode(
      node.id,
      node.op,
      node.source ?? (node.jsonPath ? { jsonPath: node.jsonPath, file: flow.graph.file } : undefined),
    );
    if (node.attributes.fallback !== undefined && err.code !== 'E_CANCELLED') {
      this.emit('warning', {
        runId: this.runId,
        nodeExecId: this.execId(frame, idx),
        message: `node ${node.id} failed (${err.message}); using its fallback value`,
      });
      this.complete(frame, idx, node.attributes.fallback, ctx, durationMs);
      return;
    }
    frame.state[idx] = NodeState.Failed;
    this.stats.nodesFailed++;
    const handler = flow.enclosingTries[idx].find((t) => frame.state[t] === NodeState.Done);
    if (this.o.events.hasListeners('node:failed')) {
      this.emit('node:failed', {
        runId: this.runId,
        frameId: frame.id,
        nodeId: node.id,
        nodeExecId: ctx?.nodeExecId ?? this.execId(frame, idx),
        op: node.op,
        name: node.name,
        flow: flow.graph.qualifiedName,
        source: node.source,
        inputs: ctx?.inputs ?? [],
        error: serializeError(err),
        startedAt: ctx?.startedAtWall ?? Date.now(),
        durationMs,
        handled: handler !== undefined,
      });
    }
    if (handler === undefined) {
      this.failFrame(frame, err);
      return;
    }
    if (!frame.tryFailure.has(handler)) frame.tryFailure.set(handler, err);
    this.deliverAll(frame, idx, SKIPPED);
    const loop = flow.loopByStart.get(idx);
    if (loop && frame.state[loop.end] === NodeState.Pending) this.skip(frame, loop.end, 'try-aborted');
    this.settleNode(frame, idx);
    this.abortTryRegion(frame, handler);
  }

  /** A node of TRY_CATCH `t`'s try region failed: abort the rest of the region. */
  private abortTryRegion(frame: Frame, t: number): void {
    const region = frame.flow.tryByNode.get(t);
    if (!region) return;
    for (const v of region.tryNodes) {
      if (frame.settled) return;
      const s = frame.state[v];
      if (s === NodeState.Running) {
        frame.running.get(v)?.abort(new ApxmError('E_CANCELLED', 'aborted: another op in its try region failed'));
        frame.running.delete(v);
        for (const child of [...frame.children])
          if (child.callerIdx === v) this.failFrame(child, new ApxmError('E_CANCELLED', 'aborted by try region'), true);
        frame.state[v] = NodeState.Pending; // so skip() takes it
        this.skip(frame, v, 'try-aborted');
      } else if (s === NodeState.Pending || s === NodeState.Ready) {
        const loop = frame.flow.loopByEnd.get(v);
        if (loop)
          for (const child of [...frame.children])
            if (child.iteration?.loop === loop) this.failFrame(child, new ApxmError('E_CANCELLED', 'aborted by try region'), true);
        this.skip(frame, v, 'try-aborted');
      }
    }
  }

  // ---- loops ----------------------------------------------------------------------------------

  private startLoop(frame: Frame, startIdx: number, plan: LoopPlan): void {
    const loop = frame.flow.loopByStart.get(startIdx);
    if (!loop) return;
    const results: Value[] = [];
    const next = (index: number): void => {
      if (frame.settled || frame.state[loop.end] !== NodeState.Pending) return;
      if (index >= plan.items.length) {
        (frame.loopResults ??= new Map()).set(loop.end, results);
        frame.pending[loop.end] = 0;
        this.becomeReady(frame, loop.end);
        return;
      }
      this.openFrame(
        'loop',
        frame.flow,
        loop.ownNodes,
        frame.params,
        frame.paramList,
        (outcome) => {
          if (!outcome.ok) {
            if (!outcome.cancelled && frame.state[loop.end] === NodeState.Pending) this.fail(frame, loop.end, outcome.error, undefined, 0);
            return;
          }
          results.push(outcome.value);
          if (plan.whileCondition !== undefined || plan.untilCondition !== undefined) {
            let stop: boolean;
            try {
              stop = this.loopShouldStop(plan, outcome.value);
            } catch (e) {
              this.fail(frame, loop.end, asApxmError(e, 'E_ATTRIBUTE'), undefined, 0);
              return;
            }
            if (stop) return next(plan.items.length);
          }
          next(index + 1);
        },
        frame,
        loop.end,
        { loop, index, item: plan.items[index] },
      );
    };
    next(0);
  }

  private loopShouldStop(plan: LoopPlan, value: Value): boolean {
    if (plan.whileCondition !== undefined && !evaluateCondition(plan.whileCondition, value)) return true;
    if (plan.untilCondition !== undefined && evaluateCondition(plan.untilCondition, value)) return true;
    return false;
  }

  // ---- child frames for FLOW_CALL / COMMUNICATE / PLAN ------------------------------------------

  /** Runs `flow` in a child frame of `parent`, opened by node `callerIdx`. */
  runChildFrame(parent: Frame, callerIdx: number, flow: CompiledFlow, args: Value[], kind: 'flow' | 'plan' | 'message'): Promise<Value> {
    if (parent.depth + 1 > this.o.maxFlowDepth) {
      return Promise.reject(
        new ApxmError('E_FLOW_DEPTH', `maximum flow call depth (${this.o.maxFlowDepth}) exceeded calling ${flow.graph.qualifiedName}`, {
          hint: 'a flow probably calls itself without a base case',
        }),
      );
    }
    return new Promise((resolve, reject) => {
      // no prototype: a parameter named __proto__ or constructor is a value like any other
      const params = Object.create(null) as Record<string, Value>;
      flow.graph.parameters.forEach((p, k) => (params[p.name] = args[k] ?? null));
      const run = () =>
        this.openFrame(kind, flow, flow.topNodes, params, args, (o) => (o.ok ? resolve(o.value) : reject(o.error)), parent, callerIdx);
      if (this.pumping) run();
      else {
        run();
        this.pump();
      }
    });
  }

  compileGraph(graphJson: unknown): CompiledFlow {
    return this.o.compileGraph(graphJson);
  }

  lookupFlow(agent: string, flow: string): CompiledFlow | undefined {
    return this.o.flows.get(`${agent}.${flow}`);
  }

  listFlows(): string[] {
    return [...this.o.flows.keys()];
  }

  /** A running node gives its lane back while it waits (for a child frame or a human). */
  releaseLane(ctx: NodeContext, external: boolean): () => void {
    if (ctx.laneReleased) return () => undefined;
    ctx.laneReleased = true;
    this.o.pool.release();
    this.trackParallelism(-1);
    if (external) this.externalWaits++;
    queueMicrotask(() => this.pump());
    return () => {
      if (external) this.externalWaits--;
    };
  }

  registerRunning(frame: Frame, idx: number, source: CancellationSource): void {
    frame.running.set(idx, source);
  }

  addLlmUsage(input: number, output: number, retries: number, cost: number | undefined): void {
    // one call of a model with no price leaves the run without a cost: a partial sum would understate it
    if (cost === undefined || this.unpriced) {
      this.unpriced = true;
      delete this.stats.cost;
    } else this.stats.cost = (this.stats.cost ?? 0) + cost;
    this.stats.llmCalls++;
    this.stats.inputTokens += input;
    this.stats.outputTokens += output;
    this.stats.totalTokens += input + output;
    this.stats.retries += retries;
  }

  // ---- bookkeeping ----------------------------------------------------------------------------

  private refreshListening(): void {
    const ev = this.o.events;
    this.listenVersion = ev.version;
    this.wantReady = ev.hasListeners('node:ready');
    this.wantStarted = ev.hasListeners('node:started');
    this.wantFinished = ev.hasListeners('node:finished');
    this.timingObserved = this.wantStarted || this.wantFinished || ev.hasListeners('node:failed');
  }

  private now(): number {
    if (this.clockStale) {
      this.clock = performance.now();
      this.clockStale = false;
    }
    return this.clock;
  }

  /** Emits to listeners: they run code the scheduler does not own, so the clock is read again before its next use. */
  private emit<K extends RuntimeEventName>(name: K, e: RuntimeEvents[K]): void {
    this.clockStale = true;
    this.o.events.emit(name, e);
  }

  /** A change of the number of nodes in flight at `now` (a node that settled synchronously may report a time before the last change: it counts as at the last change). */
  private trackParallelism(delta: number, now = performance.now()): void {
    if (now > this.lastChange) {
      if (this.inFlight > 0) {
        const dt = now - this.lastChange;
        this.busyTime += dt;
        this.area += dt * this.inFlight;
      }
      this.lastChange = now;
    }
    this.inFlight += delta;
    if (this.inFlight > this.stats.maxParallelism) this.stats.maxParallelism = this.inFlight;
  }

  execId(frame: Frame, idx: number): string {
    return `${this.runId}:${frame.id}:${frame.flow.nodes[idx].id}`;
  }

  ref(frame: Frame, idx: number): NodeRef {
    const node = frame.flow.nodes[idx];
    return {
      runId: this.runId,
      frameId: frame.id,
      nodeId: node.id,
      nodeExecId: this.execId(frame, idx),
      op: node.op,
      name: node.name,
      flow: frame.flow.graph.qualifiedName,
      source: node.source,
    };
  }

  private finish(outcome: FrameOutcome): void {
    if (this.done) return;
    this.done = true;
    for (const f of this.frames.values()) for (const ac of f.running.values()) ac.abort(new ApxmError('E_CANCELLED', 'the run ended'));
    this.o.pool.unregister(this);
    this.ctl.dropSteps();
    const end = performance.now();
    this.trackParallelism(0, end); // nodes still in flight (a cancelled run) count up to the end
    const durationMs = end - this.started;
    this.stats.durationMs = durationMs;
    this.stats.avgParallelism = this.busyTime > 0 ? this.area / this.busyTime : 0;
    const status = outcome.ok ? 'succeeded' : outcome.cancelled ? 'cancelled' : 'failed';
    const result = { runId: this.runId, status, stats: { ...this.stats } } as ExecutionResult;
    if (outcome.ok) result.result = outcome.value;
    else result.error = outcome.error;
    definePerNodeOutputs(result, this.top);
    this.emit('run:finished', {
      runId: this.runId,
      status,
      result: result.result,
      error: result.error ? serializeError(result.error) : undefined,
      durationMs,
      stats: result.stats,
    });
    this.resolveRun(result);
  }
}

/**
 * `result.outputs`, built when first read: most callers never look at every node's output, and
 * building it is an object of one key per node (a tenth of a 10k-node no-op run's scheduling).
 */
function definePerNodeOutputs(result: ExecutionResult, top: Frame): void {
  // Only what the outputs are made of: the frame itself would keep the whole execution alive.
  const { nodes, state, outputs: values } = top;
  const ids = top.flow.ids;
  Object.defineProperty(result, 'outputs', {
    enumerable: true,
    configurable: true,
    get(): Record<number, Value> {
      const outputs: Record<number, Value> = {};
      for (const i of nodes) if (state[i] === NodeState.Done) outputs[ids[i]] = values[i];
      Object.defineProperty(result, 'outputs', { value: outputs, enumerable: true, writable: true, configurable: true });
      return outputs;
    },
    set(value: Record<number, Value>) {
      Object.defineProperty(result, 'outputs', { value, enumerable: true, writable: true, configurable: true });
    },
  });
}
