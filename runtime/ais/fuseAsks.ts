/**
 * `-O1`: fuses a chain of dependent asks into one call (upstream's fuse-ask-ops, except
 * that the consumer's placeholders are renumbered and the order is kept). An ask
 * whose only use is one data input of another ask is merged into it: one prompt
 * `producer\n---\nconsumer`, the producer's inputs first. Fewer round trips, but one node per
 * chain, which is why the debugger compiles without it.
 */
import type { GraphEdgeJson, GraphNodeJson } from './flowLowerer.js';
import { printFmt } from '../values/value.js';

export interface FusedAsk {
  /** The node that remains (the last consumer of the chain). */
  node: number;
  /** Producers merged into it, first producer first. */
  from: number[];
}

const MERGEABLE_ATTRS = ['model', 'temperature', 'system_prompt'];

export function fuseAskChains(
  nodesIn: GraphNodeJson[],
  edgesIn: GraphEdgeJson[],
): { nodes: GraphNodeJson[]; edges: GraphEdgeJson[]; fused: FusedAsk[] } {
  const nodes = nodesIn.map((n) => ({ ...n, attributes: { ...n.attributes } }));
  let edges = edgesIn.map((e) => ({ ...e }));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const removed = new Set<number>();
  const fusedFrom = new Map<number, number[]>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const p of nodes) {
      if (removed.has(p.id) || p.op !== 'ASK') continue;
      const out = edges.filter((e) => e.from === p.id);
      if (out.length !== 1 || out[0].dependency !== 'Data' || out[0].label !== undefined) continue;
      const c = byId.get(out[0].to);
      if (!c || c.op !== 'ASK' || !compatible(p.attributes, c.attributes)) continue;
      const pIn = edges.filter((e) => e.to === p.id);
      const cIn = edges.filter((e) => e.to === c.id);
      const pData = pIn.filter((e) => e.dependency === 'Data');
      const cData = cIn.filter((e) => e.dependency === 'Data');
      const j = cData.findIndex((e) => e.from === p.id);
      const shift = pData.length;
      const cTemplate = printFmt(c.attributes.template_str ?? '').replace(/\{(\d+)\}/g, (m, k: string) => {
        const i = Number(k);
        if (i === j) return '(the answer to the step above)';
        if (i >= cData.length) return m;
        return `{${shift + (i < j ? i : i - 1)}}`;
      });
      c.attributes.template_str = `${printFmt(p.attributes.template_str ?? '')}\n---\n${cTemplate}`;
      // The producer's inputs come first, then the consumer's others; control edges of both stay.
      const keepC = cIn.filter((e) => e.from !== p.id);
      const moved = pIn.map((e) => ({ ...e, to: c.id }));
      const rest = edges.filter((e) => e.to !== c.id && e.to !== p.id && e.from !== p.id);
      const cOrdered = [
        ...moved.filter((e) => e.dependency === 'Data'),
        ...keepC.filter((e) => e.dependency === 'Data'),
        ...moved.filter((e) => e.dependency !== 'Data'),
        ...keepC.filter((e) => e.dependency !== 'Data'),
      ];
      edges = [...rest, ...dedupeControl(cOrdered)];
      removed.add(p.id);
      const chain = [...(fusedFrom.get(p.id) ?? []), p.id, ...(fusedFrom.get(c.id) ?? [])];
      fusedFrom.set(c.id, chain);
      fusedFrom.delete(p.id);
      c.attributes.fused_from = chain;
      changed = true;
    }
  }
  const fused = [...fusedFrom].map(([node, from]) => ({ node, from }));
  return { nodes: nodes.filter((n) => !removed.has(n.id)), edges, fused };
}

function compatible(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return MERGEABLE_ATTRS.every((k) => a[k] === undefined || b[k] === undefined || JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

/** Two control edges from the same node with the same label are one. */
function dedupeControl(list: GraphEdgeJson[]): GraphEdgeJson[] {
  const seen = new Set<string>();
  return list.filter((e) => {
    if (e.dependency === 'Data') return true;
    const k = `${e.from}|${e.label ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
