/**
 * What is drawn, from the model and the collapsed set: one layout graph whose top nodes are the
 * program's flows, each holding its nodes; a FLOW_CALL or PLAN node holds its sub-graph unless
 * collapsed; a collapsed loop is one node. Also the map back from each drawn key to what it stands
 * for. DOM-free (tested in Node); the layout it feeds only depends on this shape.
 */
import type { GraphNode } from '../../runtime/query/programGraph.js';
import { nodeKey, splitNodeKey, type GraphModel, type Scope } from './graphModel.js';
import type { Box, LayoutEdgeIn, LayoutGraphIn, LayoutNodeIn } from './layout.js';

export const NODE_W = 168;
export const NODE_H = 50;

export type VisibleItem =
  | { kind: 'top'; key: string; scope: string; collapsed: boolean }
  | { kind: 'node'; key: string; scope: string; node: GraphNode; sub?: { scope: string; collapsed: boolean } }
  | { kind: 'loop'; key: string; scope: string; start: number; members: string[] };

export interface VisibleEdge {
  from: string;
  to: string;
  kind: string;
  label?: string;
}

export interface VisibleGraph {
  input: LayoutGraphIn;
  items: Map<string, VisibleItem>;
  edges: VisibleEdge[];
  /** Node key → the key drawn for it (itself, its collapsed loop, or the collapsed node that holds its graph). */
  shownAs: Map<string, string>;
  /** Identifies the shape: equal keys lay out alike (the layout cache's key). */
  structureKey: string;
}

export const topKey = (scope: string): string => `top:${scope}`;
export const loopKey = (scope: string, start: number): string => `${scope}#loop${start}`;

