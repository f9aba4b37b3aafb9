/** DAG statistics for `apxm inspect`: sizes, op mix, depth, widest layer, critical path. */
import { compileFlow, type CompiledFlow } from './compileFlow.js';
import { LATENCY_WEIGHT_MS, OP_CATALOGUE } from './opCatalogue.js';
import type { Program } from './types.js';

export interface FlowInspection {
  flow: string;
  isEntry: boolean;
  parameters: string[];
  nodes: number;
  edges: number;
  ops: Record<string, number>;
  /** Layers in a longest-path layering. */
  depth: number;
  /** Most nodes in one layer: the parallelism the DAG allows. */
  maxWidth: number;
  criticalPath: { nodes: { id: number; name: string; op: string }[]; estimatedMs: number };
  /** Sum of every node's latency weight: the sequential estimate. */
  sequentialMs: number;
  loops: { start: number; end: number; bodyNodes: number }[];
  tryRegions: { node: number; tryNodes: number; catchNodes: number }[];
  /** Asks fused by `-O1` (attribute `fused_from`): the node that remains and the node ids merged into it. */
  fused: { node: number; name: string; from: number[] }[];
}

/** The critical path, as node indexes: the highest-priority successor followed from the highest-priority source. */
export function criticalPathOf(cf: CompiledFlow): number[] {
  const path: number[] = [];
  let cur = cf.topo.filter((v) => cf.inEdges[v].length === 0).sort((a, b) => cf.priority[b] - cf.priority[a])[0];
  while (cur !== undefined) {
    path.push(cur);
    cur = cf.outEdges[cur].map((e) => cf.edges[e].to).sort((a, b) => cf.priority[b] - cf.priority[a])[0];
  }
  return path;
}

export function inspectProgram(program: Program): FlowInspection[] {
  return program.flows.map((flow) => {
    const cf = compileFlow(flow);
    const ops: Record<string, number> = {};
    for (const n of flow.nodes) ops[n.op] = (ops[n.op] ?? 0) + 1;
    const layer = new Int32Array(cf.nodes.length);
    for (const v of cf.topo) for (const e of cf.outEdges[v]) layer[cf.edges[e].to] = Math.max(layer[cf.edges[e].to], layer[v] + 1);
    const widths = new Map<number, number>();
    for (const l of layer) widths.set(l, (widths.get(l) ?? 0) + 1);
    const path = criticalPathOf(cf);
    const w = (i: number) => LATENCY_WEIGHT_MS[OP_CATALOGUE[cf.nodes[i].op].latency];
    return {
      flow: flow.qualifiedName,
      isEntry: flow.isEntry,
      parameters: flow.parameters.map((p) => `${p.name}: ${p.typeName}`),
      nodes: flow.nodes.length,
      edges: flow.edges.length,
      ops,
      depth: cf.nodes.length ? layer.reduce((a, b) => Math.max(a, b), 0) + 1 : 0,
      maxWidth: [...widths.values()].reduce((a, b) => Math.max(a, b), 0),
      criticalPath: {
        nodes: path.map((i) => ({ id: cf.nodes[i].id, name: cf.nodes[i].name, op: cf.nodes[i].op })),
        estimatedMs: path.reduce((s, i) => s + w(i), 0),
      },
      sequentialMs: cf.nodes.reduce((s, _n, i) => s + w(i), 0),
      loops: [...cf.loopByStart.values()].map((l) => ({ start: cf.nodes[l.start].id, end: cf.nodes[l.end].id, bodyNodes: l.body.size })),
      tryRegions: [...cf.tryByNode.values()].map((t) => ({
        node: cf.nodes[t.node].id,
        tryNodes: t.tryNodes.size,
        catchNodes: t.catchNodes.size,
      })),
      fused: flow.nodes
        .filter((n) => Array.isArray(n.attributes.fused_from))
        .map((n) => ({ node: n.id, name: n.name, from: (n.attributes.fused_from as unknown[]).map(Number) })),
    };
  });
}
