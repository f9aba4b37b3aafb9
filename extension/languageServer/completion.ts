/**
 * Completion: after `Agent.` that agent's flows; in code, the bindings and parameters in scope,
 * the agent's flows, agents, capabilities (workspace module, `capability` declarations, `tools:`) and
 * the built-in operations; at an argument's start, the call's named arguments not yet written;
 * statement keywords at the start of a statement, agent items inside an agent.
 */
import { CompletionItemKind, InsertTextFormat, type CompletionItem } from 'vscode-languageserver';
import type { AgentDecl } from '../../runtime/ais/ast.js';
import { BUILTIN_CALLS } from '../../runtime/ais/classifyCall.js';
import { TYPE_KEYWORDS } from '../../runtime/ais/tokens.js';
import { type AnalyzedDocument, offsetsToLspRange } from './analyzedDocument.js';
import { enclosingBody } from './astWalk.js';
import { builtinSignature, namedArgumentLabel, signatureLabel } from './callSignatures.js';
import type { CapabilityEntry } from './capabilityCatalog.js';
import { cursorContext, type CallSite } from './cursorContext.js';
import { bindingSignature, capabilitySignature, flowSignature } from './describe.js';
import { opHover } from './hover.js';
import { bindingsInScope } from './scope.js';

const STATEMENT_KEYWORDS = ['let', 'return', 'if', 'else', 'parallel', 'loop', 'try', 'switch'];
const AGENT_ITEMS = ['flow', 'memory', 'beliefs', 'goals', 'capability', 'tools', 'discoverable', 'context', 'on'];
const TYPES = ['str', 'int', 'float', ...TYPE_KEYWORDS];

/** Groups, in the order they are listed. */
const ORDER = { named: '0', binding: '1', flow: '2', agent: '3', capability: '4', op: '5', keyword: '6' } as const;

export function completionsAt(doc: AnalyzedDocument, offset: number, capabilities: readonly CapabilityEntry[] = []): CompletionItem[] {
  const ctx = cursorContext(doc.text, offset, doc.tokens);
  const range = offsetsToLspRange(doc, ctx.wordStart, ctx.wordEnd);
  const items: CompletionItem[] = [];
  const add = (group: keyof typeof ORDER, item: Omit<CompletionItem, 'sortText' | 'textEdit'>, insert = item.label): void => {
    items.push({ ...item, sortText: `${ORDER[group]}${item.label}`, textEdit: { range, newText: insert } });
  };
  const { agent, body } = enclosingBody(doc.ast, offset);
  const at = ctx.at;
  switch (at.kind) {
    case 'none':
      return [];
    case 'type':
      for (const t of new Set(TYPES)) add('keyword', { label: t, kind: CompletionItemKind.TypeParameter });
      return items;
    case 'member': {
      const target = doc.ast.agents.find((a) => a.name === at.object);
      for (const f of target?.flows ?? []) {
        if (f.name) add('flow', { label: f.name, kind: CompletionItemKind.Method, detail: flowSignature(target!, f) });
      }
      return items;
    }
    case 'interpolation':
      if (body)
        for (const b of bindingsInScope(body, offset).values())
          add('binding', { label: b.name, kind: CompletionItemKind.Variable, detail: bindingSignature(b) });
      return items;
    case 'code':
      break;
  }
  if (!agent) {
    add('keyword', { label: 'agent', kind: CompletionItemKind.Keyword });
    return items;
  }
  if (!body) {
    for (const k of AGENT_ITEMS) add('keyword', { label: k, kind: CompletionItemKind.Keyword });
    add('keyword', { label: '@entry flow', kind: CompletionItemKind.Keyword });
    return items;
  }
  if (at.call?.atArgumentStart) namedArguments(at.call, add);
  for (const b of bindingsInScope(body, offset).values()) {
    add('binding', {
      label: b.name,
      kind: b.kind === 'parameter' ? CompletionItemKind.Field : CompletionItemKind.Variable,
      detail: bindingSignature(b),
    });
  }
  for (const f of agent.flows) if (f.name) add('flow', { label: f.name, kind: CompletionItemKind.Method, detail: flowSignature(agent, f) });
  for (const a of doc.ast.agents)
    if (a.name)
      add('agent', {
        label: a.name,
        kind: CompletionItemKind.Module,
        detail: `agent (${a.flows.length} flow${a.flows.length === 1 ? '' : 's'})`,
      });
  capabilityItems(doc.ast.agents, agent, capabilities, add);
  for (const item of opItems()) add('op', item);
  if (at.statementStart) for (const k of STATEMENT_KEYWORDS) add('keyword', { label: k, kind: CompletionItemKind.Keyword });
  return dedupe(items);
}

