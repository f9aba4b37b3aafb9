/**
 * A FlowGraph prepared for execution: dense node indices, in/out edge lists, input positions,
 * critical-path priorities, and the control regions (loop bodies, try/catch regions).
 * Built once per flow and shared by every frame that runs it.
 */
import { JOIN_OPS, LATENCY_WEIGHT_MS, OP_CATALOGUE, type OpName } from './opCatalogue.js';
import type { FlowGraph, OpNode } from './types.js';

export interface CompiledEdge {
  index: number;
  from: number;
  to: number;
  /** Data edges deliver a value at `inputPos` of the target; others only order. */
  data: boolean;
  inputPos: number;
  /** An Effect edge orders only: a skipped source does not skip its target. */
  effect: boolean;
  label: string | undefined;
}

/** Bits of `CompiledFlow.edgeFlags`. */
export const EDGE_DATA = 1;
export const EDGE_EFFECT = 2;

/** Bits of `CompiledFlow.nodeFlags`: what the scheduler must look at when a node settles. */
export const NODE_RETURN = 1;
export const NODE_TRY_CATCH = 2;
export const NODE_LOOP_START = 4;
export const NODE_IN_TRY = 8;
export const NODE_HAS_TIMEOUT = 16;
/** An op whose latency class is not None (memory, LLM, tools, flow calls): worth timing even when nobody watches. */
export const NODE_TAKES_TIME = 32;

export interface LoopRegion {
  start: number;
  end: number;
  /** Every node strictly between start and end (nested loops included). */
  body: Set<number>;
  /** Body nodes that run in this loop's iteration frames (nested loop bodies excluded). */
  ownNodes: number[];
  /** Edges into the body from outside it, except from `start`: the loop waits for them. */
  externalInEdges: number[];
  /** Edges from the body into `end`: each iteration's value. */
  exitEdges: number[];
  parent?: LoopRegion;
}

export interface TryRegion {
  node: number;
  tryNodes: Set<number>;
  catchNodes: Set<number>;
}

export interface CompiledFlow {
  graph: FlowGraph;
  nodes: OpNode[];
  indexOf: Map<number, number>;
  edges: CompiledEdge[];
  inEdges: number[][];
  outEdges: number[][];
  dataInCount: Int32Array;
  /** In-edges that can carry a skip (all but Effect edges): a join is skipped when all of them are. */
  skippableInCount: Int32Array;
  isJoin: Uint8Array;
  /** Longest latency-weighted path to a sink, in ms: higher runs first. */
  priority: Float64Array;
  /** The distinct priorities, highest first, and each node's rank among them (its ready-queue bucket). */
  priorityLevels: Float64Array;
  priorityRank: Int32Array;
  topo: number[];
  /** Nodes of the flow's own frame (everything outside loop bodies). */
  topNodes: number[];
  loopByStart: Map<number, LoopRegion>;
  loopByEnd: Map<number, LoopRegion>;
  tryByNode: Map<number, TryRegion>;
  /** For each node, the TRY_CATCH nodes whose try region contains it, innermost first. */
  enclosingTries: number[][];
  /** Node names that are unique in the flow → index (for `{{name}}` templates). */
  byName: Map<string, number>;

  // The scheduler's hot path reads these flat arrays instead of the node and edge objects, so a
  // node's run touches a few contiguous cache lines rather than objects scattered over the heap.
  /** Node ids and op names by index. */
  ids: Int32Array;
  ops: OpName[];
  /** NODE_* bits by index. */
  nodeFlags: Uint8Array;
  /** The node's `timeout_ms` attribute (0 when it has none). */
  timeoutMs: Float64Array;
  /** Out-edges in compressed rows: the edges leaving node i are outList[outStart[i] .. outStart[i+1]). */
  outStart: Int32Array;
  outList: Int32Array;
  /** Per edge: target index, EDGE_* bits, and the slot it fills in the target's inputs (-1: none). */
  edgeTo: Int32Array;
  edgeFlags: Uint8Array;
  edgeSlot: Int32Array;
  /** Node i's data inputs live at slots inputBase[i] .. inputBase[i+1] of a frame's input array. */
  inputBase: Int32Array;
  /** Nodes with no out-edges (a flow's result comes from them). */
  sinks: number[];
  /** Frame layouts by node set (topNodes, a loop's ownNodes), built on first use. */
  layouts: Map<readonly number[], FrameLayout>;
}

/**
 * What every frame over one node set starts with: the pending counts, which edges come from
 * outside the set (their values are placed when the frame opens), and which nodes are ready at once.
 */
