/**
 * What is drawn, from the model and the collapsed set: one layout graph whose top nodes are the
 * program's flows, each holding its nodes; a FLOW_CALL or PLAN node holds its sub-graph unless
 * collapsed; a collapsed loop is one node. Also the map back from each drawn key to what it stands
 * for. DOM-free (tested in Node); the layout it feeds only depends on this shape.
 */
import type { GraphNode } from '../../runtime/query/programGraph.js';
import { nodeKey, splitNodeKey, type GraphModel, type Scope } from './graphModel.js';
import type { LayoutEdgeIn, LayoutGraphIn, LayoutNodeIn } from './layout.js';

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
