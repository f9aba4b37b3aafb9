/**
 * Go to definition and find references for agents, flows (local calls and `Agent.flow`),
 * bindings and parameters (scoped to their flow), and capabilities declared in the file.
 */
import type { AgentDecl, CallExpr, FlowCallExpr, Program } from '../../runtime/ais/ast.js';
import { classifyCallExpr } from '../../runtime/ais/classifyCall.js';
import type { AisRange } from '../../runtime/ais/positions.js';
import type { AnalyzedDocument } from './analyzedDocument.js';
import { bodiesOf, forEachExpressionInBody } from './astWalk.js';
import { declarationsOf, usesOf } from './scope.js';
import { symbolAt, type SymbolAtCursor } from './symbolAt.js';

/** Where the symbol at `offset` is declared in this document (empty when it is not declared here). */
export function definitionAt(doc: AnalyzedDocument, offset: number, s = symbolAt(doc.ast, offset)): AisRange[] {
  if (!s) return [];
  switch (s.kind) {
    case 'agent':
      return [s.agent.nameRange];
    case 'flow':
      return [s.flow.nameRange];
    case 'binding':
      return declarationsOf(s.binding).map((d) => d.nameRange);
    case 'capability':
      return s.decl ? [s.decl.nameRange] : [];
    default:
      return [];
  }
}

/** Every place the symbol at `offset` is written, in source order. */
export function referencesAt(doc: AnalyzedDocument, offset: number, includeDeclaration: boolean): AisRange[] {
  const s = symbolAt(doc.ast, offset);
  if (!s) return [];
  const byOffset = new Map<number, AisRange>();
  for (const r of referencesOf(doc, s, includeDeclaration)) if (!byOffset.has(r.offset)) byOffset.set(r.offset, r);
  return [...byOffset.values()].sort((a, b) => a.offset - b.offset);
}

function referencesOf(doc: AnalyzedDocument, s: SymbolAtCursor, includeDeclaration: boolean): AisRange[] {
  const program = doc.ast;
  switch (s.kind) {
    case 'binding': {
      const decls = declarationsOf(s.binding);
      const uses = decls.flatMap((d) => usesOf(s.body, d)).map((r) => narrowToName(doc, r, s.binding.name));
      return includeDeclaration ? [...decls.map((d) => d.nameRange), ...uses] : uses;
    }
    case 'flow': {
      const calls = callsMatching(program, (call, agent) => {
        const c = classifyCallExpr(call, program, agent);
        return c.kind === 'flow' && c.flowDecl === s.flow;
      }).map((call) => (call.kind === 'FlowCall' ? call.flowRange : call.calleeRange));
      return includeDeclaration ? [s.flow.nameRange, ...calls] : calls;
    }
    case 'agent': {
      const uses = callsMatching(program, (call) => call.kind === 'FlowCall' && call.agent === s.agent.name).map(
        (call) => (call as FlowCallExpr).agentRange,
      );
      return includeDeclaration ? [s.agent.nameRange, ...uses] : uses;
    }
    case 'capability': {
      const uses = callsMatching(program, (call, agent) => {
        const c = classifyCallExpr(call, program, agent);
        return c.kind === 'capability' && c.capability === s.name;
      }).map((call) => (call as CallExpr).calleeRange);
      return includeDeclaration && s.decl ? [s.decl.nameRange, ...uses] : uses;
    }
    default:
      return [];
  }
}

/** Every call of the program for which `test` holds (with the agent it is written in). */
function callsMatching(program: Program, test: (call: CallExpr | FlowCallExpr, agent: AgentDecl) => boolean): (CallExpr | FlowCallExpr)[] {
  const out: (CallExpr | FlowCallExpr)[] = [];
  for (const agent of program.agents) {
    for (const body of bodiesOf(agent)) {
      forEachExpressionInBody(body, (e) => {
        if ((e.kind === 'Call' || e.kind === 'FlowCall') && test(e, agent)) out.push(e);
      });
    }
  }
  return out;
}

/** A `{{ name }}` use covers the braces; references point at the name itself. */
function narrowToName(doc: AnalyzedDocument, r: AisRange, name: string): AisRange {
  const written = doc.text.slice(r.offset, r.endOffset);
  if (written === name) return r;
  const at = written.search(new RegExp(`\\b${name}\\b`));
  return at < 0 ? r : doc.lines.range(r.offset + at, r.offset + at + name.length);
}