export interface FrameLayout {
  /** 1 for each node of the set, else 0 (a frame's starting states: 1 is NodeState.Pending). */
  members: Uint8Array;
  pending: Int32Array;
  externalEdges: number[];
  initialReady: number[];
  /** [TRY_CATCH node, nodes of its try region in the set] for each TRY_CATCH in the set. */
  tryCounts: [number, number][];
}

/** The layout of frames that run `nodes` of `flow` (cached per node set). */
export function frameLayout(flow: CompiledFlow, nodes: readonly number[]): FrameLayout {
  let layout = flow.layouts.get(nodes);
  if (layout) return layout;
  const n = flow.nodes.length;
  const active = new Uint8Array(n);
  for (const i of nodes) active[i] = 1;
  const pending = new Int32Array(n);
  const externalEdges: number[] = [];
  for (const i of nodes) {
    const loopOfEnd = flow.loopByEnd.get(i);
    if (loopOfEnd && active[loopOfEnd.start]) {
      pending[i] = 1; // released when its loop finishes
      continue;
    }
    let count = 0;
    for (const e of flow.inEdges[i]) {
      if (active[flow.edges[e].from]) count++;
      else externalEdges.push(e);
    }
    const loop = flow.loopByStart.get(i);
    if (loop) for (const e of loop.externalInEdges) if (active[flow.edges[e].from]) count++;
    pending[i] = count;
  }
  const initialReady = nodes.filter((i) => pending[i] === 0);
  const tryCounts: [number, number][] = [];
  for (const [t, region] of flow.tryByNode) {
    if (!active[t]) continue;
    let count = 0;
    for (const v of region.tryNodes) if (active[v]) count++;
    tryCounts.push([t, count]);
  }
  layout = { members: active, pending, externalEdges, initialReady, tryCounts };
  flow.layouts.set(nodes, layout);
  return layout;
}

/** Distinct values of `priority`, highest first, and each entry's index among them. */
function rankLevels(priority: Float64Array): { levels: Float64Array; rank: Int32Array } {
  const levels = Float64Array.from(new Set(priority)).sort().reverse();
  const indexOfLevel = new Map<number, number>();
  levels.forEach((p, r) => indexOfLevel.set(p, r));
  return { levels, rank: Int32Array.from(priority, (p) => indexOfLevel.get(p) as number) };
}

/** Kahn's order; returns undefined when the graph has a cycle. */
export function topoOrder(n: number, outEdges: number[][], edges: { to: number }[], inCount: number[]): number[] | undefined {
  const indeg = inCount.slice();
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) queue.push(i);
  const order: number[] = [];
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    order.push(v);
    for (const e of outEdges[v]) if (--indeg[edges[e].to] === 0) queue.push(edges[e].to);
  }
  return order.length === n ? order : undefined;
}

function reach(starts: number[], outEdges: number[][], edges: CompiledEdge[], stopAt?: Set<number>): Set<number> {
  const seen = new Set<number>();
  const stack = [...starts];
  while (stack.length) {
    const v = stack.pop() as number;
    if (seen.has(v)) continue;
    seen.add(v);
    if (stopAt?.has(v)) continue;
    for (const e of outEdges[v]) stack.push(edges[e].to);
  }
  return seen;
}

function reachBack(starts: number[], inEdges: number[][], edges: CompiledEdge[]): Set<number> {
  const seen = new Set<number>();
  const stack = [...starts];
  while (stack.length) {
    const v = stack.pop() as number;
    if (seen.has(v)) continue;
    seen.add(v);
    for (const e of inEdges[v]) stack.push(edges[e].from);
  }
  return seen;
}

