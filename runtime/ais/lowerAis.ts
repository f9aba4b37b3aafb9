/**
 * AIS syntax tree → ApxmGraph program: one graph per flow (`Agent.flow`), cross-flow calls as
 * FLOW_CALL nodes, the @entry flow as the program's entry. The result goes through the same
 * loader as ApxmGraph JSON, so it obeys the same contract and validation. Run the checker first:
 * the lowering assumes a program without errors.
 */
import type { AgentDecl, FlowDecl, Program as AisProgram } from './ast.js';
import { forEachExpressionInBody } from './astWalk.js';
import { classifyCallExpr, type CallMapping } from './classifyCall.js';
import { DiagnosticSink, type AisDiagnostic } from './diagnostics.js';
import { FlowLowerer, type FlowContext } from './flowLowerer.js';
import { OP_SIGNATURES } from './opSignatures.js';
import { startOf } from './positions.js';
import { fuseAskChains } from './fuseAsks.js';
import { ApxmError } from '../errors.js';
import { programFromJson } from '../graph/loadGraphJson.js';
import type { Program } from '../graph/types.js';

export interface LowerOptions {
  file?: string;
  mapping?: CallMapping;
  /** 1: fuse chains of dependent asks into one call (off by default so nodes map 1:1 to source). */
  optimize?: 0 | 1;
}

export interface LowerResult {
  program?: Program;
  diagnostics: AisDiagnostic[];
}

export function lowerAis(ast: AisProgram, options: LowerOptions = {}): LowerResult {
  const file = options.file ?? ast.file ?? '<ais>';
  const sink = new DiagnosticSink(options.file);
  const flows = ast.agents.flatMap((a) => a.flows.map((f) => ({ agent: a, flow: f })));
  const entry = flows.find((x) => x.flow.isEntry) ?? (flows.length === 1 ? flows[0] : undefined);
  if (!entry) {
    sink.error('AIS_NO_ENTRY', 'no @entry flow found; annotate one flow with @entry', ast.range);
    return { diagnostics: sink.items };
  }
  const effects = effectfulFlows(ast, options.mapping);
  const graphs: Record<string, unknown>[] = [];
  for (const { agent, flow } of flows) {
    const ctx: FlowContext = {
      file,
      agentName: agent.name,
      ...(agent.context ? { systemPrompt: agent.context.value } : {}),
      tools: agent.tools.map((t) => t.name),
      flowHasEffects: (a, f) => effects.has(`${a}.${f}`),
      mapping: options.mapping,
    };
    const lw = new FlowLowerer(flow, ctx, sink, { program: ast, agent });
    try {
      lw.lower();
    } catch (e) {
      sink.error(
        'AIS_INTERNAL',
        `internal error compiling ${agent.name}.${flow.name}: ${(e as Error).message}`,
        startOf(flow.range),
        'please report this with the source file',
      );
      continue;
    }
    const fused = options.optimize ? fuseAskChains(lw.nodes, lw.edges) : { nodes: lw.nodes, edges: lw.edges, fused: [] };
    graphs.push({
      name: `${agent.name}.${flow.name}`,
      parameters: flow.params.map((p) => ({ name: p.name, type_name: p.type })),
      metadata: {
        source_agent: agent.name,
        source_flow: flow.name,
        is_entry: flow === entry.flow,
        return_type: flow.returnType,
        // parameters reach operations as {{name}}, never as implicit inputs of root nodes
        param_inputs: false,
        ...(fused.fused.length ? { fused_asks: fused.fused } : {}),
      },
      nodes: fused.nodes,
      edges: fused.edges,
    });
  }
  if (sink.hasErrors) return { diagnostics: sink.items };
  try {
    const program = programFromJson(
      { name: `${entry.agent.name}.${entry.flow.name}`, entry: `${entry.agent.name}.${entry.flow.name}`, flows: graphs },
      file,
    );
    return { program, diagnostics: sink.items };
  } catch (e) {
    const msg = e instanceof ApxmError ? e.message : String(e);
    sink.error(
      'AIS_INTERNAL',
      `the compiled program is invalid (a bug in the AIS compiler): ${msg}`,
      startOf(ast.range),
      'please report this with the source file',
    );
    return { diagnostics: sink.items };
  }
}

/** Flows that (transitively) run a side effect; calls of the others may run in parallel. */
export function effectfulFlows(ast: AisProgram, mapping?: CallMapping): Set<string> {
  const direct = new Map<string, { effect: boolean; calls: string[] }>();
  for (const agent of ast.agents) {
    for (const flow of agent.flows) direct.set(`${agent.name}.${flow.name}`, scanFlow(ast, agent, flow, mapping));
  }
  const out = new Set<string>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const [k, v] of direct) {
      if (out.has(k)) continue;
      if (v.effect || v.calls.some((c) => out.has(c))) {
        out.add(k);
        changed = true;
      }
    }
  }
  return out;
}

function scanFlow(ast: AisProgram, agent: AgentDecl, flow: FlowDecl, mapping?: CallMapping): { effect: boolean; calls: string[] } {
  let effect = false;
  const calls: string[] = [];
  forEachExpressionInBody(flow, (e) => {
    if (e.kind !== 'Call' && e.kind !== 'FlowCall') return;
    const c = classifyCallExpr(e, ast, agent, mapping);
    if (c.kind === 'flow') calls.push(`${c.agent ?? agent.name}.${c.flow}`);
    else if (c.kind === 'capability' || OP_SIGNATURES[c.op]?.effect) effect = true;
  });
  return { effect, calls };
}
