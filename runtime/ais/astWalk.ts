/**
 * Walks over the AIS syntax tree: bodies (flows and `on` handlers), the statement lists nested in
 * a statement, and the expressions inside statements. Shared by the compiler and the language
 * server.
 */
import type { AgentDecl, Expression, FlowDecl, OnEventDecl, Statement } from './ast.js';
import type { AisRange } from './positions.js';

/** Something with parameters and statements: bindings are scoped to one of these. */
export type Body = FlowDecl | OnEventDecl;

/** A statement list nested in a statement (an if arm, a loop body, a switch arm...). */
export interface NestedBlock {
  statements: Statement[];
  /** Where the block is written; a switch's `default` arms can be several places. */
  ranges: AisRange[];
}

export function bodiesOf(agent: AgentDecl): Body[] {
  return [...agent.flows, ...agent.handlers];
}

export function nestedBlocks(s: Statement): NestedBlock[] {
  switch (s.kind) {
    case 'If':
      return s.else ? [block(s.then), block(s.else)] : [block(s.then)];
    case 'Parallel':
      return [block(s.body)];
    case 'Loop':
      return [block(s.body)];
    case 'TryCatch':
      return [block(s.tryBlock), block(s.catchBlock)];
    case 'Switch': {
      const arms: NestedBlock[] = s.cases.map((c) => ({ statements: c.body, ranges: [c.range] }));
      if (s.defaultBody) arms.push({ statements: s.defaultBody, ranges: s.defaultRanges });
      return arms;
    }
    default:
      return [];
  }
}

function block(b: { statements: Statement[]; range: AisRange }): NestedBlock {
  return { statements: b.statements, ranges: [b.range] };
}

/** The expressions written directly in `s` (not those of its nested statements). */
export function ownExpressions(s: Statement): Expression[] {
  switch (s.kind) {
    case 'Let':
      return [s.init];
    case 'Return':
      return s.value ? [s.value] : [];
    case 'If':
      return [s.condition];
    case 'Loop':
      return [s.collection];
    case 'Switch':
      return [s.discriminant];
    case 'ExprStmt':
      return [s.expression];
    default:
      return [];
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
export function childExpressions(e: Expression): Expression[] {
  switch (e.kind) {
    case 'Call':
    case 'FlowCall':
      return [...e.args, ...e.namedArgs.map((a) => a.value)];
    case 'MemberAccess':
      return [e.object];
    case 'Subscript':
      return [e.object, e.index];
    case 'Array':
      return e.elements;
    case 'Binary':
      return [e.left, e.right];
    case 'Unary':
      return [e.operand];
    case 'Assignment':
      return [e.target, e.value];
    default:
      return [];
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