/** Pairs each LOOP_END with its LOOP_START: explicit `loop`/`label` attributes, else the innermost open loop reaching it. */
export function pairLoops(cf: Pick<CompiledFlow, 'nodes' | 'outEdges' | 'inEdges' | 'edges' | 'topo'>): {
  pairs: [number, number][];
  unpairedStarts: number[];
  unpairedEnds: number[];
} {
  const starts = cf.topo.filter((i) => cf.nodes[i].op === 'LOOP_START');
  const ends = cf.topo.filter((i) => cf.nodes[i].op === 'LOOP_END');
  const reachOf = new Map(starts.map((s) => [s, reach([s], cf.outEdges, cf.edges as CompiledEdge[])]));
  const paired = new Set<number>();
  const pairs: [number, number][] = [];
  const unpairedEnds: number[] = [];
  for (const e of ends) {
    const attrs = cf.nodes[e].attributes;
    let chosen: number | undefined;
    const explicit = attrs.loop ?? attrs.loop_start;
    if (typeof explicit === 'number') chosen = starts.find((s) => cf.nodes[s].id === explicit && !paired.has(s));
    else if (typeof attrs.label === 'string')
      chosen = starts.find((s) => cf.nodes[s].attributes.label === attrs.label && !paired.has(s) && reachOf.get(s)?.has(e));
    if (chosen === undefined) {
      const candidates = starts.filter((s) => !paired.has(s) && reachOf.get(s)?.has(e));
      // innermost: the candidate every other candidate reaches
      chosen = candidates.find((c) => candidates.every((o) => o === c || reachOf.get(o)?.has(c)));
    }
    if (chosen === undefined) unpairedEnds.push(e);
    else {
      paired.add(chosen);
      pairs.push([chosen, e]);
    }
  }
  return { pairs, unpairedStarts: starts.filter((s) => !paired.has(s)), unpairedEnds };
}

export function compileFlow(graph: FlowGraph): CompiledFlow {
  const nodes = graph.nodes;
  const n = nodes.length;
  const indexOf = new Map<number, number>();
  nodes.forEach((node, i) => indexOf.set(node.id, i));
  const inEdges: number[][] = Array.from({ length: n }, () => []);
  const outEdges: number[][] = Array.from({ length: n }, () => []);
  const dataInCount = new Int32Array(n);
  const skippableInCount = new Int32Array(n);
  const edges: CompiledEdge[] = graph.edges.map((e, index) => {
    const from = indexOf.get(e.from) as number;
    const to = indexOf.get(e.to) as number;
    const data = e.dependency === 'Data';
    const effect = e.dependency === 'Effect';
    if (!effect) skippableInCount[to]++;
    const ce: CompiledEdge = { index, from, to, data, inputPos: data ? dataInCount[to]++ : -1, effect, label: e.label };
    inEdges[to].push(index);
    outEdges[from].push(index);
    return ce;
  });
  const topo = topoOrder(
    n,
    outEdges,
    edges,
    inEdges.map((l) => l.length),
  );
  if (!topo) throw new Error(`flow ${graph.qualifiedName} has a cycle (validate before compiling)`);

  const priority = new Float64Array(n);
  for (let k = topo.length - 1; k >= 0; k--) {
    const v = topo[k];
    let best = 0;
    for (const e of outEdges[v]) best = Math.max(best, priority[edges[e].to]);
    priority[v] = best + LATENCY_WEIGHT_MS[OP_CATALOGUE[nodes[v].op].latency];
  }
  const { levels: priorityLevels, rank: priorityRank } = rankLevels(priority);
  const isJoin = new Uint8Array(n);
  nodes.forEach((node, i) => (isJoin[i] = JOIN_OPS.has(node.op) ? 1 : 0));

  const cf: CompiledFlow = {
    graph,
    nodes,
    indexOf,
    edges,
    inEdges,
    outEdges,
    dataInCount,
    skippableInCount,
    isJoin,
    priority,
    priorityLevels,
    priorityRank,
    topo,
    topNodes: [],
    loopByStart: new Map(),
    loopByEnd: new Map(),
    tryByNode: new Map(),
    enclosingTries: Array.from({ length: n }, () => []),
    byName: new Map(),
    ...flatLayout(nodes, edges, outEdges, dataInCount),
  };

  const names = new Map<string, number>();
  nodes.forEach((node, i) => names.set(node.name, names.has(node.name) ? -1 : i));
  for (const [name, i] of names) if (i >= 0) cf.byName.set(name, i);

  // Loops: body = between start and end; nested bodies are excluded from a frame's own nodes.
  const loops: LoopRegion[] = [];
  for (const [start, end] of pairLoops(cf).pairs) {
    const fwd = reach([start], outEdges, edges);
    const back = reachBack([end], inEdges, edges);
    const body = new Set<number>();
    for (const v of fwd) if (v !== start && v !== end && back.has(v)) body.add(v);
    const externalInEdges: number[] = [];
    const exitEdges: number[] = [];
    for (const v of body) for (const e of inEdges[v]) if (!body.has(edges[e].from) && edges[e].from !== start) externalInEdges.push(e);
    for (const e of inEdges[end]) if (body.has(edges[e].from) || edges[e].from === start) exitEdges.push(e);
    const region: LoopRegion = { start, end, body, ownNodes: [], externalInEdges, exitEdges };
    loops.push(region);
    cf.loopByStart.set(start, region);
    cf.loopByEnd.set(end, region);
  }
  for (const l of loops) {
    let parent: LoopRegion | undefined;
    for (const o of loops) if (o !== l && o.body.has(l.start) && (!parent || parent.body.has(o.start))) parent = o;
    l.parent = parent;
  }
  const innermostLoop = (v: number): LoopRegion | undefined => {
    let best: LoopRegion | undefined;
    for (const l of loops) if (l.body.has(v) && (!best || best.body.has(l.start))) best = l;
    return best;
  };
  for (const v of topo) {
    const l = innermostLoop(v);
    if (l) l.ownNodes.push(v);
    else cf.topNodes.push(v);
  }

  for (const region of tryRegionsOf(nodes, outEdges, edges)) cf.tryByNode.set(region.node, region);
  const tries = [...cf.tryByNode.values()];
  for (let v = 0; v < n; v++) {
    const containing = tries.filter((r) => r.tryNodes.has(v));
    // innermost first: a region nested in another is contained in it
    containing.sort((a, b) => a.tryNodes.size - b.tryNodes.size);
    cf.enclosingTries[v] = containing.map((r) => r.node);
  }
  for (let v = 0; v < n; v++) {
    if (nodes[v].op === 'RETURN') cf.nodeFlags[v] |= NODE_RETURN;
    if (nodes[v].op === 'TRY_CATCH') cf.nodeFlags[v] |= NODE_TRY_CATCH;
    if (cf.loopByStart.has(v)) cf.nodeFlags[v] |= NODE_LOOP_START;
    if (cf.enclosingTries[v].length) cf.nodeFlags[v] |= NODE_IN_TRY;
  }
  return cf;
}

