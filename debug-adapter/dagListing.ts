/**
 * A read-only text listing of a program's DAG, one op per line. `.json` and `.apxmobj` programs
 * have no source text to put breakpoints on, so the session serves this listing as a DAP `Source`
 * (by `sourceReference`): breakpoints are set on its lines and stack frames point into it.
 */
import path from 'node:path';
import type { FlowGraph, OpEdge, OpNode, Program } from '../runtime/graph/types.js';
import { nodeKey } from './breakpoints.js';
import { terminalSafe } from '../runtime/values/terminalSafe.js';

export interface DagListing {
  text: string;
  /** 1-based line of a node, or undefined when the flow or node is not in the program. */
  lineOf(flow: string, nodeId: number): number | undefined;
  /** The node on a 1-based line: one at most (the layout never puts two ops on a line), else empty. */
  nodesAt(line: number): { flow: string; nodeId: number }[];
  /** The flow whose header or node is on a 1-based line. */
  flowAt(line: number): string | undefined;
}

/** The name VS Code shows for the listing's tab and in the call stack. */
export function listingSourceName(program: Program): string {
  return `${flat(program.file ? path.basename(program.file) : program.name)} (DAG)`;
}

/** Attributes that say what an op does, most telling first; the first one a node has is its summary. */
const KEY_ATTRIBUTES = [
  'template_str',
  'prompt',
  'goal',
  'claim',
  'capability',
  'code',
  'query',
  'key',
  'message',
  'error_message',
  'condition',
  'case_labels',
  'discriminant',
  'queue',
  'checkpoint',
  'checkpoint_id',
  'goal_id',
  'recipient',
  'target',
  'target_agent',
  'items',
  'count',
  'while',
  'until',
  'value',
  'match',
  'strategy',
];
/** Prompts are the point of their op, so they stand alone; other attributes keep their key. */
const BARE = new Set(['template_str', 'prompt']);
const SUMMARY_MAX = 80;
const NAME_COLUMN_MAX = 20;
const INPUTS_COLUMN_MAX = 28;

export function buildDagListing(program: Program): DagListing {
  const lines: string[] = [];
  const lineNode: ({ flow: string; nodeId: number } | undefined)[] = [];
  const lineFlow: (string | undefined)[] = [];
  const byNode = new Map<string, number>();
  const push = (text: string, flow?: string, nodeId?: number): void => {
    lines.push(text.trimEnd());
    lineFlow.push(flow);
    lineNode.push(flow !== undefined && nodeId !== undefined ? { flow, nodeId } : undefined);
    if (flow !== undefined && nodeId !== undefined) byNode.set(nodeKey(flow, nodeId), lines.length);
  };

  const nodeCount = program.flows.reduce((n, f) => n + f.nodes.length, 0);
  push(
    `// DAG of ${flat(program.name)}${program.file ? ` from ${flat(program.file)}` : ''}: ${count(program.flows.length, 'flow')}, ${count(nodeCount, 'node')}, one op per line (read-only)`,
  );
  push('// #n data input (in input order), ~#n control edge, ^#n effect edge (orders only), #n[label] branch edge');
  // The entry flow first: it is where a run starts, so where a reader starts.
  const flows = [program.entry, ...program.flows.filter((f) => f !== program.entry)];
  for (const flow of flows) {
    push('');
    listFlow(flow, flow === program.entry, push);
  }
  const text = lines.join('\n') + '\n';
  return {
    text,
    lineOf: (flow, nodeId) => byNode.get(nodeKey(flow, nodeId)),
    nodesAt: (line) => {
      const at = lineNode[line - 1];
      return at ? [{ ...at }] : [];
    },
    flowAt: (line) => lineFlow[line - 1],
  };
}

function listFlow(flow: FlowGraph, isEntry: boolean, push: (text: string, flow?: string, nodeId?: number) => void): void {
  const name = flow.qualifiedName;
  const params = flow.parameters.map((p) => `${flat(p.name)}: ${flat(p.typeName)}`).join(', ');
  push(`${isEntry ? '@entry ' : ''}flow ${flat(name)}(${params})`, name);
  const order = topoByNodeId(flow);
  const incoming = new Map<number, OpEdge[]>();
  for (const e of flow.edges) {
    const list = incoming.get(e.to);
    if (list) list.push(e);
    else incoming.set(e.to, [e]);
  }
  const rows = order.map((node) => ({
    node,
    id: `#${node.id}`,
    name: flat(node.name),
    inputs: inputsOf(incoming.get(node.id) ?? []),
    summary: summarise(node),
  }));
  const width = (pick: (r: (typeof rows)[number]) => string, max = Infinity) =>
    Math.min(
      max,
      rows.reduce((w, r) => Math.max(w, pick(r).length), 0),
    );
  const [idW, opW, nameW, inW] = [
    width((r) => r.id),
    width((r) => r.node.op),
    width((r) => r.name, NAME_COLUMN_MAX),
    width((r) => r.inputs, INPUTS_COLUMN_MAX),
  ];
  for (const r of rows) {
    const cells = [r.id.padEnd(idW), r.node.op.padEnd(opW), r.name.padEnd(nameW)];
    if (inW > 0) cells.push(r.inputs.padEnd(inW));
    push(`  ${cells.join('  ')}  ${r.summary}`, name, r.node.id);
  }
}

