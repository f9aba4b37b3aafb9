/** Calls → nodes: built-in operations with their attributes, flow calls, capability (tool) calls. */
import type { AgentDecl, CallExpr, Expression, FlowCallExpr, NamedArgument, Program as AisProgram } from './ast.js';
import { classifyCallExpr } from './classifyCall.js';
import type { FlowLowerer, LowerState, NodeSpec } from './flowLowerer.js';
import { OP_SIGNATURES } from './opSignatures.js';
import { quoteBarePlaceholders } from './templates.js';
import type { OpName } from '../graph/opCatalogue.js';
import type { Value, ValueObject } from '../values/value.js';

export interface CallSite {
  program: AisProgram;
  agent: AgentDecl;
}

const LLM_TEXT_OPS = new Set<OpName>(['ASK', 'THINK', 'REASON']);

export function lowerCall(lw: FlowLowerer, e: CallExpr | FlowCallExpr, st: LowerState, hint?: string): number {
  const c = classifyCallExpr(e, lw.site.program, lw.site.agent, lw.ctx.mapping);
  if (c.kind === 'flow') {
    const agent = c.agent ?? lw.site.agent.name;
    const params = c.flowDecl?.params ?? [];
    const args: (Expression | undefined)[] = params.map((p, i) => e.args[i] ?? e.namedArgs.find((n) => n.name === p.name)?.value);
    const data = args.map((a) => (a ? lw.nodeOf(lw.value(a, st), a.range) : undefined)).filter((x): x is number => x !== undefined);
    return lw.emit(
      {
        op: 'FLOW_CALL',
        name: hint ?? `${agent}.${c.flow}`,
        attributes: { agent_name: agent, flow_name: c.flow },
        range: e.range,
        data,
        effect: lw.ctx.flowHasEffects(agent, c.flow),
      },
      st,
    );
  }
  const call = e as CallExpr;
  if (c.kind === 'capability') return capabilityCall(lw, call, c.capability, st, hint);
  return opCall(lw, call, c.op, st, hint, c.capability);
}

/** An unknown callee is a tool: positional arguments become its inputs (matched to its schema's properties in order), named ones its parameters. */
function capabilityCall(lw: FlowLowerer, e: CallExpr, capability: string, st: LowerState, hint?: string): number {
  const data = e.args.map((a) => lw.nodeOf(lw.value(a, st), a.range));
  const attributes: ValueObject = { capability };
  if (e.namedArgs.length) attributes.params = namedParams(lw, e.namedArgs, st, data);
  return lw.emit({ op: 'INV', name: hint ?? capability, attributes, range: e.range, data, effect: true }, st);
}

/** Named arguments as a parameter object; non-literal values become `{k}` inputs. */
function namedParams(lw: FlowLowerer, named: NamedArgument[], st: LowerState, data: number[]): ValueObject {
  const out: ValueObject = {};
  for (const n of named) {
    const lit = literalValue(n.value);
    if (lit !== undefined) out[n.name] = lit;
    else {
      const id = lw.nodeOf(lw.value(n.value, st), n.value.range);
      let k = data.indexOf(id);
      if (k < 0) k = data.push(id) - 1;
      out[n.name] = `{${k}}`;
    }
  }
  return out;
}

export function literalValue(e: Expression): Value | undefined {
  switch (e.kind) {
    case 'String':
      return e.value;
    case 'Number':
      return e.value;
    case 'Bool':
      return e.value;
    case 'Null':
      return null;
    case 'Array': {
      const items = e.elements.map(literalValue);
      return items.every((x) => x !== undefined) ? items : undefined;
    }
    default:
      return undefined;
  }
}

