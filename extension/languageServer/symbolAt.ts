/**
 * What the name under the cursor is: an agent, a flow, a binding (declaration or use), an
 * operation call, a capability call or a named argument. Hover, definition and references start here.
 */
import type { AgentDecl, CallExpr, CapabilityDecl, FlowCallExpr, FlowDecl, NamedArgument, Program } from '../../runtime/ais/ast.js';
import { classifyCallExpr } from '../../runtime/ais/classifyCall.js';
import type { OpName } from '../../runtime/graph/opCatalogue.js';
import type { AisRange } from '../../runtime/ais/positions.js';
import { touches } from './analyzedDocument.js';
import { bodiesOf, expressionAt, type Body } from './astWalk.js';
import { bindingDeclaredAt, resolutions, type Binding } from './scope.js';

export type SymbolAtCursor =
  | { kind: 'agent'; agent: AgentDecl; range: AisRange; isDeclaration: boolean }
  | { kind: 'flow'; agent: AgentDecl; flow: FlowDecl; range: AisRange; isDeclaration: boolean }
  /** `Agent.flow(...)` or `flow(...)` naming a flow that does not exist. */
  | { kind: 'missingFlow'; agentName: string; flowName: string; range: AisRange }
  | { kind: 'binding'; body: Body; binding: Binding; range: AisRange; isDeclaration: boolean }
  /** A name no binding of the flow declares. */
  | { kind: 'unbound'; name: string; range: AisRange }
  | { kind: 'op'; callee: string; op: OpName; range: AisRange; call: CallExpr }
  /** A call of a capability (tool); `decl` when the file declares it with `capability`. */
  | { kind: 'capability'; name: string; range: AisRange; decl?: CapabilityDecl; isDeclaration: boolean }
  | { kind: 'namedArgument'; call: CallExpr | FlowCallExpr; argument: NamedArgument; range: AisRange };

export function symbolAt(program: Program, offset: number): SymbolAtCursor | undefined {
  for (const agent of program.agents) {
    if (!touches(agent.range, offset)) continue;
    if (agent.name && touches(agent.nameRange, offset)) return { kind: 'agent', agent, range: agent.nameRange, isDeclaration: true };
    for (const cap of agent.capabilities) {
      if (cap.name && touches(cap.nameRange, offset))
        return { kind: 'capability', name: cap.name, range: cap.nameRange, decl: cap, isDeclaration: true };
    }
    for (const body of bodiesOf(agent)) {
      if (!touches(body.range, offset)) continue;
      const found = symbolInBody(program, agent, body, offset);
      if (found) return found;
    }
  }
  return undefined;
}

function symbolInBody(program: Program, agent: AgentDecl, body: Body, offset: number): SymbolAtCursor | undefined {
  if (body.kind === 'Flow' && body.name && touches(body.nameRange, offset))
    return { kind: 'flow', agent, flow: body, range: body.nameRange, isDeclaration: true };
  const declared = bindingDeclaredAt(body, offset);
  if (declared) return { kind: 'binding', body, binding: declared, range: declared.nameRange, isDeclaration: true };
  const { expr } = expressionAt(body, offset);
  if (!expr) return undefined;
  if (expr.kind === 'Var') {
    const binding = resolutions(body).get(expr);
    return binding
      ? { kind: 'binding', body, binding, range: expr.range, isDeclaration: false }
      : { kind: 'unbound', name: expr.name, range: expr.range };
  }
  if (expr.kind !== 'Call' && expr.kind !== 'FlowCall') return undefined;
  const named = expr.namedArgs.find((a) => touches(a.nameRange, offset));
  if (named) return { kind: 'namedArgument', call: expr, argument: named, range: named.nameRange };
  if (expr.kind === 'FlowCall') {
    if (touches(expr.agentRange, offset)) {
      const target = program.agents.find((a) => a.name === expr.agent);
      return target ? { kind: 'agent', agent: target, range: expr.agentRange, isDeclaration: false } : undefined;
    }
    if (!touches(expr.flowRange, offset)) return undefined;
  } else if (!touches(expr.calleeRange, offset)) {
    return undefined;
  }
  return callSymbol(program, agent, expr);
}

/** What a call names: a flow, an op or a capability. */
function callSymbol(program: Program, agent: AgentDecl, call: CallExpr | FlowCallExpr): SymbolAtCursor {
  const cls = classifyCallExpr(call, program, agent);
  const range = call.kind === 'FlowCall' ? call.flowRange : call.calleeRange;
  if (cls.kind === 'flow') {
    const owner = call.kind === 'FlowCall' ? program.agents.find((a) => a.name === call.agent) : agent;
    return cls.flowDecl && owner
      ? { kind: 'flow', agent: owner, flow: cls.flowDecl, range, isDeclaration: false }
      : { kind: 'missingFlow', agentName: cls.agent ?? agent.name, flowName: cls.flow, range };
  }
  if (cls.kind === 'op' && call.kind === 'Call') return { kind: 'op', callee: call.callee, op: cls.op, range, call };
  const decl = findCapabilityDecl(program, agent, cls.callee);
  return { kind: 'capability', name: cls.callee, range, ...(decl ? { decl } : {}), isDeclaration: false };
}

/** A `capability name(...)` declaration: the calling agent's first, then any agent's. */
function findCapabilityDecl(program: Program, agent: AgentDecl | undefined, name: string): CapabilityDecl | undefined {
  return agent?.capabilities.find((c) => c.name === name) ?? program.agents.flatMap((a) => a.capabilities).find((c) => c.name === name);
}
