/**
 * One AIS flow → one ApxmGraph flow, with real dataflow:
 * - Data edges only from values an operation uses; operations that use nothing of each other run
 *   in parallel.
 * - Side effects (memory writes, tools, printing, messages, effectful flow calls) keep source order
 *   through Effect edges (they order without passing a skip on); memory queries and REFLECT wait for the effects before them;
 *   `parallel { }` lets its statements' effects run side by side.
 * - if / switch / try / loop bodies are regions: a node of a region with no input from inside it
 *   gets a Control edge from the region's gate (the branch with its label, the loop start...), so
 *   untaken arms are skipped. After a construct, values and effects of the arms meet in joins
 *   (MERGE "first", WAIT_ALL) that run whichever arm ran.
 * - A return in some arms makes the statements after it a continuation of the other arms.
 */
import type { Block, Expression, FlowDecl, Statement, SwitchStmt, TryCatchStmt, IfStmt, LoopStmt } from './ast.js';
import { Scope } from './aisScope.js';
import type { DiagnosticSink } from './diagnostics.js';
import { ifCondition } from './ifCondition.js';
import { lowerCall, type CallSite } from './lowerCalls.js';
import { buildTemplate, type Template } from './templates.js';
import type { AisRange } from './positions.js';
import { span, startOf, toSourceRange } from './positions.js';
import type { OpName } from '../graph/opCatalogue.js';
import type { ValueObject } from '../values/value.js';

/** A value in scope: a node's output, or a flow parameter (by name). */
export type Ref = number | { param: string };

export interface Gate {
  from: number;
  label?: string;
}

interface Region {
  gate?: Gate;
  parent?: Region;
}

export interface LowerState {
  scope: Scope<Ref>;
  /** The last side effect in source order on this path. */
  lastEffect?: number;
  region: Region;
  /** Inside a loop body (memory keys get the iteration index). */
  inLoop: boolean;
}

export interface NodeSpec {
  op: OpName;
  name: string;
  attributes?: ValueObject;
  range: AisRange;
  /** Node ids whose values are the inputs, in order. */
  data?: number[];
  effect?: boolean;
  /** Waits for the effects before it (memory reads, REFLECT). */
  readsEffects?: boolean;
  /** Extra edges into the node (e.g. labelled edges from a SWITCH). */
  extra?: { from: number; dependency: 'Data' | 'Control' | 'Effect'; label?: string }[];
}

export interface GraphNodeJson {
  id: number;
  name: string;
  op: OpName;
  attributes: ValueObject;
  source: ReturnType<typeof toSourceRange>;
}
export interface GraphEdgeJson {
  from: number;
  to: number;
  dependency: 'Data' | 'Control' | 'Effect';
  label?: string;
}

export interface FlowContext {
  file: string;
  agentName: string;
  /** Agent `context:` → system prompt of its LLM calls. */
  systemPrompt?: string;
  tools: string[];
  /** Whether calling `Agent.flow` may have side effects. */
  flowHasEffects(agent: string, flow: string): boolean;
  mapping?: 'fix' | 'head';
}

export class FlowLowerer {
  readonly nodes: GraphNodeJson[] = [];
  readonly edges: GraphEdgeJson[] = [];
  private readonly regionOf = new Map<number, Region>();
  private readonly paramNodes = new Map<string, number>();

  constructor(
    readonly flow: FlowDecl,
    readonly ctx: FlowContext,
    readonly sink: DiagnosticSink,
    readonly site: CallSite,
  ) {}

  lower(): void {
    const scope = new Scope<Ref>();
    for (const p of this.flow.params) scope.bind(p.name, { param: p.name });
    const root: LowerState = { scope, region: {}, inLoop: false };
    this.statements(this.flow.body, root);
    // a graph needs a node: an empty flow (or one that only binds names) returns null
    if (this.nodes.length === 0)
      this.emit({ op: 'RETURN', name: 'return', attributes: { compiler_generated: true }, range: this.flow.bodyRange }, root);
  }

