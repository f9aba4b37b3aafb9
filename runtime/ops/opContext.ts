/** What an op handler gets: its node, inputs, typed attribute access, and the run's services. */
import type { Cancellation } from '../cancellation.js';
import { ApxmError } from '../errors.js';
import type { RuntimeEventName, RuntimeEvents } from '../events.js';
import type { OpNode } from '../graph/types.js';
import type { LoopPlan } from '../scheduler/loopPlan.js';
import type { Value } from '../values/value.js';
import type { RunServices } from './runServices.js';

/**
 * A handler's reply when it routes control: `live` names the outgoing edge labels that carry the
 * value (others deliver a "skipped" token), `deferred` labels are released later by the engine
 * (TRY_CATCH's catch edges).
 */
export class Routed {
  constructor(
    readonly value: Value,
    readonly live: ReadonlySet<string>,
    readonly unlabelledLive = true,
  ) {}
}

/** Returned by GUARD `skip`: the node's outputs are skipped tokens, so downstream is skipped. */
export class SkipDownstream {
  constructor(
    readonly value: Value,
    readonly reason: string,
  ) {}
}

export type OpOutcome = Value | Routed | SkipDownstream | LoopPlan;

export interface OpContext {
  readonly node: OpNode;
  /** Do not mutate: the same array is in the node's events (the trace, the debugger's view). */
  readonly inputs: Value[];
  readonly attrs: AttributeReader;
  /** Aborted when the node is cancelled (run cancelled or ended, try region aborted, node timeout). */
  readonly signal: AbortSignal;
  /** The same, without an AbortSignal: cheaper, for the runtime's own waits (LLM calls). */
  readonly cancellation: Cancellation;
  readonly runId: string;
  readonly nodeExecId: string;
  readonly frameId: number;
  /** `Agent.flow` of the running frame. */
  readonly flowName: string;
  readonly services: RunServices;
  /** Labels of this node's outgoing edges (SWITCH cases, branches). */
  readonly outLabels: string[];
  /** Resolves `{{name}}` template variables: parameters, node outputs by name, `node_N`, loop `item`/`index`. */
  lookupVar(name: string): Value | undefined;
  emit<K extends RuntimeEventName>(name: K, event: RuntimeEvents[K]): void;
  /** Runs a flow of the program in a child frame of the same scheduler and returns its result. */
  callFlow(agent: string, flow: string, args: Value[], kind?: 'flow' | 'message'): Promise<Value>;
  /** True when the program defines Agent.flow. */
  hasFlow(agent: string, flow: string): boolean;
  /** Agents of the program that can receive messages (a `communicate` or `main` flow). */
  agents(): string[];
  /** Runs a generated graph (PLAN's inner plan) spliced into this run as a child frame. */
  runGraph(graphJson: unknown, args: Value[]): Promise<Value>;
  /** Gives the node's lane back while it waits on something outside the run (a human, a queue). */
  waitExternally<T>(p: Promise<T>): Promise<T>;
  /** Adds LLM tokens to this node's count (shown in node:finished). */
  addTokens(n: number): void;
}

export type OpHandler = (ctx: OpContext) => OpOutcome | Promise<OpOutcome>;

/** Typed attribute access: wrong types are errors that name the node and attribute. */
export class AttributeReader {
  constructor(private readonly node: OpNode) {}

  has(key: string): boolean {
    return this.node.attributes[key] !== undefined;
  }

  raw(key: string): Value | undefined {
    return this.node.attributes[key];
  }

  /** First present key among `keys` as a string; `required` throws when none is present. */
  string(keys: string | string[], opts: { required?: boolean; hint?: string } = {}): string | undefined {
    const list = Array.isArray(keys) ? keys : [keys];
    for (const k of list) {
      const v = this.node.attributes[k];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string') throw this.error(k, `must be a string, got ${JSON.stringify(v)}`, opts.hint);
      return v;
    }
    if (opts.required) throw this.error(list[0], 'is required', opts.hint);
    return undefined;
  }

  number(key: string, opts: { min?: number; max?: number; integer?: boolean; def?: number } = {}): number | undefined {
    const v = this.node.attributes[key];
    if (v === undefined || v === null) return opts.def;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.error(key, `must be a number, got ${JSON.stringify(v)}`);
    if (opts.integer && !Number.isInteger(v)) throw this.error(key, `must be an integer, got ${v}`);
    if (opts.min !== undefined && v < opts.min) throw this.error(key, `must be ≥ ${opts.min}, got ${v}`);
    if (opts.max !== undefined && v > opts.max) throw this.error(key, `must be ≤ ${opts.max}, got ${v}`);
    return v;
  }

  boolean(key: string, def: boolean): boolean {
    const v = this.node.attributes[key];
    if (v === undefined || v === null) return def;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    throw this.error(key, `must be true or false, got ${JSON.stringify(v)}`);
  }

  stringArray(key: string): string[] | undefined {
    const v = this.node.attributes[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw this.error(key, `must be an array of strings, got ${JSON.stringify(v)}`);
    return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  }

  private error(key: string, what: string, hint?: string): ApxmError {
    return new ApxmError('E_ATTRIBUTE', `attribute "${key}" of ${this.node.op} node ${this.node.id} (${this.node.name}) ${what}`, {
      nodeId: this.node.id,
      op: this.node.op,
      place: this.node.source ?? (this.node.jsonPath ? { jsonPath: `${this.node.jsonPath}.attributes.${key}` } : undefined),
      hint,
    });
  }
}
