/**
 * Layered top-down layout (inputs above, outputs below) of a graph whose nodes may hold a graph of
 * their own (a called flow, a PLAN's sub-graph, a top-level flow): longest-path layers, a few
 * barycenter sweeps to order each layer, then coordinates pulled toward each node's neighbours.
 * Pure and DOM-free: it runs in a Web Worker, on the main thread as a fallback, and in Node tests.
 * It reads only the shape, never states, so a run's progress never moves a node.
 */

export interface LayoutNodeIn {
  key: string;
  w: number;
  h: number;
  /** A graph drawn inside this node, below its header. */
  child?: LayoutGraphIn;
}

export interface LayoutEdgeIn {
  from: string;
  to: string;
  /** Kept out of the ordering (memory and effect edges): drawn faint, on demand. */
  aside?: boolean;
}

export interface LayoutGraphIn {
  nodes: LayoutNodeIn[];
  edges: LayoutEdgeIn[];
}

/** x, y, width, height. */
export type Box = [number, number, number, number];

export interface LayoutResult {
  width: number;
  height: number;
  /** Every node at every depth, by key, in absolute coordinates. */
  boxes: Record<string, Box>;
  /** Edge ids (`from>to`) kept out of the ordering: marked aside, or spanning more than `longSpan` layers. */
  aside: string[];
}

export const LAYOUT = {
  gapX: 28,
  gapY: 44,
  /** Padding inside a node that holds a graph, and the height of its header. */
  pad: 14,
  header: 30,
  /** An edge across more layers than this does not pull its ends together. */
  longSpan: 4,
  sweeps: 4,
};

export const edgeId = (from: string, to: string): string => `${from}>${to}`;

export function layoutGraph(g: LayoutGraphIn): LayoutResult {
  const boxes: Record<string, Box> = {};
  const aside: string[] = [];
  const { width, height } = place(g, 0, 0, boxes, aside);
  return { width, height, boxes, aside };
}

interface Sized {
  w: number;
  h: number;
  inner?: { result: Record<string, Box>; aside: string[]; width: number };
}

/** Lays out `g` with its top-left corner at (ox, oy), writing every box into `boxes`. */
function place(g: LayoutGraphIn, ox: number, oy: number, boxes: Record<string, Box>, aside: string[]): { width: number; height: number } {
  const n = g.nodes.length;
  if (n === 0) return { width: 0, height: 0 };
  const index = new Map<string, number>();
  g.nodes.forEach((node, i) => index.set(node.key, i));

  // children first: their size is this node's size
  const sized: Sized[] = g.nodes.map((node) => {
    if (!node.child || node.child.nodes.length === 0) return { w: node.w, h: node.h };
    const inner: Record<string, Box> = {};
    const innerAside: string[] = [];
    const r = place(node.child, 0, 0, inner, innerAside);
    return {
      w: Math.max(node.w, r.width + 2 * LAYOUT.pad),
      h: LAYOUT.header + r.height + LAYOUT.pad,
      inner: { result: inner, aside: innerAside, width: r.width },
    };
  });

  const out: number[][] = Array.from({ length: n }, () => []);
  const inn: number[][] = Array.from({ length: n }, () => []);
  const edges: { from: number; to: number; aside: boolean; id: string }[] = [];
  const seen = new Set<string>();
  for (const e of g.edges) {
    const from = index.get(e.from);
    const to = index.get(e.to);
    const id = edgeId(e.from, e.to);
    if (from === undefined || to === undefined || from === to || seen.has(id)) continue;
    seen.add(id);
    edges.push({ from, to, aside: e.aside === true, id });
    out[from].push(to);
    inn[to].push(from);
  }

  const layer = assignLayers(n, out, inn);
  // an edge that spans many layers (or is aside) would drag whole stages across: it does not order
  const short = (e: { from: number; to: number; aside: boolean }) => !e.aside && layer[e.to] - layer[e.from] <= LAYOUT.longSpan;
  const up: number[][] = Array.from({ length: n }, () => []);
  const down: number[][] = Array.from({ length: n }, () => []);
  for (const e of edges) {
    if (short(e)) {
      up[e.to].push(e.from);
      down[e.from].push(e.to);
    } else aside.push(e.id);
  }

  const layers = orderLayers(n, layer, up, down, sized);
  const x = coordinates(layers, up, down, sized);

  let minX = Infinity;
  let maxX = -Infinity;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, x[i] - sized[i].w / 2);
    maxX = Math.max(maxX, x[i] + sized[i].w / 2);
  }
  let y = 0;
  for (const row of layers) {
    let rowH = 0;
    for (const i of row) {
      const s = sized[i];
      const bx = ox + x[i] - s.w / 2 - minX;
      const by = oy + y;
      boxes[g.nodes[i].key] = [bx, by, s.w, s.h];
      if (s.inner) {
        const dx = bx + (s.w - s.inner.width) / 2;
        const dy = by + LAYOUT.header;
        for (const [k, b] of Object.entries(s.inner.result)) boxes[k] = [b[0] + dx, b[1] + dy, b[2], b[3]];
        aside.push(...s.inner.aside);
      }
      rowH = Math.max(rowH, s.h);
    }
    y += rowH + LAYOUT.gapY;
  }
  return { width: maxX - minX, height: y - LAYOUT.gapY };
}

