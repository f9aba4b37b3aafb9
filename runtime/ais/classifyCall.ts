/**
 * What a call in AIS source means: an AIS operation, a flow, or a
 * capability (tool) invocation. Pure functions over names and the syntax tree.
 *
 * Two mappings exist: 'fix' (default, this runtime's lowering: `print` → PRINT,
 * `exc` → EXC, `communicate` → COMMUNICATE) and 'head' (upstream GraphGen: those three are INV
 * calls of a capability with the callee's name).
 */
import type { AgentDecl, CallExpr, FlowCallExpr, FlowDecl, Program } from './ast.js';
import { editDistance, type OpName } from '../graph/opCatalogue.js';

export type CallMapping = 'fix' | 'head';

export interface BuiltinCall {
  /** Lower-case spelling, as matched (GraphGen compares the lower-cased callee). */
  name: string;
  /** Op under the recommended mapping. */
  op: OpName;
  /** Op under upstream HEAD GraphGen. */
  headOp: OpName;
  /**
   * For INV: where the capability name comes from — the first argument (`inv("cap", ...)`), or
   * the callee itself (HEAD's `print`, `exec`, `talk`...).
   */
  capabilityFrom?: 'arg0' | 'callee';
}

const b = (op: OpName, names: string[], headOp: OpName = op): BuiltinCall[] =>
  names.map((name) => ({
    name,
    op,
    headOp,
    ...(headOp === 'INV' ? { capabilityFrom: op === 'INV' ? ('arg0' as const) : ('callee' as const) } : {}),
  }));

/** Every built-in call name. */
export const BUILTIN_CALLS: ReadonlyMap<string, BuiltinCall> = new Map(
  [
    ...b('ASK', ['ask']),
    ...b('THINK', ['think']),
    ...b('REASON', ['reason']),
    ...b('QMEM', ['qmem', 'query_memory', 'mem']),
    ...b('UMEM', ['umem', 'update_memory']),
    ...b('INV', ['inv', 'invoke', 'tool']),
    ...b('PLAN', ['plan']),
    ...b('REFLECT', ['reflect']),
    ...b('VERIFY', ['verify']),
    ...b('MERGE', ['merge']),
    ...b('WAIT_ALL', ['wait', 'wait_all']),
    ...b('PRINT', ['print'], 'INV'),
    ...b('EXC', ['exc', 'exec', 'execute'], 'INV'),
    ...b('COMMUNICATE', ['communicate', 'talk'], 'INV'),
    // Extensions: the remaining AIS operations as calls (upstream lowers these names to INV).
    ...b('FENCE', ['fence'], 'INV'),
    ...b('PAUSE', ['pause'], 'INV'),
    ...b('RESUME', ['resume'], 'INV'),
    ...b('CLAIM', ['claim'], 'INV'),
    ...b('UPDATE_GOAL', ['update_goal'], 'INV'),
    ...b('GUARD', ['guard'], 'INV'),
    ...b('ERR', ['err', 'raise'], 'INV'),
  ].map((x) => [x.name, x]),
);

export interface CallSuggestion {
  /** A built-in call name close to the unknown one. */
  name: string;
  op: OpName;
  distance: number;
}

export type CallClass =
  /** An AIS operation. For INV, `capability` is the fixed capability name, or absent when it is the first argument. */
  | { kind: 'op'; callee: string; op: OpName; builtin: string; capability?: string }
  /** A flow: `name(...)` of the current agent, or `Agent.flow(...)`; `flowDecl` when it exists. */
  | { kind: 'flow'; callee: string; agent?: string; flow: string; flowDecl?: FlowDecl }
  /** Not built in, not a flow: INV of capability `callee`; `suggestions` for "did you mean". */
  | { kind: 'capability'; callee: string; op: 'INV'; capability: string; suggestions: CallSuggestion[] };

export interface ClassifyOptions {
  /** Flows of the agent the call is written in; they shadow built-ins (GraphGen order). */
  localFlows?: Iterable<string> | ReadonlyMap<string, FlowDecl>;
  mapping?: CallMapping;
}

export function builtinCall(callee: string): BuiltinCall | undefined {
  return BUILTIN_CALLS.get(callee.toLowerCase());
}

/** Classifies `callee(...)`: local flow first, then built-ins (case-insensitive), else a capability. */
export function classifyCall(callee: string, options: ClassifyOptions = {}): CallClass {
  const local = options.localFlows;
  if (local) {
    const flows = local instanceof Map ? (local as ReadonlyMap<string, FlowDecl>) : undefined;
    const decl = flows?.get(callee);
    const found = flows ? decl !== undefined : [...(local as Iterable<string>)].includes(callee);
    if (found) return { kind: 'flow', callee, flow: callee, ...(decl ? { flowDecl: decl } : {}) };
  }
  const builtin = builtinCall(callee);
  if (builtin) {
    const op = options.mapping === 'head' ? builtin.headOp : builtin.op;
    return {
      kind: 'op',
      callee,
      op,
      builtin: builtin.name,
      ...(op === 'INV' && builtin.capabilityFrom === 'callee' ? { capability: callee } : {}),
    };
  }
  return { kind: 'capability', callee, op: 'INV', capability: callee, suggestions: suggestBuiltins(callee) };
}

