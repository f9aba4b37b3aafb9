/**
 * The program's graph as a UI draws it: every flow's nodes (id, name, op, family, source,
 * compiler-generated), edges (kind, label), loop and try regions, and the critical path. One query
 * (no DAP, no vscode) that the debug adapter serves and any other view can reuse.
 */
import { compileFlow, type CompiledFlow } from '../graph/compileFlow.js';
import { criticalPathOf } from '../graph/inspectProgram.js';
import { OP_CATALOGUE, type OpFamily } from '../graph/opCatalogue.js';
import type { DependencyType, FlowGraph, Program, SourceRange } from '../graph/types.js';

export interface GraphNode {
  id: number;
  name: string;
  op: string;
  family: OpFamily;
  source?: SourceRange;
  /** Added by the compiler (a RETURN, a join, a parameter), not written by the user. */
  generated: boolean;
  /** The tool an INV calls. */
  capability?: string;
}

export interface GraphEdge {
  from: number;
  to: number;
  kind: DependencyType;
  label?: string;
}

export interface GraphFlow {
  /** `Agent.flow`. */
  name: string;
  isEntry: boolean;
  parameters: { name: string; type: string }[];
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Node ids: LOOP_START, LOOP_END and the body between them. */
  loops: { start: number; end: number; body: number[] }[];
  /** Node ids: the TRY_CATCH and the nodes of its try and catch regions. */
  tryRegions: { node: number; tryNodes: number[]; catchNodes: number[] }[];
  /** Node ids from a source to a sink along the highest-priority (latency-weighted) successors. */
  criticalPath: number[];
}

export interface ProgramGraph {
  name: string;
  entry: string;
  flows: GraphFlow[];
}

export function programGraph(program: Program): ProgramGraph {
  return { name: program.name, entry: program.entry.qualifiedName, flows: program.flows.map((flow) => graphFlow(flow)) };
}

/** One flow's graph: a program's flow, or a graph generated while the run goes (PLAN), already compiled or not. */
export function graphFlow(flow: FlowGraph, cf: CompiledFlow = compileFlow(flow)): GraphFlow {
  const ids = (indexes: Iterable<number>) => [...indexes].map((i) => cf.nodes[i].id);
  return {
    name: flow.qualifiedName,
    isEntry: flow.isEntry,
    parameters: flow.parameters.map((p) => ({ name: p.name, type: p.typeName })),
    nodes: flow.nodes.map((n) => ({
      id: n.id,
      name: n.name,
      op: n.op,
      family: OP_CATALOGUE[n.op].family,
      ...(n.source ? { source: { ...n.source } } : {}),
      generated: n.attributes.compiler_generated === true,
      ...(n.op === 'INV' && typeof n.attributes.capability === 'string' ? { capability: n.attributes.capability } : {}),
    })),
    edges: flow.edges.map((e) => ({
      from: e.from,
      to: e.to,
      kind: e.dependency,
      ...(e.label !== undefined ? { label: e.label } : {}),
    })),
    loops: [...cf.loopByStart.values()].map((l) => ({ start: cf.nodes[l.start].id, end: cf.nodes[l.end].id, body: ids(l.body) })),
    tryRegions: [...cf.tryByNode.values()].map((t) => ({
      node: cf.nodes[t.node].id,
      tryNodes: ids(t.tryNodes),
      catchNodes: ids(t.catchNodes),
    })),
    criticalPath: ids(criticalPathOf(cf)),
  };
}