/** Try/catch regions: reachable from the try edges but not from the catch edges, and vice versa. */
export function tryRegionsOf(nodes: readonly OpNode[], outEdges: number[][], edges: CompiledEdge[]): TryRegion[] {
  const out: TryRegion[] = [];
  for (let t = 0; t < nodes.length; t++) {
    if (nodes[t].op !== 'TRY_CATCH') continue;
    const tryStarts = outEdges[t].filter((e) => edges[e].label !== 'catch').map((e) => edges[e].to);
    const catchStarts = outEdges[t].filter((e) => edges[e].label === 'catch').map((e) => edges[e].to);
    const T = reach(tryStarts, outEdges, edges);
    const C = reach(catchStarts, outEdges, edges);
    out.push({ node: t, tryNodes: new Set([...T].filter((v) => !C.has(v))), catchNodes: new Set([...C].filter((v) => !T.has(v))) });
  }
  return out;
}

function flatLayout(nodes: OpNode[], edges: CompiledEdge[], outEdges: number[][], dataInCount: Int32Array) {
  const n = nodes.length;
  const ids = new Int32Array(n);
  const ops = new Array<OpName>(n);
  const nodeFlags = new Uint8Array(n);
  const timeoutMs = new Float64Array(n);
  const inputBase = new Int32Array(n + 1);
  const outStart = new Int32Array(n + 1);
  const outList = new Int32Array(edges.length);
  const sinks: number[] = [];
  for (let i = 0; i < n; i++) {
    const node = nodes[i];
    ids[i] = node.id;
    ops[i] = node.op;
    const t = node.attributes.timeout_ms;
    if (typeof t === 'number') {
      timeoutMs[i] = t;
      nodeFlags[i] |= NODE_HAS_TIMEOUT;
    }
    inputBase[i + 1] = inputBase[i] + dataInCount[i];
    outStart[i + 1] = outStart[i] + outEdges[i].length;
    outList.set(outEdges[i], outStart[i]);
    if (outEdges[i].length === 0) sinks.push(i);
    if (OP_CATALOGUE[node.op].latency !== 'None') nodeFlags[i] |= NODE_TAKES_TIME;
  }
  const edgeTo = new Int32Array(edges.length);
  const edgeFlags = new Uint8Array(edges.length);
  const edgeSlot = new Int32Array(edges.length);
  for (const e of edges) {
    edgeTo[e.index] = e.to;
    edgeFlags[e.index] = (e.data ? EDGE_DATA : 0) | (e.effect ? EDGE_EFFECT : 0);
    edgeSlot[e.index] = e.data ? inputBase[e.to] + e.inputPos : -1;
  }
  return {
    ids,
    ops,
    nodeFlags,
    timeoutMs,
    inputBase,
    outStart,
    outList,
    edgeTo,
    edgeFlags,
    edgeSlot,
    sinks,
    layouts: new Map<readonly number[], FrameLayout>(),
  };
}
