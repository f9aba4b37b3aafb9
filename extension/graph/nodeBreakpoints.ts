/**
 * Which graph nodes have a breakpoint, from VS Code's own breakpoint list (no `vscode` import: the
 * extension converts its breakpoints to BreakpointView and node:test calls this directly). A node
 * stops on a function breakpoint `Agent.flow#id`, on a source breakpoint on the line it was written
 * on, or on a breakpoint on its line of the DAG listing (.json/.apxmobj programs): the same rules
 * the adapter applies (debug-adapter/breakpoints.ts), so the graph and the Breakpoints view agree.
 */
import path from 'node:path';
import type { ProgramGraph } from '../../runtime/query/programGraph.js';
import type { NodeKey } from '../../media/graph/protocol.js';

/** One of VS Code's breakpoints, as far as the graph cares. */
export type BreakpointView =
  | { kind: 'function'; name: string; enabled: boolean }
  /** On a line of a file (1-based). */
  | { kind: 'source'; file: string; line: number; enabled: boolean }
  /** On a line (1-based) of the DAG listing of the program `program`. */
  | { kind: 'listing'; program: string; line: number; enabled: boolean };

/** Where the nodes of one program are: its graph and, for .json/.apxmobj programs, its DAG listing's lines. */
export interface NodePlaces {
  programPath: string;
  graph: ProgramGraph;
  listing?: { nodesAt(line: number): NodeKey[] };
}

/** The adapter looks this many lines below a source breakpoint on a line without an op (BreakpointStore.setLines). */
const LINES_AHEAD = 3;

/** The function breakpoint that stops on exactly one node. */
export function nodeBreakpointName(k: NodeKey): string {
  return `${k.flow}#${k.nodeId}`;
}

/** The node a function breakpoint's name designates (`Agent.flow#3`), or undefined for other names (`ASK`, `inv:search`). */
export function parseNodeBreakpointName(name: string): NodeKey | undefined {
  const m = /^(.+)#(\d+)$/.exec(name.trim());
  return m ? { flow: m[1], nodeId: Number(m[2]) } : undefined;
}

function normalise(file: string): string {
  const p = path.resolve(file);
  return process.platform === 'win32' ? p.toLowerCase() : p;
}

/** Per file, per line: the nodes written there (compiler-generated nodes have no line to stop on). */
function sourceLines(graph: ProgramGraph): Map<string, Map<number, NodeKey[]>> {
  const out = new Map<string, Map<number, NodeKey[]>>();
  for (const flow of graph.flows)
    for (const n of flow.nodes) {
      if (!n.source || n.generated) continue;
      const file = normalise(n.source.file);
      let lines = out.get(file);
      if (!lines) out.set(file, (lines = new Map<number, NodeKey[]>()));
      const list = lines.get(n.source.line) ?? [];
      list.push({ flow: flow.name, nodeId: n.id });
      lines.set(n.source.line, list);
    }
  return out;
}

/** The nodes one breakpoint stops on (an empty list: none of this program's). */
function nodesOf(bp: BreakpointView, places: NodePlaces, lines: () => Map<string, Map<number, NodeKey[]>>): NodeKey[] {
  switch (bp.kind) {
    case 'function': {
      const k = parseNodeBreakpointName(bp.name);
      const flow = k && places.graph.flows.find((f) => f.name === k.flow);
      return k && flow?.nodes.some((n) => n.id === k.nodeId) ? [k] : [];
    }
    case 'source': {
      const byLine = lines().get(normalise(bp.file));
      if (!byLine) return [];
      // as the adapter places it: that line's ops, else those of the closest line a few below
      for (let l = bp.line; l <= bp.line + LINES_AHEAD; l++) {
        const at = byLine.get(l);
        if (at) return at;
      }
      return [];
    }
    case 'listing':
      return places.listing && normalise(bp.program) === normalise(places.programPath) ? places.listing.nodesAt(bp.line) : [];
  }
}

const keyOf = (k: NodeKey): string => `${k.flow}#${k.nodeId}`;

/** Every node with a breakpoint, once each; enabled when any of its breakpoints is. */
export function nodesWithBreakpoints(bps: readonly BreakpointView[], places: NodePlaces): (NodeKey & { enabled: boolean })[] {
  let cached: Map<string, Map<number, NodeKey[]>> | undefined;
  const lines = () => (cached ??= sourceLines(places.graph));
  const out = new Map<string, NodeKey & { enabled: boolean }>();
  for (const bp of bps)
    for (const k of nodesOf(bp, places, lines)) {
      const seen = out.get(keyOf(k));
      if (seen) seen.enabled ||= bp.enabled;
      else out.set(keyOf(k), { flow: k.flow, nodeId: k.nodeId, enabled: bp.enabled });
    }
  return [...out.values()];
}

/** The indexes of the breakpoints that stop on `node`: what "Toggle Breakpoint" removes (none: it adds one). */
export function breakpointsOnNode(bps: readonly BreakpointView[], places: NodePlaces, node: NodeKey): number[] {
  let cached: Map<string, Map<number, NodeKey[]>> | undefined;
  const lines = () => (cached ??= sourceLines(places.graph));
  const want = keyOf(node);
  const out: number[] = [];
  bps.forEach((bp, i) => {
    if (nodesOf(bp, places, lines).some((k) => keyOf(k) === want)) out.push(i);
  });
  return out;
}
