/** How declarations are shown to the user (hover, completion details, signature help), in AIS syntax. */
import type { AgentDecl, CapabilityDecl, FlowDecl, Param } from '../../runtime/ais/ast.js';
import type { AnalyzedDocument } from './analyzedDocument.js';
import type { Binding } from './scope.js';

export function paramList(params: readonly Param[]): string {
  return params.map((p) => `${p.name}: ${p.type}`).join(', ');
}

/** `@entry flow Agent.main(topic: str) -> str` */
export function flowSignature(agent: AgentDecl, flow: FlowDecl): string {
  return `${flow.isEntry ? '@entry ' : ''}flow ${agent.name}.${flow.name}(${paramList(flow.params)}) -> ${flow.returnType}`;
}

export function capabilitySignature(cap: CapabilityDecl): string {
  return `capability ${cap.name}(${paramList(cap.params)}) -> ${cap.returnType}`;
}

/** `(parameter) topic: str`, `(binding) plan`, `(loop variable) item` */
export function bindingSignature(b: Binding): string {
  switch (b.kind) {
    case 'parameter':
      return `(parameter) ${b.name}: ${b.param?.type ?? ''}`;
    case 'loop':
      return `(loop variable) ${b.name}`;
    case 'switch':
      return `(switch result) ${b.name}`;
    case 'merge':
      return `(binding) ${b.name}`;
    case 'let':
      return `(binding) ${b.name}${b.statement?.kind === 'Let' && b.statement.type ? `: ${b.statement.type}` : ''}`;
  }
}

/** The first line of the source of a statement, shortened: what a binding is defined by. */
export function sourceExcerpt(doc: AnalyzedDocument, offset: number, endOffset: number, max = 100): string {
  const firstLine = doc.text
    .slice(offset, endOffset)
    .split(/\r\n|\r|\n/)[0]
    .trim();
  return firstLine.length > max ? firstLine.slice(0, max - 1) + '…' : firstLine;
}

export function codeBlock(code: string): string {
  return '```ais\n' + code + '\n```';
}