  // ------------------------------------------------------------------ nodes and edges

  emit(spec: NodeSpec, st: LowerState): number {
    const id = this.nodes.length + 1;
    const attributes: ValueObject = { ...(spec.attributes ?? {}) };
    this.nodes.push({ id, name: spec.name, op: spec.op, attributes, source: toSourceRange(spec.range, this.ctx.file) });
    this.regionOf.set(id, st.region);
    // Effect edges only order (a skipped side effect does not skip the next one), so they do not gate.
    const sources: { from: number; label?: string; effect?: boolean }[] = [];
    for (const from of spec.data ?? []) {
      this.edges.push({ from, to: id, dependency: 'Data' });
      sources.push({ from });
    }
    for (const x of spec.extra ?? []) {
      this.edges.push({ from: x.from, to: id, dependency: x.dependency, ...(x.label !== undefined ? { label: x.label } : {}) });
      sources.push({ from: x.from, label: x.label, effect: x.dependency === 'Effect' });
    }
    if ((spec.effect || spec.readsEffects) && st.lastEffect !== undefined && !sources.some((s) => s.from === st.lastEffect)) {
      this.edges.push({ from: st.lastEffect, to: id, dependency: 'Effect' });
      sources.push({ from: st.lastEffect, effect: true });
    }
    this.gateIfNeeded(id, sources, st.region);
    if (spec.effect) st.lastEffect = id;
    return id;
  }

  /** A node of a gated region that gets nothing from inside the region is controlled by its gate. */
  private gateIfNeeded(id: number, sources: { from: number; label?: string; effect?: boolean }[], region: Region): void {
    const gate = region.gate;
    if (!gate) return;
    const gated = sources.some((s) => !s.effect && (this.within(s.from, region) || (s.from === gate.from && s.label === gate.label)));
    if (!gated)
      this.edges.push({ from: gate.from, to: id, dependency: 'Control', ...(gate.label !== undefined ? { label: gate.label } : {}) });
  }

  private within(node: number, region: Region): boolean {
    for (let r = this.regionOf.get(node); r; r = r.parent) if (r === region) return true;
    return false;
  }

  /** The node holding a value: parameters get one shared CONST_STR `{{name}}` node. */
  nodeOf(ref: Ref, range: AisRange): number {
    if (typeof ref === 'number') return ref;
    let id = this.paramNodes.get(ref.param);
    if (id === undefined) {
      id = this.nodes.length + 1;
      // Ungated and with no inputs: it runs once, whatever region first needed it.
      this.nodes.push({
        id,
        name: ref.param,
        op: 'CONST_STR',
        attributes: { value: `{{${ref.param}}}`, compiler_generated: true },
        source: toSourceRange(range, this.ctx.file),
      });
      this.paramNodes.set(ref.param, id);
    }
    return id;
  }

  /** `ref` as a value that exists only when `region` runs (a pass-through JUMP when it comes from outside). */
  gatedValue(ref: Ref, st: LowerState, range: AisRange): number {
    const id = this.nodeOf(ref, range);
    if (!st.region.gate || this.within(id, st.region)) return id;
    return this.emit({ op: 'JUMP', name: 'pass', attributes: { compiler_generated: true }, range, data: [id] }, st);
  }

  // ------------------------------------------------------------------ expressions

