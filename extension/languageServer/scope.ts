/**
 * Which names a position in a flow can see, by the rule the checker and the lowering share
 * (runtime/ais/aisScope.ts): the parameters, then earlier bindings (`let x = ...`, `... -> x`,
 * `switch ... -> x`); inside a block, the names bound before it in the block; loop variables in
 * their loop. After an if/try/switch a name stays visible when every arm that goes on binds it
 * (bound differently in the arms, it is a merge of those bindings); names bound in only some arms,
 * or in a loop body, are hidden after it; a parallel block's bindings stay visible after it.
 */
import type { Expression, Param, Statement, VarExpr } from '../../runtime/ais/ast.js';
import { joinArms, Scope, type Outcome as ArmOutcome } from '../../runtime/ais/aisScope.js';
import type { AisRange } from '../../runtime/ais/positions.js';
import { touches } from './analyzedDocument.js';
import { forEachExpression, forEachStatement, nestedBlocks, ownExpressions, type Body } from './astWalk.js';

export type BindingKind = 'parameter' | 'let' | 'loop' | 'switch' | 'merge';

export interface Binding {
  name: string;
  kind: BindingKind;
  /** The name where it is declared: the identity of a binding within its body (a merge: its first source's). */
  nameRange: AisRange;
  /** The declaring statement (let, `-> x`, loop or switch); absent for parameters and merges. */
  statement?: Statement;
  param?: Param;
  /** A merge after an if/try/switch: the arms' bindings it joins. */
  sources?: Binding[];
}

function paramBinding(p: Param): Binding {
  return { name: p.name, kind: 'parameter', nameRange: p.nameRange, param: p };
}

function letBinding(s: Statement): Binding | undefined {
  if (s.kind === 'Let' && s.name) return { name: s.name, kind: 'let', nameRange: s.nameRange, statement: s };
  return undefined;
}

function loopBinding(s: Extract<Statement, { kind: 'Loop' }>): Binding {
  return { name: s.variable, kind: 'loop', nameRange: s.variableRange, statement: s };
}

function switchBinding(
  s: Extract<Statement, { kind: 'Switch' }>,
  result: NonNullable<Extract<Statement, { kind: 'Switch' }>['result']>,
): Binding {
  return { name: result.name, kind: 'switch', nameRange: result.range, statement: s };
}

const merge = (name: string, values: Binding[]): Binding => ({ name, kind: 'merge', nameRange: values[0].nameRange, sources: values });

type Outcome = ArmOutcome<Binding>;

/** Called with each statement and the scope its own expressions see (before it binds anything). */
type Visit = (s: Statement, scope: Scope<Binding>) => void;

/**
 * The scope after `list`, as the checker computes it. Statements after a return are still walked
 * (their names resolve for hover and navigation); they cannot change what follows a return.
 */
function runStatements(list: readonly Statement[], scope: Scope<Binding>, visit?: Visit): Outcome {
  let cur = scope;
  let returns = false;
  for (const s of list) {
    const out = runStatement(s, cur, visit);
    cur = out.scope;
    returns ||= out.returns;
  }
  return { scope: cur, returns };
}

function join(before: Scope<Binding>, arms: Outcome[], construct: string): Outcome {
  return joinArms(before, arms, construct, merge);
}

function runStatement(s: Statement, scope: Scope<Binding>, visit?: Visit): Outcome {
  visit?.(s, scope);
  switch (s.kind) {
    case 'Let': {
      const b = letBinding(s);
      if (b) scope.bind(b.name, b);
      return { scope, returns: false };
    }
    case 'Return':
      return { scope, returns: true };
    case 'If': {
      const a = runStatements(s.then.statements, scope.child(), visit);
      const b = s.else ? runStatements(s.else.statements, scope.child(), visit) : { scope: scope.child(), returns: false };
      return join(scope, [a, b], 'if');
    }
    case 'TryCatch':
      return join(
        scope,
        [runStatements(s.tryBlock.statements, scope.child(), visit), runStatements(s.catchBlock.statements, scope.child(), visit)],
        'try',
      );
    case 'Switch': {
      const arms = s.cases.map((c) => runStatements(c.body, scope.child(), visit));
      arms.push(s.defaultBody ? runStatements(s.defaultBody, scope.child(), visit) : { scope: scope.child(), returns: false });
      const out = join(scope, arms, 'switch');
      if (s.result?.name) out.scope.bind(s.result.name, switchBinding(s, s.result));
      return out;
    }
    case 'Loop': {
      const body = scope.child();
      if (s.variable) body.bind(s.variable, loopBinding(s));
      scope.hideFrom(runStatements(s.body.statements, body, visit).scope, 'loop');
      return { scope, returns: false };
    }
    case 'Parallel':
      return { scope: runStatements(s.body.statements, scope, visit).scope, returns: false };
    case 'ExprStmt':
      return { scope, returns: false };
  }
}

