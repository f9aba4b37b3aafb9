/**
 * Walks over the AIS syntax tree that every feature shares: bodies (flows and `on` handlers), the
 * statement lists nested in a statement, and the expressions inside statements.
 */
import type { AgentDecl, Expression, FlowDecl, NameRef, OnEventDecl, Program, Statement } from '../../runtime/ais/ast.js';
import type { AisRange } from '../../runtime/ais/positions.js';
import { touches } from './analyzedDocument.js';

/** Something with parameters and statements: bindings are scoped to one of these. */
export type Body = FlowDecl | OnEventDecl;

/** A statement list nested in a statement (an if arm, a loop body, a switch arm...). */
export interface NestedBlock {
  statements: Statement[];
  /** Where the block is written; a switch's `default` arms can be several places. */
  ranges: AisRange[];
  /** The loop variable, bound inside the block only. */
  loopVariable?: NameRef;
}

export function bodiesOf(agent: AgentDecl): Body[] {
  return [...agent.flows, ...agent.handlers];
}

/** The agent and body whose source contains `offset` (innermost, the first when ranges touch). */
export function enclosingBody(program: Program, offset: number): { agent?: AgentDecl; body?: Body } {
  for (const agent of program.agents) {
    if (!touches(agent.range, offset)) continue;
    const body = bodiesOf(agent).find((b) => touches(b.range, offset));
    return { agent, ...(body ? { body } : {}) };
  }
  return {};
}

export function nestedBlocks(s: Statement): NestedBlock[] {
  switch (s.kind) {
    case 'If': return s.else ? [block(s.then), block(s.else)] : [block(s.then)];
    case 'Parallel': return [block(s.body)];
    case 'Loop': return [{ ...block(s.body), loopVariable: { name: s.variable, range: s.variableRange } }];
    case 'TryCatch': return [block(s.tryBlock), block(s.catchBlock)];
    case 'Switch': {
      const arms: NestedBlock[] = s.cases.map((c) => ({ statements: c.body, ranges: [c.range] }));
      if (s.defaultBody) arms.push({ statements: s.defaultBody, ranges: s.defaultRanges });
      return arms;
    }
    default: return [];
  }
}

function block(b: { statements: Statement[]; range: AisRange }): NestedBlock {
  return { statements: b.statements, ranges: [b.range] };
}

/** The expressions written directly in `s` (not those of its nested statements). */
export function ownExpressions(s: Statement): Expression[] {
  switch (s.kind) {
    case 'Let': return [s.init];
    case 'Return': return s.value ? [s.value] : [];
    case 'If': return [s.condition];
    case 'Loop': return [s.collection];
    case 'Switch': return [s.discriminant];
    case 'ExprStmt': return [s.expression];
    default: return [];
  }
}

/** Every statement of `list`, nested ones included, in source order (pre-order). */
export function forEachStatement(list: readonly Statement[], fn: (s: Statement) => void): void {
  for (const s of list) {
    fn(s);
    for (const b of nestedBlocks(s)) forEachStatement(b.statements, fn);
  }
}

/** The direct sub-expressions of `e`. */
function childExpressions(e: Expression): Expression[] {
  switch (e.kind) {
    case 'Call':
    case 'FlowCall': return [...e.args, ...e.namedArgs.map((a) => a.value)];
    case 'MemberAccess': return [e.object];
    case 'Subscript': return [e.object, e.index];
    case 'Array': return e.elements;
    case 'Binary': return [e.left, e.right];
    case 'Unary': return [e.operand];
    case 'Assignment': return [e.target, e.value];
    default: return [];
  }
}

/** `e` and every expression inside it (pre-order). The parser bounds expression height, so recursion is safe. */
export function forEachExpression(e: Expression, fn: (x: Expression) => void): void {
  fn(e);
  for (const c of childExpressions(e)) forEachExpression(c, fn);
}

/** Every expression in a body: conditions of handlers, then statements in source order. */
export function forEachExpressionInBody(body: Body, fn: (x: Expression) => void): void {
  if (body.kind === 'OnEvent' && body.condition) forEachExpression(body.condition, fn);
  forEachStatement(body.body, (s) => {
    for (const e of ownExpressions(s)) forEachExpression(e, fn);
  });
}

/** The innermost expression of `body` touching `offset`, and the calls that enclose it (innermost last). */
export function expressionAt(body: Body, offset: number): { expr?: Expression; calls: Expression[] } {
  let best: Expression | undefined;
  const calls: Expression[] = [];
  const visit = (e: Expression): void => {
    if (!touches(e.range, offset)) return;
    best = e;
    if (e.kind === 'Call' || e.kind === 'FlowCall') calls.push(e);
    for (const c of childExpressions(e)) visit(c);
  };
  if (body.kind === 'OnEvent' && body.condition) visit(body.condition);
  forEachStatement(body.body, (s) => {
    for (const e of ownExpressions(s)) visit(e);
  });
  return { ...(best ? { expr: best } : {}), calls };
}