function opCall(lw: FlowLowerer, e: CallExpr, op: OpName, st: LowerState, hint: string | undefined, fixedCapability?: string): number {
  const sig = OP_SIGNATURES[op];
  const name = hint ?? e.callee.toLowerCase();
  const attributes: ValueObject = {};
  const data: number[] = [];
  // Named arguments are attributes (only literal values; the checker reports the rest).
  for (const n of e.namedArgs) {
    const v = literalValue(n.value);
    if (v !== undefined && !(op === 'INV' && !sig?.named.some((x) => x.name === n.name))) attributes[n.name] = v;
  }
  const spec = (extra: Partial<NodeSpec> = {}): NodeSpec => ({
    op,
    name,
    attributes,
    range: e.range,
    data,
    effect: sig?.effect ?? false,
    ...extra,
  });
  const node = (x: Expression): number => lw.nodeOf(lw.value(x, st), x.range);
  /** Text argument → template with its inputs appended to `data`. */
  const text = (x: Expression | undefined): string => {
    if (!x) return '';
    const t = lw.template(x, st);
    const base = data.length;
    data.push(...t.refs);
    return base === 0 ? t.text : t.text.replace(/\{(\d+)\}/g, (_, k: string) => `{${Number(k) + base}}`);
  };
  /** A text attribute when the text needs no node inputs, else an input of the node. */
  const textOrInput = (x: Expression | undefined, attr: string): void => {
    if (!x) return;
    const t = lw.template(x, st);
    if (t.refs.length === 0) attributes[attr] = t.text;
    else if (t.text === '{0}') data.push(t.refs[0]);
    else data.push(lw.emit({ op: 'CONST_STR', name: attr, attributes: { value: t.text }, range: x.range, data: t.refs }, st));
  };
  const rest = (from: number): void => {
    for (const a of e.args.slice(from)) {
      const id = node(a);
      if (!data.includes(id)) data.push(id);
    }
  };
  const tier = (i: number): void => {
    const t = e.args[i];
    attributes.memory_tier = t && t.kind === 'String' ? t.value.trim().toLowerCase() : 'stm';
  };

  if (LLM_TEXT_OPS.has(op)) {
    attributes.template_str = text(e.args[0]);
    rest(1);
    if (lw.ctx.systemPrompt !== undefined && attributes.system_prompt === undefined) attributes.system_prompt = lw.ctx.systemPrompt;
    if (lw.ctx.tools.length) attributes.tools = lw.ctx.tools;
    return lw.emit(spec(), st);
  }
  switch (op) {
    case 'PLAN': {
      textOrInput(e.args[0], 'goal');
      rest(1);
      return lw.emit(spec(), st);
    }
    case 'REFLECT':
      rest(0);
      return lw.emit(spec({ readsEffects: true }), st);
    case 'VERIFY': {
      textOrInput(e.args[0], 'claim');
      for (const a of e.args.slice(1)) data.push(node(a));
      return lw.emit(spec(), st);
    }
    case 'QMEM':
      attributes.query = text(e.args[0]);
      tier(1);
      return lw.emit(spec({ readsEffects: true }), st);
    case 'UMEM': {
      const v = e.args[0];
      if (v) data.push(node(v));
      tier(1);
      if (attributes.key === undefined) {
        const base = v?.kind === 'Var' ? v.name : `${name}_${lw.nodes.length + 1}`;
        attributes.key = st.inLoop ? `${base}:{{index}}` : base;
      }
      return lw.emit(spec(), st);
    }
    case 'INV': {
      if (fixedCapability) {
        // upstream HEAD mapping: print/exec/talk... are tools named after the callee
        attributes.capability = fixedCapability;
        rest(0);
        return lw.emit(spec(), st);
      }
      const cap = e.args[0];
      attributes.capability = cap?.kind === 'String' ? cap.value : '';
      const p = e.args[1];
      if (p) {
        if (p.kind === 'String' || (p.kind === 'Binary' && p.op === 'Add')) attributes.params_json = quoteBarePlaceholders(text(p));
        else data.push(node(p));
      }
      const named = e.namedArgs.filter((n) => !sig?.named.some((x) => x.name === n.name));
      if (named.length) attributes.params = namedParams(lw, named, st, data);
      return lw.emit(spec(), st);
    }
    case 'EXC':
      attributes.code = text(e.args[0]);
      rest(1);
      return lw.emit(spec(), st);
    case 'PRINT':
      attributes.message = text(e.args[0]);
      rest(1);
      return lw.emit(spec(), st);
    case 'COMMUNICATE': {
      const r = e.args[0];
      attributes.recipient = r?.kind === 'String' ? r.value : '';
      if (e.args[1]) data.push(node(e.args[1]));
      return lw.emit(spec(), st);
    }
    case 'PAUSE':
      attributes.message = text(e.args[0]);
      rest(1);
      return lw.emit(spec(), st);
    case 'RESUME':
      attributes.checkpoint = stringArg(e.args[0]);
      return lw.emit(spec(), st);
    case 'CLAIM':
      attributes.queue = stringArg(e.args[0]);
      return lw.emit(spec(), st);
    case 'UPDATE_GOAL':
      attributes.goal_id = stringArg(e.args[0]);
      textOrInput(e.args[1], 'description');
      return lw.emit(spec(), st);
    case 'GUARD':
      if (e.args[0]) data.push(node(e.args[0]));
      attributes.condition = stringArg(e.args[1]) || 'not_empty';
      return lw.emit(spec(), st);
    case 'ERR': {
      textOrInput(e.args[0], 'message');
      return lw.emit(spec(), st);
    }
    case 'MERGE':
    case 'WAIT_ALL':
    case 'FENCE':
    default:
      rest(0);
      return lw.emit(spec(), st);
  }
}

function stringArg(e: Expression | undefined): string {
  return e?.kind === 'String' ? e.value : '';
}