export function visibleGraph(model: GraphModel, collapsed: ReadonlySet<string>): VisibleGraph {
  const items = new Map<string, VisibleItem>();
  const edges: VisibleEdge[] = [];
  const shownAs = new Map<string, string>();
  const shape: string[] = [model.hash];
  const subOf = new Map<string, Scope>();
  for (const s of model.scopes.values()) if (s.parent !== undefined) subOf.set(nodeKey(s.parent, s.callerNodeId as number), s);

  /** Marks every node of `scope` (and its sub-graphs) as shown by `as`. */
  const hideUnder = (scope: Scope, as: string) => {
    for (const n of scope.graph.nodes) {
      shownAs.set(nodeKey(scope.id, n.id), as);
      const sub = subOf.get(nodeKey(scope.id, n.id));
      if (sub) hideUnder(sub, as);
    }
  };

  const scopeGraph = (scope: Scope): LayoutGraphIn => {
    shape.push(`${scope.id}:${scope.graph.nodes.length}:${scope.graph.edges.length}`);
    const rep = new Map<number, string>();
    const loopNodes: LayoutNodeIn[] = [];
    for (const loop of scope.graph.loops) {
      const key = loopKey(scope.id, loop.start);
      if (!collapsed.has(key)) continue;
      const members = [loop.start, loop.end, ...loop.body];
      // an outer collapsed loop already took these nodes
      if (members.some((id) => rep.has(id))) continue;
      shape.push(key);
      for (const id of members) rep.set(id, key);
      items.set(key, { kind: 'loop', key, scope: scope.id, start: loop.start, members: members.map((id) => nodeKey(scope.id, id)) });
      loopNodes.push({ key, w: NODE_W, h: NODE_H });
    }
    const nodes: LayoutNodeIn[] = [];
    for (const n of scope.graph.nodes) {
      const key = nodeKey(scope.id, n.id);
      const shownKey = rep.get(n.id) ?? key;
      shownAs.set(key, shownKey);
      const sub = subOf.get(key);
      if (rep.has(n.id)) {
        if (sub) hideUnder(sub, shownKey);
        continue;
      }
      const item: VisibleItem = { kind: 'node', key, scope: scope.id, node: n };
      const layoutNode: LayoutNodeIn = { key, w: NODE_W, h: NODE_H };
      if (sub) {
        const isCollapsed = collapsed.has(sub.id);
        item.sub = { scope: sub.id, collapsed: isCollapsed };
        if (isCollapsed) {
          shape.push(`-${sub.id}`);
          hideUnder(sub, key);
        } else layoutNode.child = scopeGraph(sub);
      }
      items.set(key, item);
      nodes.push(layoutNode);
    }
    nodes.push(...loopNodes);
    const layoutEdges: LayoutEdgeIn[] = [];
    const seen = new Set<string>();
    for (const e of scope.graph.edges) {
      const from = rep.get(e.from) ?? nodeKey(scope.id, e.from);
      const to = rep.get(e.to) ?? nodeKey(scope.id, e.to);
      if (from === to) continue;
      const id = `${from}>${to}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const aside = e.kind === 'Effect';
      layoutEdges.push({ from, to, aside });
      edges.push({ from, to, kind: e.kind, ...(e.label !== undefined ? { label: e.label } : {}) });
    }
    return { nodes, edges: layoutEdges };
  };

  const tops: LayoutNodeIn[] = [];
  for (const scope of model.topScopes) {
    const key = topKey(scope.id);
    const isCollapsed = collapsed.has(scope.id);
    items.set(key, { kind: 'top', key, scope: scope.id, collapsed: isCollapsed });
    if (isCollapsed) {
      shape.push(`-${scope.id}`);
      hideUnder(scope, key);
      tops.push({ key, w: NODE_W + 40, h: NODE_H });
    } else tops.push({ key, w: NODE_W + 40, h: NODE_H, child: scopeGraph(scope) });
  }
  return { input: { nodes: tops, edges: [] }, items, edges, shownAs, structureKey: shape.join('|') };
}

/** The collapsed ids that hide `key` (its loops, the sub-graphs and flows around it): expanding them reveals it. */
export function collapsedAround(model: GraphModel, key: string, collapsed: ReadonlySet<string>): string[] {
  const found: string[] = [];
  let { scope, nodeId } = splitNodeKey(key);
  for (;;) {
    const s = model.scopes.get(scope);
    if (!s) break;
    for (const loop of s.graph.loops) {
      const lk = loopKey(scope, loop.start);
      if (collapsed.has(lk) && (loop.start === nodeId || loop.end === nodeId || loop.body.includes(nodeId))) found.push(lk);
    }
    if (collapsed.has(scope)) found.push(scope);
    if (s.parent === undefined) break;
    nodeId = s.callerNodeId as number;
    scope = s.parent;
  }
  return found;
}

/** A dashed outline around the drawn members of an expanded loop, or of a try or catch region. */
export interface RegionOutline {
  kind: 'loop' | 'try' | 'catch';
  box: Box;
}

/**
 * The outlines of every expanded loop and try/catch region whose members are drawn: the box
 * around their boxes, padded more for outer regions so a nested region's outline sits inside.
 * Regions of a hidden scope, and collapsed loops (drawn as one node), have none.
 */
export function regionOutlines(model: GraphModel, vg: VisibleGraph, boxes: Readonly<Record<string, Box>>): RegionOutline[] {
  const out: RegionOutline[] = [];
  for (const scope of model.scopes.values()) {
    const regions: { kind: RegionOutline['kind']; ids: number[] }[] = [];
    for (const l of scope.graph.loops)
      if (!vg.items.has(loopKey(scope.id, l.start))) regions.push({ kind: 'loop', ids: [l.start, l.end, ...l.body] });
    for (const t of scope.graph.tryRegions) {
      if (t.tryNodes.length) regions.push({ kind: 'try', ids: t.tryNodes });
      if (t.catchNodes.length) regions.push({ kind: 'catch', ids: t.catchNodes });
    }
    const sets = regions.map((r) => new Set(r.ids));
    regions.forEach((r, i) => {
      const drawn = r.ids.map((id) => nodeKey(scope.id, id)).filter((k) => vg.shownAs.get(k) === k && boxes[k]);
      if (!drawn.length) return;
      // a region holding others is padded more, so their outlines sit inside its own
      const inner = sets.filter((s, j) => j !== i && s.size < sets[i].size && [...s].every((id) => sets[i].has(id))).length;
      const pad = 6 + 6 * Math.min(inner, 3);
      let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
      for (const k of drawn) {
        const b = boxes[k];
        x0 = Math.min(x0, b[0]);
        y0 = Math.min(y0, b[1]);
        x1 = Math.max(x1, b[0] + b[2]);
        y1 = Math.max(y1, b[1] + b[3]);
      }
      // never past the box of the flow or call that holds the scope
      const holder = boxes[scope.parent === undefined ? topKey(scope.id) : nodeKey(scope.parent, scope.callerNodeId as number)];
      const left = holder ? Math.max(x0 - pad, holder[0] + 2) : x0 - pad;
      const right = holder ? Math.min(x1 + pad, holder[0] + holder[2] - 2) : x1 + pad;
      out.push({ kind: r.kind, box: [left, y0 - pad - 12, right - left, y1 - y0 + 2 * pad + 12] });
    });
  }
  return out;
}