  /** Lowers an expression to the value it denotes. `hint` names the node (a binding's name). */
  value(e: Expression, st: LowerState, hint?: string): Ref {
    switch (e.kind) {
      case 'Var': {
        const r = st.scope.lookup(e.name);
        if (r === undefined) throw new Error(`internal: '${e.name}' is not in scope (the checker should have reported it)`);
        return r;
      }
      case 'String':
        return this.emit({ op: 'CONST_STR', name: hint ?? 'text', attributes: { value: e.value }, range: e.range }, st);
      case 'Number':
      case 'Bool':
      case 'Null':
        return this.emit(
          { op: 'CONST_STR', name: hint ?? 'const', attributes: { value: e.kind === 'Null' ? null : e.value }, range: e.range },
          st,
        );
      case 'Array': {
        if (e.elements.every((x) => x.kind === 'String' || x.kind === 'Number' || x.kind === 'Bool' || x.kind === 'Null')) {
          const items = e.elements.map((x) => (x.kind === 'Null' ? null : (x as { value: string | number | boolean }).value));
          return this.emit({ op: 'CONST_STR', name: hint ?? 'list', attributes: { value: items }, range: e.range }, st);
        }
        const data = e.elements.map((x) => this.nodeOf(this.value(x, st), x.range));
        return this.emit({ op: 'MERGE', name: hint ?? 'list', attributes: { strategy: 'array' }, range: e.range, data }, st);
      }
      case 'Binary': {
        const t = this.template(e, st);
        return this.emit({ op: 'CONST_STR', name: hint ?? 'text', attributes: { value: t.text }, range: e.range, data: t.refs }, st);
      }
      case 'Call':
      case 'FlowCall':
        return lowerCall(this, e, st, hint);
      default:
        throw new Error(`internal: a ${e.kind} expression reached the graph builder (the checker should have reported it)`);
    }
  }

  /** A `+` chain as a template: `{k}` for the k-th node input, `{{p}}` for a parameter. */
  template(e: Expression, st: LowerState): Template {
    return buildTemplate(e, (part) => {
      const r = this.value(part, st);
      return typeof r === 'number' ? r : r.param;
    });
  }

  // ------------------------------------------------------------------ statements

  /** Lowers a statement list; returns the state to go on with, or undefined when every path returned. */
  statements(list: Statement[], st: LowerState): LowerState | undefined {
    let cur: LowerState | undefined = st;
    for (const s of list) {
      if (!cur) break;
      cur = this.statement(s, cur);
    }
    return cur;
  }

  private statement(s: Statement, st: LowerState): LowerState | undefined {
    switch (s.kind) {
      case 'Let': {
        const r = this.value(s.init, st, s.name);
        st.scope.bind(s.name, r);
        return st;
      }
      case 'ExprStmt':
        this.value(s.expression, st, undefined);
        return st;
      case 'Return': {
        const data = s.value ? [this.nodeOf(this.value(s.value, st, 'result'), s.value.range)] : [];
        this.emit({ op: 'RETURN', name: 'return', range: s.range, data }, st);
        return undefined;
      }
      case 'If':
        return this.ifStatement(s, st);
      case 'Switch':
        return this.switchStatement(s, st);
      case 'TryCatch':
        return this.tryStatement(s, st);
      case 'Loop':
        return this.loopStatement(s, st);
      case 'Parallel':
        return this.parallelStatement(s.body, st);
    }
  }

  private arm(st: LowerState, gate: Gate): LowerState {
    return { scope: st.scope.child(), lastEffect: st.lastEffect, region: { gate, parent: st.region }, inLoop: st.inLoop };
  }

  private ifStatement(s: IfStmt, st: LowerState): LowerState | undefined {
    const c = ifCondition(s.condition);
    if ('unsupported' in c) throw new Error('internal: an unsupported if condition reached the graph builder');
    const subject = this.nodeOf(this.value(c.subject, st, 'condition'), c.subject.range);
    const branch = this.emit(
      { op: 'BRANCH_ON_VALUE', name: 'if', attributes: { condition: c.condition }, range: s.condition.range, data: [subject] },
      st,
    );
    const a = this.statements(s.then.statements, this.arm(st, { from: branch, label: 'true' }));
    const elseArm = this.arm(st, { from: branch, label: 'false' });
    const b = s.else ? this.statements(s.else.statements, elseArm) : elseArm;
    return this.join(st, [a, b], branch, s.range, 'if');
  }

