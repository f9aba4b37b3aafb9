/**
 * Hover: an operation call shows its AIS op, signature, latency class and description; a flow
 * call its flow signature; a binding where it is defined; a capability call its description.
 */
import type { Hover } from 'vscode-languageserver';
import { didYouMeanText, suggestBuiltins } from '../../runtime/ais/classifyCall.js';
import { type AnalyzedDocument, toLspRange } from './analyzedDocument.js';
import { argumentLabel, builtinSignature, namedArgumentLabel, signatureLabel } from './callSignatures.js';
import type { CapabilityEntry } from './capabilityCatalog.js';
import { bindingSignature, capabilitySignature, codeBlock, flowSignature, sourceExcerpt } from './describe.js';
import { declarationsOf, type Binding } from './scope.js';
import { symbolAt } from './symbolAt.js';

/** `s`: the symbol at `offset`, when the caller has it already. */
export function hoverAt(
  doc: AnalyzedDocument,
  offset: number,
  capabilities: readonly CapabilityEntry[] = [],
  s = symbolAt(doc.ast, offset),
): Hover | null {
  if (!s) return null;
  const text = ((): string | undefined => {
    switch (s.kind) {
      case 'op':
        return opHover(s.callee);
      case 'flow': {
        const where = s.isDeclaration ? '' : `\n\nDeclared at line ${s.flow.nameRange.line}.`;
        return codeBlock(flowSignature(s.agent, s.flow)) + `\n\nFlow of agent \`${s.agent.name}\`.` + where;
      }
      case 'missingFlow':
        return `No flow \`${s.flowName}\` in agent \`${s.agentName}\`.`;
      case 'agent': {
        const flows = s.agent.flows
          .filter((f) => f.name)
          .map((f) => `- \`${f.name}(${f.params.map((p) => p.name).join(', ')})\`${f.isEntry ? ' (entry)' : ''}`);
        return codeBlock(`agent ${s.agent.name}`) + (flows.length ? `\n\nFlows:\n${flows.join('\n')}` : '');
      }
      case 'binding': {
        const b = s.binding;
        const where = (d: Binding): string =>
          d.statement
            ? `line ${d.nameRange.line}: \`${sourceExcerpt(doc, d.statement.range.offset, d.statement.range.endOffset)}\``
            : `line ${d.nameRange.line}, parameter of \`${s.body.kind === 'Flow' ? s.body.name : 'on ' + s.body.event}\``;
        const decls = declarationsOf(b);
        const def =
          decls.length === 1
            ? `Defined at ${where(decls[0])}`
            : `Joins the values bound in each branch:\n${decls.map((d) => `- ${where(d)}`).join('\n')}`;
        return codeBlock(bindingSignature(b)) + '\n\n' + def;
      }
      case 'unbound':
        return `\`${s.name}\` is not defined at this point of the flow.`;
      case 'capability': {
        const fromModule = capabilities.find((c) => c.name === s.name);
        const head = s.decl ? codeBlock(capabilitySignature(s.decl)) : codeBlock(`${s.name}(...)`);
        const lines = [head, `Capability (tool), invoked with **INV**.`];
        if (fromModule) lines.push(`${fromModule.description || '(no description)'} — from \`${fromModule.file}\``);
        else if (!s.decl) {
          lines.push('Not a built-in operation, a flow of this agent, or a capability of the workspace.');
          const hint = didYouMeanText(suggestBuiltins(s.name));
          if (hint) lines.push(hint);
        }
        return lines.join('\n\n');
      }
      case 'namedArgument': {
        if (s.call.kind !== 'Call') return undefined;
        const sig = builtinSignature(s.call.callee);
        const a = sig?.signature.named.find((x) => x.name === s.argument.name);
        return a ? `\`${namedArgumentLabel(a)}\` ${a.doc}` : undefined;
      }
    }
  })();
  return text ? { contents: { kind: 'markdown', value: text }, range: toLspRange(s.range) } : null;
}

/** `ask(prompt, ...context)` + `ASK · llm · latency Medium` + description + arguments. */
export function opHover(callee: string): string | undefined {
  const sig = builtinSignature(callee);
  if (!sig) return undefined;
  const { info, signature } = sig;
  const parts = [
    codeBlock(signatureLabel(callee, signature)),
    `**${info.name}** · ${info.family} · latency class **${info.latency}**`,
    info.description + '.',
  ];
  if (signature.args.length) parts.push('Arguments:\n' + signature.args.map((a) => `- \`${argumentLabel(a)}\` ${a.doc}`).join('\n'));
  if (signature.named.length)
    parts.push('Named arguments:\n' + signature.named.map((a) => `- \`${namedArgumentLabel(a)}\` ${a.doc}`).join('\n'));
  return parts.join('\n\n');
}
