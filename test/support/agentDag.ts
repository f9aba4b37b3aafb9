/**
 * Agent-shaped program graphs for the graph page's tests and bench: stages whose head (an ASK or a
 * PLAN) fans out to 2–12 branches of 1–4 ops, about half of them joining in a MERGE that heads the next
 * stage, plus long-range edges (a memory read of an early result, an effect ordering) — about 1.37
 * edges per node, 15 % of them long-range. Deterministic for a seed.
 */
import type { OpFamily } from '../../runtime/graph/opCatalogue.js';
import type { GraphEdge, GraphFlow, GraphNode, ProgramGraph } from '../../runtime/query/programGraph.js';
import { mulberry32 } from './seededRandom.js';

const BRANCH_OPS: [string, OpFamily][] = [
  ['ASK', 'llm'],
  ['INV', 'tools'],
  ['QMEM', 'memory'],
  ['THINK', 'llm'],
  ['EXC', 'tools'],
  ['UMEM', 'memory'],
  ['REASON', 'llm'],
];

export function agentFlow(nodeCount: number, seed = 7, name = 'Bench.main'): GraphFlow {
  const rnd = mulberry32(seed);
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const stageOf: number[] = [];
  const add = (op: string, family: OpFamily, stage: number): number => {
    const id = nodes.length + 1;
    nodes.push({ id, name: `${op.toLowerCase()}${id}`, op, family, generated: false });
    stageOf[id] = stage;
    return id;
  };
  let stage = 0;
  let head = add('ASK', 'llm', stage);
  const critical = [head];
  while (nodes.length < nodeCount) {
    stage++;
    const branches = 2 + Math.floor(rnd() * 11);
    const tails: number[] = [];
    for (let b = 0; b < branches && nodes.length < nodeCount - 1; b++) {
      const len = 1 + Math.floor(rnd() * 4);
      let prev = head;
      for (let k = 0; k < len && nodes.length < nodeCount - 1; k++) {
        const [op, family] = BRANCH_OPS[Math.floor(rnd() * BRANCH_OPS.length)];
        const id = add(op, family, stage);
        edges.push({ from: prev, to: id, kind: 'Data' });
        prev = id;
      }
      // a branch that ends in a side effect (a memory write, a print) does not join
      if (prev !== head && rnd() < 0.55) tails.push(prev);
    }
    const join = add(rnd() < 0.2 ? 'PLAN' : 'MERGE', rnd() < 0.2 ? 'llm' : 'sync', stage);
    if (tails.length === 0) edges.push({ from: head, to: join, kind: 'Data' });
    for (const t of tails) edges.push({ from: t, to: join, kind: 'Data' });
    head = join;
    critical.push(join);
  }
  // long-range edges: 15 % of all edges, from a node at least two stages back
  const structural = edges.length;
  const longRange = Math.round((structural * 0.15) / 0.85);
  for (let k = 0, tries = 0; k < longRange && tries < longRange * 20; tries++) {
    const to = 1 + Math.floor(rnd() * nodes.length);
    if (stageOf[to] < 3) continue;
    const back = 2 + Math.floor(rnd() * Math.min(stageOf[to] - 1, 8));
    const candidates = nodes.filter((n) => stageOf[n.id] === stageOf[to] - back);
    if (candidates.length === 0) continue;
    const from = candidates[Math.floor(rnd() * candidates.length)].id;
    edges.push({ from, to, kind: rnd() < 0.3 ? 'Effect' : 'Data' });
    k++;
  }
  return { name, isEntry: true, parameters: [], nodes, edges, loops: [], tryRegions: [], criticalPath: critical };
}

export function agentProgram(nodeCount: number, seed = 7): ProgramGraph {
  const flow = agentFlow(nodeCount, seed);
  return { name: 'Bench', entry: flow.name, flows: [flow] };
}
