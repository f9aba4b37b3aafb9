/** DAG shapes for the benchmarks, as ApxmGraph JSON of no-op (JUMP) nodes. */
import { mulberry32 } from '../test/support/seededRandom.js';

export interface Shape {
  name: string;
  nodes: number;
  /** Edges as [from, to] node ids (1-based). */
  edges: [number, number][];
}

export function chain(n: number): Shape {
  const edges: [number, number][] = [];
  for (let i = 1; i < n; i++) edges.push([i, i + 1]);
  return { name: 'chain', nodes: n, edges };
}

/** Layers of `width` nodes; each node depends on two nodes of the previous layer. */
export function layered(n: number, width = 100): Shape {
  const edges: [number, number][] = [];
  for (let i = width + 1; i <= n; i++) {
    const base = Math.floor((i - 1) / width) * width - width; // first id of the previous layer, 0-based
    const k = (i - 1) % width;
    edges.push([base + k + 1, i]);
    edges.push([base + ((k + 1) % width) + 1, i]);
  }
  return { name: `layered-${width}`, nodes: n, edges };
}

/** Each node depends on up to three random earlier nodes within a window. */
export function random(n: number, seed = 42): Shape {
  const rnd = mulberry32(seed);
  const edges: [number, number][] = [];
  for (let i = 2; i <= n; i++) {
    const k = 1 + Math.floor(rnd() * 3);
    const seen = new Set<number>();
    for (let j = 0; j < k; j++) {
      const from = Math.max(1, i - 1 - Math.floor(rnd() * Math.min(i - 1, 500)));
      if (!seen.has(from)) {
        seen.add(from);
        edges.push([from, i]);
      }
    }
  }
  return { name: 'random', nodes: n, edges };
}

export function toGraphJson(s: Shape, op = 'JUMP'): Record<string, unknown> {
  const nodes = new Array(s.nodes);
  for (let i = 0; i < s.nodes; i++) nodes[i] = { id: i + 1, name: `n${i + 1}`, op };
  return { name: `Bench.${s.name}`, nodes, edges: s.edges.map(([from, to]) => ({ from, to, dependency: 'Data' })) };
}