/**
 * Longest path from the sources (Kahn's order; a cycle, which a program graph should not have, is
 * broken at its lowest index), then each source moved down to just above its first consumer so a
 * constant feeding a late op does not sit at the top with a long edge.
 */
function assignLayers(n: number, out: number[][], inn: number[][]): number[] {
  const indeg = inn.map((p) => p.length);
  const layer = new Array<number>(n).fill(0);
  const done = new Uint8Array(n);
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) queue.push(i);
  let processed = 0;
  let next = 0;
  let head = 0;
  while (processed < n) {
    if (head === queue.length) {
      while (done[next]) next++;
      queue.push(next); // breaks a cycle
    }
    const v = queue[head++];
    if (done[v]) continue;
    done[v] = 1;
    processed++;
    for (const w of out[v]) {
      if (done[w]) continue;
      layer[w] = Math.max(layer[w], layer[v] + 1);
      if (--indeg[w] === 0) queue.push(w);
    }
  }
  for (let i = 0; i < n; i++) {
    if (inn[i].length === 0 && out[i].length > 0) {
      let min = Infinity;
      for (const w of out[i]) min = Math.min(min, layer[w]);
      layer[i] = Math.max(layer[i], min - 1);
    }
  }
  return layer;
}

/** Each layer's nodes in order: first by depth-first discovery, then barycenter sweeps down and up. */
function orderLayers(n: number, layer: number[], up: number[][], down: number[][], sized: Sized[]): number[][] {
  let depth = 0;
  for (const l of layer) depth = Math.max(depth, l);
  const layers: number[][] = Array.from({ length: depth + 1 }, () => []);
  // depth-first from the sources keeps a stage's branches next to each other
  const visited = new Uint8Array(n);
  const stack: number[] = [];
  for (let s = 0; s < n; s++) {
    if (visited[s] || up[s].length > 0) continue;
    stack.push(s);
    while (stack.length) {
      const v = stack.pop() as number;
      if (visited[v]) continue;
      visited[v] = 1;
      layers[layer[v]].push(v);
      for (let k = down[v].length - 1; k >= 0; k--) if (!visited[down[v][k]]) stack.push(down[v][k]);
    }
  }
  for (let v = 0; v < n; v++) if (!visited[v]) layers[layer[v]].push(v);

  const pos = new Float64Array(n);
  const measure = (row: number[]) => {
    let total = 0;
    for (const i of row) total += sized[i].w + LAYOUT.gapX;
    let at = -total / 2;
    for (const i of row) {
      pos[i] = at + sized[i].w / 2;
      at += sized[i].w + LAYOUT.gapX;
    }
  };
  for (const row of layers) measure(row);
  const key = new Float64Array(n);
  const sweep = (row: number[], neighbours: number[][]) => {
    for (const v of row) {
      const ns = neighbours[v];
      if (ns.length === 0) key[v] = pos[v];
      else {
        let sum = 0;
        for (const w of ns) sum += pos[w];
        key[v] = sum / ns.length;
      }
    }
    row.sort((a, b) => key[a] - key[b] || pos[a] - pos[b]);
    measure(row);
  };
  for (let s = 0; s < LAYOUT.sweeps; s++) {
    for (let l = 1; l < layers.length; l++) sweep(layers[l], up);
    for (let l = layers.length - 2; l >= 0; l--) sweep(layers[l], down);
  }
  return layers;
}

/** x of each node's centre: packed in order, then pulled toward its neighbours' mean without overlapping. */
function coordinates(layers: number[][], up: number[][], down: number[][], sized: Sized[]): Float64Array {
  const n = sized.length;
  const x = new Float64Array(n);
  for (const row of layers) {
    let at = 0;
    for (const i of row) {
      x[i] = at + sized[i].w / 2;
      at += sized[i].w + LAYOUT.gapX;
    }
    const shift = at / 2;
    for (const i of row) x[i] -= shift;
  }
  const sep = (a: number, b: number) => (sized[a].w + sized[b].w) / 2 + LAYOUT.gapX;
  const pull = (row: number[], neighbours: number[][]) => {
    const want = row.map((v) => {
      const ns = neighbours[v];
      if (ns.length === 0) return x[v];
      let sum = 0;
      for (const w of ns) sum += x[w];
      return sum / ns.length;
    });
    // the leftmost and the rightmost feasible placements near `want`; their mean is feasible as well
    const left = want.slice();
    for (let k = 1; k < row.length; k++) left[k] = Math.max(left[k], left[k - 1] + sep(row[k - 1], row[k]));
    const right = want.slice();
    for (let k = row.length - 2; k >= 0; k--) right[k] = Math.min(right[k], right[k + 1] - sep(row[k], row[k + 1]));
    row.forEach((v, k) => (x[v] = (left[k] + right[k]) / 2));
  };
  for (let round = 0; round < 3; round++) {
    for (let l = 1; l < layers.length; l++) pull(layers[l], up);
    for (let l = layers.length - 2; l >= 0; l--) pull(layers[l], down);
  }
  return x;
}
