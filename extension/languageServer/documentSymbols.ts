/** The outline: agents → flows and `on` handlers → bindings; memory, capabilities and goals under their agent. */
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import type { AgentDecl } from '../../runtime/ais/ast.js';
import type { AisRange } from '../../runtime/ais/positions.js';
import { type AnalyzedDocument, toLspRange } from './analyzedDocument.js';
import type { Body } from './astWalk.js';
import { bindingSignature, paramList } from './describe.js';
import { declaredBindings } from './scope.js';

export function documentSymbols(doc: AnalyzedDocument): DocumentSymbol[] {
  return doc.ast.agents.map(agentSymbol);
}

function agentSymbol(agent: AgentDecl): DocumentSymbol {
  const children: DocumentSymbol[] = [
    ...agent.memory.map((m) => symbol(m.name, SymbolKind.Field, m.range, m.nameRange, m.tier)),
    ...agent.beliefs.map((b) => symbol(b.name, SymbolKind.Property, b.range, b.nameRange, 'belief')),
    ...agent.goals.map((g) => symbol(g.name, SymbolKind.Event, g.range, g.nameRange, g.description || 'goal')),
    ...agent.capabilities.map((c) =>
      symbol(c.name, SymbolKind.Interface, c.range, c.nameRange, `(${paramList(c.params)}) -> ${c.returnType}`),
    ),
    ...agent.flows.map((f) => bodySymbol(f, `${f.isEntry ? '@entry ' : ''}(${paramList(f.params)}) -> ${f.returnType}`)),
    ...agent.handlers.map((h) => bodySymbol(h, '')),
  ];
  return symbol(agent.name, SymbolKind.Class, agent.range, agent.nameRange, 'agent', children);
}

function bodySymbol(body: Body, detail: string): DocumentSymbol {
  const bindings = declaredBindings(body)
    .filter((b) => b.kind !== 'parameter')
    .map((b) => symbol(b.name, SymbolKind.Variable, b.statement?.range ?? b.nameRange, b.nameRange, bindingSignature(b)));
  return body.kind === 'Flow'
    ? symbol(body.name, SymbolKind.Function, body.range, body.nameRange, detail, bindings)
    : symbol(`on ${body.event}`, SymbolKind.Event, body.range, body.eventRange, detail, bindings);
}

/** VS Code rejects an empty name or a selection range outside the range; broken sources produce both. */
function symbol(
  name: string,
  kind: SymbolKind,
  range: AisRange,
  selection: AisRange,
  detail: string,
  children?: DocumentSymbol[],
): DocumentSymbol {
  const inRange = selection.offset >= range.offset && selection.endOffset <= range.endOffset;
  return {
    name: name || '(unnamed)',
    kind,
    detail,
    range: toLspRange(range),
    selectionRange: toLspRange(inRange ? selection : range),
    ...(children ? { children } : {}),
  };
}