/** Built-in names within a small edit distance of `name`, closest first. */
export function suggestBuiltins(name: string, max = 3): CallSuggestion[] {
  const lower = name.toLowerCase();
  const limit = lower.length <= 2 ? 1 : 2;
  const out: CallSuggestion[] = [];
  for (const bc of BUILTIN_CALLS.values()) {
    const distance = editDistance(lower, bc.name);
    if (distance > 0 && distance <= limit) out.push({ name: bc.name, op: bc.op, distance });
  }
  return out.sort((x, y) => x.distance - y.distance || x.name.localeCompare(y.name)).slice(0, max);
}

/** `did you mean 'ask' (ASK)?` or undefined. */
export function didYouMeanText(suggestions: readonly CallSuggestion[]): string | undefined {
  if (suggestions.length === 0) return undefined;
  return `did you mean ${suggestions.map((s) => `'${s.name}' (${s.op})`).join(' or ')}?`;
}

// Every call site asks for its agent's flows: built once per flows array (rebuilt if it grew), so a
// file of many flows that call each other checks in linear time, not quadratic.
const flowIndexes = new WeakMap<readonly FlowDecl[], { size: number; byName: Map<string, FlowDecl> }>();

/** The flows of an agent by name (the first of duplicate names wins). */
export function flowsOf(agent: AgentDecl): ReadonlyMap<string, FlowDecl> {
  const cached = flowIndexes.get(agent.flows);
  if (cached?.size === agent.flows.length) return cached.byName;
  const m = new Map<string, FlowDecl>();
  for (const f of agent.flows) if (!m.has(f.name)) m.set(f.name, f);
  flowIndexes.set(agent.flows, { size: agent.flows.length, byName: m });
  return m;
}

const agentIndexes = new WeakMap<readonly AgentDecl[], { size: number; byName: Map<string, AgentDecl> }>();

function agentNamed(program: Program, name: string): AgentDecl | undefined {
  let cached = agentIndexes.get(program.agents);
  if (cached?.size !== program.agents.length) {
    const m = new Map<string, AgentDecl>();
    for (const a of program.agents) if (!m.has(a.name)) m.set(a.name, a);
    cached = { size: program.agents.length, byName: m };
    agentIndexes.set(program.agents, cached);
  }
  return cached.byName.get(name);
}

// Suggestions compare the unknown name with every flow; past this many comparisons in one program
// none are offered, so a file of many unknown calls and many flows still checks in bounded time.
const SUGGESTION_BUDGET = 200_000;
const suggestionSpent = new WeakMap<Program, number>();
const flowNameLists = new WeakMap<Program, string[]>();

function qualifiedFlowNames(program: Program): string[] {
  let names = flowNameLists.get(program);
  if (!names) {
    names = program.agents.flatMap((a) => a.flows.map((f) => `${a.name}.${f.name}`));
    flowNameLists.set(program, names);
  }
  return names;
}

/** `Agent.flow` target: the flow if it exists, else suggestions `Agent.flow` spelt close to it. */
export function resolveFlowCall(
  program: Program,
  agent: string,
  flow: string,
): { flowDecl?: FlowDecl; agentDecl?: AgentDecl; suggestions: string[] } {
  const agentDecl = agentNamed(program, agent);
  const flowDecl = agentDecl ? flowsOf(agentDecl).get(flow) : undefined;
  if (flowDecl) return { flowDecl, agentDecl, suggestions: [] };
  const wanted = `${agent}.${flow}`;
  const all = qualifiedFlowNames(program);
  const spent = (suggestionSpent.get(program) ?? 0) + all.length;
  suggestionSpent.set(program, spent);
  if (spent > SUGGESTION_BUDGET) return { ...(agentDecl ? { agentDecl } : {}), suggestions: [] };
  const suggestions = all
    .map((q) => ({ q, d: editDistance(wanted, q) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(wanted.length / 4)))
    .sort((x, y) => x.d - y.d)
    .slice(0, 3)
    .map((x) => x.q);
  return { ...(agentDecl ? { agentDecl } : {}), suggestions };
}

/** Classifies a call node written inside `agent` of `program`. */
export function classifyCallExpr(expr: CallExpr | FlowCallExpr, program: Program, agent: AgentDecl, mapping?: CallMapping): CallClass {
  if (expr.kind === 'FlowCall') {
    const r = resolveFlowCall(program, expr.agent, expr.flow);
    return {
      kind: 'flow',
      callee: `${expr.agent}.${expr.flow}`,
      agent: expr.agent,
      flow: expr.flow,
      ...(r.flowDecl ? { flowDecl: r.flowDecl } : {}),
    };
  }
  const c = classifyCall(expr.callee, { localFlows: flowsOf(agent), mapping });
  return c.kind === 'flow' ? { ...c, agent: agent.name } : c;
}
