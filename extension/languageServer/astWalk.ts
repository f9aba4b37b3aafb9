/**
 * Position-based walks for the language server, over the shared AIS tree walker
 * (runtime/ais/astWalk.ts, re-exported here for the features).
 */
import type { AgentDecl, Expression, Program } from '../../runtime/ais/ast.js';
import { bodiesOf, childExpressions, forEachStatement, ownExpressions, type Body } from '../../runtime/ais/astWalk.js';
import { touches } from './analyzedDocument.js';

export {
  bodiesOf,
  forEachExpression,
  forEachExpressionInBody,
  forEachStatement,
  nestedBlocks,
  ownExpressions,
  type Body,
  type NestedBlock,
} from '../../runtime/ais/astWalk.js';

/** The agent and body whose source contains `offset` (innermost, the first when ranges touch). */
export function enclosingBody(program: Program, offset: number): { agent?: AgentDecl; body?: Body } {
  for (const agent of program.agents) {
    if (!touches(agent.range, offset)) continue;
    const body = bodiesOf(agent).find((b) => touches(b.range, offset));
    return { agent, ...(body ? { body } : {}) };
  }
  return {};
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