  private switchStatement(s: SwitchStmt, st: LowerState): LowerState | undefined {
    const d = this.nodeOf(this.value(s.discriminant, st, 'discriminant'), s.discriminant.range);
    const labels = s.cases.map((c) => c.labelValue);
    const sw = this.emit({ op: 'SWITCH', name: 'switch', attributes: { case_labels: labels }, range: s.discriminant.range, data: [d] }, st);
    const arms: (LowerState | undefined)[] = [];
    const values: (number | undefined)[] = [];
    const armOf = (body: Statement[], label: string): void => {
      const start = this.arm(st, { from: sw, label });
      let cur: LowerState | undefined = start;
      let last: number | undefined;
      for (const stmt of body) {
        if (!cur) break;
        if (s.result && stmt === body.at(-1) && stmt.kind === 'ExprStmt') {
          last = this.gatedValue(this.value(stmt.expression, cur, s.result.name), cur, stmt.range);
          continue;
        }
        cur = this.statement(stmt, cur);
        if (cur && s.result && stmt === body.at(-1) && stmt.kind === 'Let')
          last = this.gatedValue(cur.scope.lookup(stmt.name) as Ref, cur, stmt.range);
      }
      arms.push(cur);
      values.push(cur ? last : undefined);
    };
    s.cases.forEach((c, i) => armOf(c.body, labels[i]));
    if (s.defaultBody) armOf(s.defaultBody, 'default');
    else {
      arms.push(this.arm(st, { from: sw, label: 'default' }));
      values.push(undefined);
    }
    const after = this.join(st, arms, sw, s.range, 'switch');
    if (after && s.result) {
      const extra: NodeSpec['extra'] = [];
      values.forEach((v, i) => {
        if (arms[i] === undefined) return;
        // No default: the switch passes its subject on when nothing matches (upstream's "SWITCH node as the arm").
        if (v === undefined) extra.push({ from: sw, dependency: 'Data', label: 'default' });
        else extra.push({ from: v, dependency: 'Data' });
      });
      const merged = this.emit(
        { op: 'MERGE', name: s.result.name, attributes: { strategy: 'first' }, range: s.result.range, extra },
        after,
      );
      after.scope.bind(s.result.name, merged);
    }
    return after;
  }

  private tryStatement(s: TryCatchStmt, st: LowerState): LowerState | undefined {
    const tc = this.emit({ op: 'TRY_CATCH', name: 'try', range: span(s.range, startOf(s.tryBlock.range)) }, st);
    const t = this.statements(s.tryBlock.statements, this.arm(st, { from: tc }));
    const c = this.statements(s.catchBlock.statements, this.arm(st, { from: tc, label: 'catch' }));
    // The catch arm first: when the try region failed, values it had already made are stale.
    return this.join(st, [c, t], tc, s.range, 'try');
  }

  /**
   * After a branching construct. `arms` are the arms' end states (undefined: it returned). With one
   * arm going on, what follows continues that arm; with several, values and effects are joined.
   */
  private join(
    before: LowerState,
    arms: (LowerState | undefined)[],
    opener: number,
    range: AisRange,
    construct: string,
  ): LowerState | undefined {
    const live = arms.filter((a): a is LowerState => a !== undefined);
    if (live.length === 0) return undefined;
    if (live.length === 1 && live.length < arms.length) return live[0];
    const st: LowerState = { scope: before.scope, lastEffect: before.lastEffect, region: before.region, inLoop: before.inLoop };
    st.scope = before.scope.join(
      live.map((a) => a.scope),
      construct,
      (name, refs) => {
        const data = refs.map((r, i) => this.gatedValue(r, live[i], range));
        return this.emit({ op: 'MERGE', name, attributes: { strategy: 'first', compiler_generated: true }, range, data }, st);
      },
    );
    if (live.some((a) => a.lastEffect !== before.lastEffect)) {
      const extra: NodeSpec['extra'] = live
        .filter((a) => a.lastEffect !== before.lastEffect)
        .map((a) => ({ from: a.lastEffect as number, dependency: 'Effect' as const }));
      // Always live, so the join runs whichever arm ran; for try, one edge on each side keeps it out of both regions.
      extra.push({ from: opener, dependency: 'Control' });
      if (construct === 'try') extra.push({ from: opener, dependency: 'Control', label: 'catch' });
      st.lastEffect = this.emit(
        { op: 'WAIT_ALL', name: `${construct}_done`, attributes: { compiler_generated: true }, range, extra },
        { ...st, lastEffect: undefined },
      );
    }
    return st;
  }

