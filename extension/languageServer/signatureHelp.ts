/** Signature help inside the parentheses of a built-in operation or a flow call. */
import type { ParameterInformation, SignatureHelp } from 'vscode-languageserver';
import { flowsOf } from '../../runtime/ais/classifyCall.js';
import type { AnalyzedDocument } from './analyzedDocument.js';
import { enclosingBody } from './astWalk.js';
import { argumentLabel, builtinSignature } from './callSignatures.js';
import { cursorContext } from './cursorContext.js';

interface Part {
  label: string;
  doc?: string;
  rest?: boolean;
}

export function signatureHelpAt(doc: AnalyzedDocument, offset: number): SignatureHelp | null {
  const ctx = cursorContext(doc.text, offset, doc.tokens);
  if (ctx.at.kind !== 'code' || !ctx.at.call) return null;
  const call = ctx.at.call;
  const { agent } = enclosingBody(doc.ast, offset);
  const flowOwner = call.agent ? doc.ast.agents.find((a) => a.name === call.agent) : agent;
  const flow = flowOwner ? flowsOf(flowOwner).get(call.callee) : undefined;
  if (flow && flowOwner) {
    const parts = flow.params.map((p): Part => ({ label: `${p.name}: ${p.type}` }));
    return build(
      `${call.agent ? `${flowOwner.name}.` : ''}${flow.name}`,
      parts,
      `-> ${flow.returnType}`,
      `Flow of agent ${flowOwner.name}.`,
      call.positionalIndex,
    );
  }
  if (call.agent) return null;
  const sig = builtinSignature(call.callee);
  if (!sig) return null;
  const parts = sig.signature.args.map((a): Part => ({ label: argumentLabel(a), doc: a.doc, ...(a.rest ? { rest: true } : {}) }));
  return build(call.callee, parts, '', `${sig.info.name} · latency ${sig.info.latency} — ${sig.info.description}`, call.positionalIndex);
}

function build(name: string, parts: Part[], suffix: string, documentation: string, argIndex: number): SignatureHelp {
  let label = `${name}(`;
  const parameters: ParameterInformation[] = [];
  parts.forEach((p, i) => {
    if (i > 0) label += ', ';
    parameters.push({ label: [label.length, label.length + p.label.length], ...(p.doc ? { documentation: p.doc } : {}) });
    label += p.label;
  });
  label += `)${suffix ? ' ' + suffix : ''}`;
  // Past the last parameter, a rest parameter keeps absorbing arguments.
  const lastRest = parts.length > 0 && parts[parts.length - 1].rest;
  const active = argIndex < parts.length ? argIndex : lastRest ? parts.length - 1 : parts.length;
  return { signatures: [{ label, documentation, parameters, activeParameter: active }], activeSignature: 0, activeParameter: active };
}