/**
 * Kahn's order taking the smallest ready node id first. compileFlow's `topoOrder` is first-in
 * first-out, which interleaves independent chains by depth; by id, the listing keeps the file's
 * order wherever the edges allow, and the same program always lists the same way.
 */
function topoByNodeId(flow: FlowGraph): OpNode[] {
  const byId = new Map(flow.nodes.map((n) => [n.id, n]));
  const indegree = new Map(flow.nodes.map((n) => [n.id, 0]));
  const next = new Map<number, number[]>();
  for (const e of flow.edges) {
    if (!byId.has(e.from) || !byId.has(e.to)) continue;
    indegree.set(e.to, (indegree.get(e.to) ?? 0) + 1);
    const out = next.get(e.from);
    if (out) out.push(e.to);
    else next.set(e.from, [e.to]);
  }
  // Kept in descending order so pop() yields the smallest id.
  const ready = [...indegree]
    .filter(([, d]) => d === 0)
    .map(([id]) => id)
    .sort((a, b) => b - a);
  const order: OpNode[] = [];
  while (ready.length) {
    const id = ready.pop() as number;
    order.push(byId.get(id) as OpNode);
    for (const to of next.get(id) ?? []) {
      const d = (indegree.get(to) as number) - 1;
      indegree.set(to, d);
      if (d === 0) insertDescending(ready, to);
    }
  }
  // Loaded programs are acyclic, but a listing must never throw: a cycle's nodes follow by id.
  const placed = new Set(order);
  order.push(...flow.nodes.filter((n) => !placed.has(n)).sort((a, b) => a.id - b.id));
  return order;
}

function insertDescending(list: number[], x: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] > x) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, x);
}

/** Data inputs first in edge order (that is `{0}`, `{1}`, ...), then the edges that only order. */
function inputsOf(incoming: OpEdge[]): string {
  const refs = [...incoming.filter((e) => e.dependency === 'Data'), ...incoming.filter((e) => e.dependency !== 'Data')].map(edgeRef);
  return refs.length ? `← ${refs.join(', ')}` : '';
}

function edgeRef(e: OpEdge): string {
  const mark = e.dependency === 'Control' ? '~' : e.dependency === 'Effect' ? '^' : '';
  return `${mark}#${e.from}${e.label !== undefined ? `[${flat(e.label)}]` : ''}`;
}

function summarise(node: OpNode): string {
  const a = node.attributes;
  if (node.op === 'FLOW_CALL' && typeof a.agent_name === 'string' && typeof a.flow_name === 'string')
    return truncate(`calls ${flat(a.agent_name)}.${flat(a.flow_name)}`, SUMMARY_MAX);
  const key = KEY_ATTRIBUTES.find((k) => a[k] !== undefined && a[k] !== null);
  if (key === undefined) return '';
  const prefix = BARE.has(key) ? '' : `${key}=`;
  const v = a[key];
  // Truncated inside the quotes, so a cut prompt still reads as one quoted string.
  return typeof v === 'string'
    ? `${prefix}"${truncate(flat(v), SUMMARY_MAX - prefix.length - 2)}"`
    : prefix + truncate(flat(JSON.stringify(v)), SUMMARY_MAX - prefix.length);
}

function truncate(s: string, max: number): string {
  const chars = Array.from(s); // by code point, so an emoji is never cut in half
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/**
 * One line, whatever the text holds: line breaks (VS Code also breaks on U+2028/2029) become ⏎,
 * tabs a space, other control and bidirectional characters an escape (`\x1b`, `\u202e`).
 */
function flat(s: string): string {
  return terminalSafe(s.replace(/\r\n|[\r\n\u2028\u2029\u0085]/g, '⏎').replace(/[\t\v\f]/g, ' '));
}