  private loopStatement(s: LoopStmt, st: LowerState): LowerState {
    const label = `loop_${s.variable}_${this.nodes.length + 1}`;
    const attributes: ValueObject = { label, variable: s.variable };
    const data: number[] = [];
    const coll = s.collection;
    const literalItems =
      coll.kind === 'Array' && coll.elements.every((x) => x.kind === 'String' || x.kind === 'Number' || x.kind === 'Bool');
    if (literalItems) attributes.items = coll.elements.map((x) => (x as { value: string | number | boolean }).value);
    else data.push(this.nodeOf(this.value(coll, st, `${s.variable}_items`), coll.range));
    const items = attributes.items as unknown[] | undefined;
    if (items && items.length > 100) attributes.max_iterations = items.length;
    const start = this.emit(
      { op: 'LOOP_START', name: `loop ${s.variable}`, attributes, range: span(s.range, startOf(s.body.range)), data },
      st,
    );
    const body: LowerState = {
      scope: st.scope.child(),
      lastEffect: st.lastEffect,
      region: { gate: { from: start }, parent: st.region },
      inLoop: true,
    };
    body.scope.bind(s.variable, start);
    const firstBodyNode = this.nodes.length + 1;
    const end = this.statements(s.body.statements, body);
    const bodyRegion = body.region;
    // Every body node that feeds nothing else in the body ends the iteration.
    const feedsBody = new Set<number>();
    for (const e of this.edges) if (e.from >= firstBodyNode && this.within(e.to, bodyRegion)) feedsBody.add(e.from);
    const sinks: number[] = [];
    for (let id = firstBodyNode; id <= this.nodes.length; id++) if (this.within(id, bodyRegion) && !feedsBody.has(id)) sinks.push(id);
    if (sinks.length === 0) sinks.push(start);
    const effects = end?.lastEffect !== st.lastEffect;
    const loopEnd = this.emit(
      {
        op: 'LOOP_END',
        name: `end loop ${s.variable}`,
        attributes: { label, compiler_generated: true },
        range: s.range,
        extra: sinks.map((from) => ({ from, dependency: 'Control' as const })),
      },
      { ...st, lastEffect: undefined },
    );
    st.scope.hideFrom(body.scope, 'loop');
    return { ...st, lastEffect: effects ? loopEnd : st.lastEffect };
  }

  private parallelStatement(b: Block, st: LowerState): LowerState {
    const ends: number[] = [];
    let cur: LowerState = st;
    for (const s of b.statements) {
      const branch: LowerState = { ...cur, lastEffect: st.lastEffect };
      const out = this.statement(s, branch) ?? branch;
      if (out.lastEffect !== st.lastEffect && out.lastEffect !== undefined) ends.push(out.lastEffect);
      cur = { ...out, lastEffect: st.lastEffect };
    }
    const next: LowerState = { ...cur, lastEffect: st.lastEffect };
    if (ends.length === 1) next.lastEffect = ends[0];
    else if (ends.length > 1)
      next.lastEffect = this.emit(
        {
          op: 'WAIT_ALL',
          name: 'parallel_done',
          attributes: { compiler_generated: true },
          range: b.range,
          extra: ends.map((from) => ({ from, dependency: 'Effect' as const })),
        },
        { ...next, lastEffect: undefined },
      );
    return next;
  }
}