function startScope(body: Body): Scope<Binding> {
  const start = new Scope<Binding>();
  for (const p of body.params) if (p.name) start.bind(p.name, paramBinding(p));
  return start;
}

/** The scope at `offset` inside `list`, which starts with `scope`. */
function scopeIn(list: readonly Statement[], offset: number, scope: Scope<Binding>): Scope<Binding> {
  let cur = scope;
  for (const s of list) {
    if (s.range.offset >= offset) return cur;
    if (offset >= s.range.endOffset) {
      cur = runStatement(s, cur).scope;
      continue;
    }
    // The position is inside `s`: in one of its blocks, or in its own expressions.
    for (const block of nestedBlocks(s)) {
      if (!block.ranges.some((r) => touches(r, offset))) continue;
      const inner = s.kind === 'Parallel' ? cur : cur.child();
      if (s.kind === 'Loop' && s.variable) inner.bind(s.variable, loopBinding(s));
      return scopeIn(block.statements, offset, inner);
    }
    return cur;
  }
  return cur;
}

/** Every name visible at `offset` in `body`, by name. */
export function bindingsInScope(body: Body, offset: number): Map<string, Binding> {
  const scope = scopeIn(body.body, offset, startScope(body));
  return new Map(scope.names().map((n) => [n, scope.lookup(n)!]));
}

/** The binding a use of `name` at `offset` refers to. */
export function resolveName(body: Body, name: string, offset: number): Binding | undefined {
  return bindingsInScope(body, offset).get(name);
}

const resolved = new WeakMap<Body, Map<VarExpr, Binding | undefined>>();

/**
 * What every variable of `body` refers to, in one walk (a walk per use would be quadratic in the
 * flow's length). Cached per body: a body belongs to one analysed version of a document.
 */
export function resolutions(body: Body): Map<VarExpr, Binding | undefined> {
  const hit = resolved.get(body);
  if (hit) return hit;
  const out = new Map<VarExpr, Binding | undefined>();
  const resolveIn = (e: Expression, scope: Scope<Binding>): void =>
    forEachExpression(e, (x) => {
      if (x.kind === 'Var') out.set(x, scope.lookup(x.name));
    });
  const start = startScope(body);
  if (body.kind === 'OnEvent' && body.condition) resolveIn(body.condition, start);
  runStatements(body.body, start, (s, scope) => {
    for (const e of ownExpressions(s)) resolveIn(e, scope);
  });
  resolved.set(body, out);
  return out;
}

/** The declarations behind a binding: itself, or every declaration a merge joins. */
export function declarationsOf(b: Binding): Binding[] {
  if (b.kind !== 'merge') return [b];
  const out: Binding[] = [];
  for (const s of b.sources ?? []) for (const d of declarationsOf(s)) if (!out.some((x) => sameBinding(x, d))) out.push(d);
  return out;
}

/** Every binding declared in `body`: parameters, then let/arrow/switch bindings and loop variables in source order. */
export function declaredBindings(body: Body): Binding[] {
  const out = body.params.filter((p) => p.name).map(paramBinding);
  forEachStatement(body.body, (s) => {
    const b = letBinding(s);
    if (b) out.push(b);
    if (s.kind === 'Switch' && s.result?.name) out.push(switchBinding(s, s.result));
    if (s.kind === 'Loop' && s.variable) out.push(loopBinding(s));
  });
  return out;
}

/** The declared binding whose name is at `offset`. */
export function bindingDeclaredAt(body: Body, offset: number): Binding | undefined {
  return declaredBindings(body).find((b) => touches(b.nameRange, offset));
}

function sameBinding(a: Binding, b: Binding): boolean {
  return a.name === b.name && a.nameRange.offset === b.nameRange.offset && a.kind === b.kind;
}

/** Where `binding` (a declaration) is used in `body`: variable references that resolve to it, through merges too. */
export function usesOf(body: Body, binding: Binding): AisRange[] {
  const out: AisRange[] = [];
  for (const [v, target] of resolutions(body)) {
    if (v.name === binding.name && target && declarationsOf(target).some((d) => sameBinding(d, binding))) out.push(v.range);
  }
  return out.sort((a, b) => a.offset - b.offset);
}