let builtinItems: Omit<CompletionItem, 'sortText' | 'textEdit'>[] | undefined;

/** The built-in operations' items: the same for every request, so made once (with their hover text). */
function opItems(): Omit<CompletionItem, 'sortText' | 'textEdit'>[] {
  return (builtinItems ??= [...BUILTIN_CALLS].map(([name, bc]) => {
    const sig = builtinSignature(name);
    return {
      label: name,
      kind: CompletionItemKind.Function,
      detail: sig ? `${bc.op} · latency ${sig.info.latency} — ${signatureLabel(name, sig.signature)}` : bc.op,
      ...(sig ? { documentation: { kind: 'markdown' as const, value: opHover(name) ?? '' } } : {}),
    };
  }));
}

type Add = (group: keyof typeof ORDER, item: Omit<CompletionItem, 'sortText' | 'textEdit'>, insert?: string) => void;

function namedArguments(call: CallSite, add: Add): void {
  if (call.agent) return; // flows take positional arguments only
  const sig = builtinSignature(call.callee);
  for (const a of sig?.signature.named ?? []) {
    if (call.namedGiven.includes(a.name)) continue;
    add(
      'named',
      {
        label: `${a.name}:`,
        kind: CompletionItemKind.Property,
        detail: `${namedArgumentLabel(a)} — ${a.doc}`,
        insertTextFormat: InsertTextFormat.PlainText,
      },
      `${a.name}: `,
    );
  }
}

function capabilityItems(agents: readonly AgentDecl[], agent: AgentDecl, fromModule: readonly CapabilityEntry[], add: Add): void {
  const local = [...agent.capabilities, ...agents.filter((a) => a !== agent).flatMap((a) => a.capabilities)];
  const seen = new Set<string>();
  for (const c of local) {
    if (!c.name || seen.has(c.name) || BUILTIN_CALLS.has(c.name.toLowerCase())) continue;
    seen.add(c.name);
    add('capability', { label: c.name, kind: CompletionItemKind.Interface, detail: capabilitySignature(c) });
  }
  for (const t of agent.tools) {
    if (!t.name || seen.has(t.name) || BUILTIN_CALLS.has(t.name.toLowerCase())) continue;
    seen.add(t.name);
    add('capability', { label: t.name, kind: CompletionItemKind.Interface, detail: `tool of agent ${agent.name}` });
  }
  for (const c of fromModule) {
    if (seen.has(c.name) || BUILTIN_CALLS.has(c.name.toLowerCase())) continue;
    seen.add(c.name);
    add('capability', {
      label: c.name,
      kind: CompletionItemKind.Interface,
      detail: `capability — ${c.description || 'no description'}`,
      documentation: `From ${c.file}`,
    });
  }
}

/** One item per label; the earlier group wins (a binding named like an op is listed as the binding). */
function dedupe(items: CompletionItem[]): CompletionItem[] {
  const byLabel = new Map<string, CompletionItem>();
  for (const item of items) if (!byLabel.has(item.label)) byLabel.set(item.label, item);
  return [...byLabel.values()];
}
