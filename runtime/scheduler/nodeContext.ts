/** The OpContext of one node run: inputs, attributes, services, and doors into the scheduler. */
import { performance } from 'node:perf_hooks';
import { CancellationSource, signalOf, type Cancellation } from '../cancellation.js';
import { ApxmError } from '../errors.js';
import type { NodeRef, RuntimeEventEmitter, RuntimeEventName, RuntimeEvents } from '../events.js';
import type { OpNode } from '../graph/types.js';
import { AttributeReader, type OpContext } from '../ops/opContext.js';
import type { RunServices } from '../ops/runServices.js';
import type { Value } from '../values/value.js';
import { type Execution } from './execution.js';
import { NodeState, SKIPPED, type Frame } from './frame.js';

export class NodeContext implements OpContext {
  /** Set by the scheduler when the handler settles. */
  settledOk = false;
  /** Settled from an earlier attempt's recorded output, without running. */
  replayed = false;
  settledValue: unknown = undefined;
  /** When the handler returned its value without a promise (-1: it did not). */
  settledAt = -1;
  timer: NodeJS.Timeout | undefined = undefined;
  onStepSettled: ((r: NodeRef | undefined) => void) | undefined = undefined;
  laneReleased = false;
  tokens = 0;
  private source: CancellationSource | undefined;
  private linked: { signal: AbortSignal } | undefined;
  private attrReader: AttributeReader | undefined;
  private execIdCache: string | undefined;

  constructor(
    private readonly exec: Execution,
    private readonly frame: Frame,
    readonly idx: number,
    readonly inputs: Value[],
    /** Monotonic start time (performance.now()), read by the scheduler. */
    readonly startedAt: number,
  ) {}

  get services(): RunServices {
    return this.exec.services;
  }

  private get events(): RuntimeEventEmitter {
    return this.exec.events;
  }

  get node(): OpNode {
    return this.frame.flow.nodes[this.idx];
  }

  /** True once something asked for the node's cancellation (the scheduler then tracks it in the frame). */
  get hasSignal(): boolean {
    return this.source !== undefined;
  }

  /** Wall-clock start (ms since the epoch), derived from the monotonic start. */
  get startedAtWall(): number {
    return Math.round(performance.timeOrigin + this.startedAt);
  }

  get frameRef(): Frame {
    return this.frame;
  }

  get attrs(): AttributeReader {
    return (this.attrReader ??= new AttributeReader(this.node));
  }

  /** Created on first use: most ops never look at it. */
  get cancellation(): Cancellation {
    if (!this.source) {
      this.source = new CancellationSource();
      // Not tied to the run (a listener per node would pile up): the scheduler cancels every
      // registered node itself when the frame fails or the run ends.
      if (this.exec.ended) this.source.abort(new ApxmError('E_CANCELLED', 'the run ended'));
      else this.exec.registerRunning(this.frame, this.idx, this.source);
    }
    return this.source;
  }

  /** The cancellation as an AbortSignal, for libraries that take one (made on first use). */
  get signal(): AbortSignal {
    return (this.linked ??= signalOf(this.cancellation)).signal;
  }

  /** Set when the scheduler aborted this node (timeout): reported instead of the handler's own error. */
  abortReason: ApxmError | undefined;

  abort(reason: ApxmError): void {
    this.abortReason = reason;
    (this.cancellation as CancellationSource).abort(reason);
  }

  get outLabels(): string[] {
    const { flow } = this.frame;
    const labels: string[] = [];
    for (const e of flow.outEdges[this.idx]) {
      const l = flow.edges[e].label;
      if (l !== undefined && !labels.includes(l)) labels.push(l);
    }
    return labels;
  }

  get runId(): string {
    return this.exec.runId;
  }

  get nodeExecId(): string {
    return (this.execIdCache ??= this.exec.execId(this.frame, this.idx));
  }

  get frameId(): number {
    return this.frame.id;
  }

  get flowName(): string {
    return this.frame.flow.graph.qualifiedName;
  }

  lookupVar(name: string): Value | undefined {
    const f = this.frame;
    if (Object.prototype.hasOwnProperty.call(f.params, name)) return f.params[name];
    const key = name.startsWith('param.') ? name.slice(6) : undefined;
    if (key !== undefined && Object.prototype.hasOwnProperty.call(f.params, key)) return f.params[key];
    if (f.iteration) {
      if (name === 'item' || name === 'loop.item') return f.iteration.item;
      if (name === 'index' || name === 'loop.index') return f.iteration.index;
    }
    const m = /^(?:node_|input_)(\d+)$/.exec(name);
    if (m && name.startsWith('input_')) return this.inputs[Number(m[1])];
    const idx = m ? f.flow.indexOf.get(Number(m[1])) : f.flow.byName.get(name);
    if (idx === undefined) return undefined;
    const v = f.outputOf(idx);
    return v === SKIPPED ? undefined : v;
  }

  emit<K extends RuntimeEventName>(name: K, event: RuntimeEvents[K]): void {
    this.events.emit(name, event);
  }

  hasListeners(name: RuntimeEventName): boolean {
    return this.events.hasListeners(name);
  }

  async callFlow(agent: string, flow: string, args: Value[], kind: 'flow' | 'message' = 'flow'): Promise<Value> {
    const target = this.exec.lookupFlow(agent, flow);
    if (!target) {
      const all = this.exec.listFlows();
      throw new ApxmError('E_FLOW_NOT_FOUND', `flow '${agent}.${flow}' is not in this program`, {
        hint: all.length ? `available flows: ${all.join(', ')}` : 'no flows are registered',
      });
    }
    const restore = this.exec.releaseLane(this, false);
    try {
      return await this.exec.runChildFrame(this.frame, this.idx, target, args, kind);
    } finally {
      restore();
    }
  }

  hasFlow(agent: string, flow: string): boolean {
    return this.exec.lookupFlow(agent, flow) !== undefined;
  }

  agents(): string[] {
    const names = new Set<string>();
    for (const q of this.exec.listFlows()) {
      const [agent, flow] = [q.slice(0, q.indexOf('.')), q.slice(q.indexOf('.') + 1)];
      if (flow === 'communicate' || flow === 'main') names.add(agent);
    }
    return [...names];
  }

  async runGraph(graphJson: unknown, args: Value[]): Promise<Value> {
    const flow = this.exec.compileGraph(graphJson);
    const restore = this.exec.releaseLane(this, false);
    try {
      return await this.exec.runChildFrame(this.frame, this.idx, flow, args, 'plan');
    } finally {
      restore();
    }
  }

  /** Gives the lane back while waiting on something outside the run (a human, a queue). */
  waitExternally<T>(p: Promise<T>): Promise<T> {
    const restore = this.exec.releaseLane(this, true);
    return p.finally(restore);
  }

  addTokens(n: number): void {
    this.tokens += n;
  }

  get isStillRunning(): boolean {
    return this.frame.state[this.idx] === NodeState.Running;
  }
}
