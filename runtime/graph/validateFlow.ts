/** Structural and attribute checks of one flow; every problem is reported with its JSON path. */
import { isTier } from '../memory/memorySystem.js';
import { attributeRange, inRange, rangeText } from './attributeRanges.js';
import { isObject, quoteForMessage, textOf } from '../values/value.js';
import { checkName, childPath, type Diagnostics } from './diagnostics.js';
import { pairLoops, topoOrder, tryRegionsOf, type CompiledEdge } from './compileFlow.js';
import type { FlowGraph, OpNode } from './types.js';

/** Reports an edge whose ends are not node ids; true when both exist. */
export function checkEdgeEndpoints(
  e: { from: number; to: number },
  path: string,
  ids: ReadonlyMap<number, unknown>,
  diags: Diagnostics,
): boolean {
  const known = () => `use one of the node ids: ${[...ids.keys()].slice(0, 20).join(', ')}`;
  if (!ids.has(e.from)) diags.error(childPath(path, 'from'), `edge references unknown source node ${e.from}`, known());
  if (!ids.has(e.to)) diags.error(childPath(path, 'to'), `edge references unknown destination node ${e.to}`, known());
  return ids.has(e.from) && ids.has(e.to);
}

// Every FLOW_CALL looks its target up: one index per program's flow list (rebuilt if the list grew),
// so a program of many flows calling each other validates in linear time, not quadratic.
const flowIndexes = new WeakMap<readonly FlowGraph[], { size: number; byName: Map<string, FlowGraph> }>();

function flowNamed(flows: readonly FlowGraph[], agent: string, flow: string): FlowGraph | undefined {
  let cached = flowIndexes.get(flows);
  if (cached?.size !== flows.length) {
    const byName = new Map<string, FlowGraph>();
    for (const f of flows) {
      const key = JSON.stringify([f.agent, f.flow]);
      if (!byName.has(key)) byName.set(key, f);
    }
    cached = { size: flows.length, byName };
    flowIndexes.set(flows, cached);
  }
  return cached.byName.get(JSON.stringify([agent, flow]));
}

/** At most 20 names for a hint, so a hint stays a line however many flows a program has. */
function namesForHint(names: readonly string[]): string {
  return names.length <= 20 ? names.join(', ') : `${names.slice(0, 20).join(', ')} … (${names.length - 20} more)`;
}

export function validateFlow(flow: FlowGraph, diags: Diagnostics, allFlows: FlowGraph[]): void {
  const base = flow.jsonPath ?? '$';
  const indexOf = new Map<number, number>();
  flow.nodes.forEach((n, i) => indexOf.set(n.id, i));
  const edges: CompiledEdge[] = [];
  const inEdges: number[][] = flow.nodes.map(() => []);
  const outEdges: number[][] = flow.nodes.map(() => []);
  /** The JSON path of each edge kept in `edges`. */
  const edgePaths: string[] = [];
  let edgesOk = true;
  flow.edges.forEach((e, k) => {
    const path = e.jsonPath ?? childPath(childPath(base, 'edges'), k);
    const from = indexOf.get(e.from);
    const to = indexOf.get(e.to);
    if (!checkEdgeEndpoints(e, path, indexOf, diags)) return void (edgesOk = false);
    if (from === undefined || to === undefined) return;
    if (from === to) {
      diags.error(
        path,
        `edge ${e.from} → ${e.to} is a self-loop`,
        'use LOOP_START/LOOP_END for repetition; a node cannot depend on itself',
      );
      return void (edgesOk = false);
    }
    const idx = edges.length;
    edgePaths.push(path);
    edges.push({ index: idx, from, to, data: e.dependency === 'Data', inputPos: -1, effect: e.dependency === 'Effect', label: e.label });
    inEdges[to].push(idx);
    outEdges[from].push(idx);
    if (e.label !== undefined) checkLabel(flow.nodes[from], e.label, path, diags);
  });
  for (const [i, node] of flow.nodes.entries())
    checkAttributes(node, node.jsonPath ?? childPath(childPath(base, 'nodes'), i), diags, allFlows, inEdges[i], edges, outEdges[i]);
  if (!edgesOk) return;

  const topo = topoOrder(
    flow.nodes.length,
    outEdges,
    edges,
    inEdges.map((l) => l.length),
  );
  if (!topo) {
    const cycle = findCycle(flow.nodes.length, outEdges, edges);
    const names = cycle.map((i) => `${flow.nodes[i].id} (${flow.nodes[i].name})`);
    // the place is the edge that closes the cycle
    const closing = outEdges[cycle[cycle.length - 1]].find((k) => edges[k].to === cycle[0]);
    diags.error(
      closing !== undefined ? edgePaths[closing] : childPath(base, 'edges'),
      `graph must be acyclic: cycle ${names.join(' → ')} → ${names[0]}`,
      'remove one of these edges; use LOOP_START/LOOP_END to repeat work',
      'E_PROGRAM_CYCLE',
    );
    return;
  }
  const nodesView = flow.nodes;
  const { pairs, unpairedStarts, unpairedEnds } = pairLoops({ nodes: nodesView, outEdges, inEdges, edges, topo });
  for (const s of unpairedStarts)
    diags.error(
      nodePath(flow, s),
      `LOOP_START ${nodesView[s].id} has no matching LOOP_END`,
      'add a LOOP_END reachable from the LOOP_START (pair them with the same "label" when loops are nested)',
    );
  for (const e of unpairedEnds)
    diags.error(
      nodePath(flow, e),
      `LOOP_END ${nodesView[e].id} has no matching LOOP_START before it`,
      'add an edge path from its LOOP_START to it',
    );
  const bodies: Set<number>[] = [];
  for (const [start, end] of pairs) {
    const body = between(start, end, outEdges, inEdges, edges);
    bodies.push(body);
    for (const v of body)
      for (const k of outEdges[v]) {
        const to = edges[k].to;
        if (to !== end && !body.has(to))
          diags.error(
            edgePaths[k],
            `edge ${nodesView[v].id} → ${nodesView[to].id} leaves the body of loop ${nodesView[start].id} without going through its LOOP_END ${nodesView[end].id}`,
            `route the value into LOOP_END ${nodesView[end].id}; its output is the array of every iteration's value`,
          );
      }
    for (const k of inEdges[end]) {
      const from = edges[k].from;
      if (from !== start && !body.has(from))
        diags.error(
          childPath(base, 'edges'),
          `LOOP_END ${nodesView[end].id} takes an edge from ${nodesView[from].id}, which is outside its loop`,
          'a LOOP_END only collects values from its own loop body',
        );
    }
  }
  checkTryWaits(flow, outEdges, edges, diags);
  for (let a = 0; a < bodies.length; a++)
    for (let b = a + 1; b < bodies.length; b++) {
      const [x, y] = [bodies[a], bodies[b]];
      const overlap = [...x].some((v) => y.has(v));
      const nested = [...x].every((v) => y.has(v) || v === pairs[b][0]) || [...y].every((v) => x.has(v) || v === pairs[a][0]);
      if (overlap && !nested)
        diags.error(
          nodePath(flow, pairs[b][0]),
          `loops ${nodesView[pairs[a][0]].id} and ${nodesView[pairs[b][0]].id} overlap without nesting`,
          'nest one loop entirely inside the other, or run them one after the other',
        );
    }
}

function nodePath(flow: FlowGraph, i: number): string {
  return flow.nodes[i].jsonPath ?? `${flow.jsonPath ?? '$'}.nodes[${i}]`;
}

function between(start: number, end: number, outEdges: number[][], inEdges: number[][], edges: CompiledEdge[]): Set<number> {
  const walk = (from: number, next: (v: number) => number[]): Set<number> => {
    const seen = new Set<number>();
    const stack = [from];
    while (stack.length) {
      const v = stack.pop() as number;
      if (seen.has(v)) continue;
      seen.add(v);
      stack.push(...next(v));
    }
    return seen;
  };
  const fwd = walk(start, (v) => outEdges[v].map((e) => edges[e].to));
  const back = walk(end, (v) => inEdges[v].map((e) => edges[e].from));
  return new Set([...fwd].filter((v) => v !== start && v !== end && back.has(v)));
}

/**
 * A catch region starts once its whole try region has settled: a wait no edge shows. Two
 * TRY_CATCHes whose regions cross (each one's catch feeding the other's try region) would wait for
 * each other forever; refuse them here rather than fail with a deadlock at run time.
 */
function checkTryWaits(flow: FlowGraph, outEdges: number[][], edges: CompiledEdge[], diags: Diagnostics): void {
  const regions = tryRegionsOf(flow.nodes, outEdges, edges);
  if (regions.length < 2) return;
  const n = flow.nodes.length;
  // One waiting point per region (node n + r): its try nodes lead to it, it leads to its catch
  // starts. Linear in the regions' sizes, where an edge per (try node, catch start) pair was not.
  const all: { to: number }[] = edges.map((e) => ({ to: e.to }));
  const out = [...outEdges.map((list) => [...list]), ...regions.map(() => [] as number[])];
  regions.forEach((r, k) => {
    const wait = n + k;
    for (const u of r.tryNodes) {
      out[u].push(all.length);
      all.push({ to: wait });
    }
    for (const e of outEdges[r.node]) {
      if (edges[e].label !== 'catch') continue;
      out[wait].push(all.length);
      all.push({ to: edges[e].to });
    }
  });
  const total = out.length;
  if (topoOrder(total, out, all, inCounts(total, out, all))) return;
  const cycle = findCycle(total, out, all);
  const tries = cycle.filter((v) => v >= n).map((v) => regions[v - n].node);
  const names = (list: number[]) => list.map((i) => `${flow.nodes[i].id} (${flow.nodes[i].name})`).join(', ');
  diags.error(
    nodePath(flow, tries[0] ?? cycle[0]),
    `the try/catch regions of TRY_CATCH ${names(tries)} wait for each other: a catch region starts only when its whole try region has settled, and ${names(cycle.filter((v) => v < n))} would each wait for another`,
    "do not route one TRY_CATCH's catch region into another's try region while that one's catch feeds the first; nest the two, or run them one after the other",
    'E_PROGRAM_CYCLE',
  );
}

function inCounts(n: number, out: number[][], all: { to: number }[]): number[] {
  const counts = new Array<number>(n).fill(0);
  for (const list of out) for (const e of list) counts[all[e].to]++;
  return counts;
}

/** The nodes of one cycle (iterative: a long graph must not overflow the stack). */
function findCycle(n: number, outEdges: number[][], edges: readonly { to: number }[]): number[] {
  const color = new Uint8Array(n); // 0 unseen, 1 on the path, 2 done
  const path: number[] = [];
  const next = new Int32Array(n); // index of the next out-edge to follow
  for (let root = 0; root < n; root++) {
    if (color[root] !== 0) continue;
    path.push(root);
    color[root] = 1;
    while (path.length) {
      const v = path[path.length - 1];
      if (next[v] < outEdges[v].length) {
        const w = edges[outEdges[v][next[v]++]].to;
        if (color[w] === 1) return path.slice(path.indexOf(w));
        if (color[w] === 0) {
          color[w] = 1;
          path.push(w);
        }
      } else {
        color[v] = 2;
        path.pop();
      }
    }
  }
  return [];
}

function checkLabel(from: OpNode, label: string, path: string, diags: Diagnostics): void {
  switch (from.op) {
    case 'BRANCH_ON_VALUE': {
      const t = textOf(from.attributes.true_label ?? 'true');
      const f = textOf(from.attributes.false_label ?? 'false');
      if (label !== t && label !== f)
        diags.error(
          childPath(path, 'label'),
          `BRANCH_ON_VALUE ${from.id} has branches "${t}" and "${f}", not "${label}"`,
          `label the edge "${t}" or "${f}"`,
        );
      return;
    }
    case 'SWITCH':
      return;
    case 'TRY_CATCH':
      if (label !== 'try' && label !== 'catch')
        diags.error(childPath(path, 'label'), `TRY_CATCH edges are labelled "try" or "catch", not "${label}"`);
      return;
    default:
      diags.error(
        childPath(path, 'label'),
        `only BRANCH_ON_VALUE, SWITCH and TRY_CATCH edges take a label; node ${from.id} is ${from.op}`,
        'remove the "label"',
      );
  }
}

function requireString(node: OpNode, path: string, diags: Diagnostics, keys: string[], hint: string, allowEmpty = false): void {
  const present = keys.find((k) => node.attributes[k] !== undefined);
  if (present === undefined)
    return diags.error(childPath(path, 'attributes'), `${node.op} node ${node.id} needs the attribute "${keys[0]}"`, hint);
  const v = node.attributes[present];
  if (typeof v !== 'string')
    return diags.error(childPath(childPath(path, 'attributes'), present), `"${present}" must be a string, got ${quoteForMessage(v)}`, hint);
  if (!allowEmpty && !v.trim())
    diags.error(childPath(childPath(path, 'attributes'), present), `"${present}" of ${node.op} node ${node.id} is empty`, hint);
}

/** Attributes with a fixed range (attributeRanges.ts): the runtime would refuse them when the node runs. */
function checkRange(node: OpNode, key: string, path: string, diags: Diagnostics): void {
  const range = attributeRange(node.op, key);
  const v = node.attributes[key];
  if (range === undefined || v === undefined || inRange(v, range)) return;
  diags.error(
    childPath(childPath(path, 'attributes'), key),
    `"${key}" of ${node.op} node ${node.id} must be ${rangeText(range)}, got ${quoteForMessage(v)}`,
    `give "${key}" ${rangeText(range)}`,
  );
}

function checkNumber(node: OpNode, key: string, path: string, diags: Diagnostics, min: number, max = Infinity, integer = false): void {
  const v = node.attributes[key];
  if (v === undefined) return;
  if (typeof v !== 'number' || v < min || v > max || (integer && !Number.isInteger(v)))
    diags.error(
      childPath(childPath(path, 'attributes'), key),
      `"${key}" must be ${integer ? 'an integer' : 'a number'} ${max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`}, got ${quoteForMessage(v)}`,
    );
}

function checkAttributes(
  node: OpNode,
  path: string,
  diags: Diagnostics,
  flows: FlowGraph[],
  inEdges: number[],
  edges: CompiledEdge[],
  outEdges: number[],
): void {
  const a = node.attributes;
  const hasData = inEdges.some((e) => edges[e].data);
  for (const key of Object.keys(a)) checkRange(node, key, path, diags);
  switch (node.op) {
    case 'CONST_STR':
      // A string upstream; any JSON value here (the AIS lowering keeps list and number literals as they are).
      if (a.value === undefined)
        diags.error(childPath(path, 'attributes'), `CONST_STR node ${node.id} needs a "value"`, 'e.g. "attributes": {"value": "hello"}');
      break;
    case 'ASK':
    case 'THINK':
    case 'REASON':
      if (a.template_str === undefined && a.prompt === undefined && !hasData)
        diags.error(
          childPath(path, 'attributes'),
          `${node.op} node ${node.id} has no prompt`,
          'set "template_str" (use {0} for the first input, {{name}} for a parameter)',
        );
      else if (a.template_str !== undefined || a.prompt !== undefined)
        requireString(node, path, diags, ['template_str', 'prompt'], 'set "template_str" to the question', hasData);
      checkNumber(node, 'temperature', path, diags, 0, 2);
      checkNumber(node, 'max_tokens', path, diags, 1, Infinity, true);
      if (a.model !== undefined && typeof a.model !== 'string')
        diags.error(childPath(childPath(path, 'attributes'), 'model'), '"model" must be a string');
      break;
    case 'PLAN':
      if (a.goal === undefined && !hasData)
        diags.error(childPath(path, 'attributes'), `PLAN node ${node.id} needs a "goal" or an input`, 'set "goal": "what to achieve"');
      break;
    case 'VERIFY':
      if (a.claim === undefined && a.condition === undefined && a.template_str === undefined && !hasData)
        diags.error(
          childPath(path, 'attributes'),
          `VERIFY node ${node.id} has nothing to verify`,
          'set "claim" (and "evidence"), or give it an input',
        );
      break;
    case 'QMEM':
      requireString(node, path, diags, ['query'], 'set "query" to a key substring or search text', true);
      checkTier(node, path, diags);
      checkNumber(node, 'limit', path, diags, 0, Infinity, true);
      break;
    case 'UMEM':
      requireString(node, path, diags, ['key'], 'set "key" to the memory key to write');
      checkTier(node, path, diags);
      if (a.value === undefined && !hasData)
        diags.error(
          childPath(path, 'attributes'),
          `UMEM node ${node.id} has nothing to write`,
          'give it an input edge or a "value" attribute',
        );
      break;
    case 'INV':
      requireString(node, path, diags, ['capability'], 'set "capability" to a registered tool name');
      if (typeof a.capability === 'string')
        checkName(a.capability, 'capability name', childPath(childPath(path, 'attributes'), 'capability'), diags);
      if (a.params !== undefined && !isObject(a.params))
        diags.error(childPath(childPath(path, 'attributes'), 'params'), '"params" must be an object of tool parameters');
      break;
    case 'EXC':
      requireString(node, path, diags, ['code', 'message'], 'set "code" to the JavaScript to run in the sandbox');
      break;
    case 'FLOW_CALL': {
      requireString(node, path, diags, ['agent_name'], 'set "agent_name" and "flow_name" of the flow to call');
      requireString(node, path, diags, ['flow_name'], 'set "agent_name" and "flow_name" of the flow to call');
      if (typeof a.agent_name === 'string' && typeof a.flow_name === 'string') {
        const target = flowNamed(flows, a.agent_name, a.flow_name);
        if (!target)
          diags.error(
            childPath(path, 'attributes'),
            `FLOW_CALL node ${node.id} calls ${a.agent_name}.${a.flow_name}, which is not in this program (nor registered with the runtime)`,
            `define it or call one of: ${namesForHint(flows.map((f) => f.qualifiedName))}`,
          );
        else {
          const args = inEdges.filter((e) => edges[e].data).length;
          if (args !== target.parameters.length)
            diags.error(
              childPath(path, 'attributes'),
              `FLOW_CALL node ${node.id} passes ${args} argument(s) but ${target.qualifiedName} takes ${target.parameters.length} (${target.parameters.map((p) => `${p.name}: ${p.typeName}`).join(', ')})`,
              'give the call one Data edge per parameter, in parameter order',
            );
        }
      }
      break;
    }
    case 'GUARD':
      requireString(node, path, diags, ['condition'], 'e.g. "condition": "not_empty" or "> 3"');
      if (a.on_fail !== undefined && !['halt', 'skip'].includes(textOf(a.on_fail).toLowerCase()))
        diags.error(
          childPath(childPath(path, 'attributes'), 'on_fail'),
          `"on_fail" must be "halt" or "skip", got ${quoteForMessage(a.on_fail)}`,
        );
      break;
    case 'PAUSE':
      requireString(node, path, diags, ['message'], 'set "message" to what the human should do');
      break;
    case 'RESUME':
      requireString(node, path, diags, ['checkpoint', 'checkpoint_id'], 'set "checkpoint" to the id used by the PAUSE');
      break;
    case 'CLAIM':
      requireString(node, path, diags, ['queue'], 'set "queue" to the work queue name');
      break;
    case 'LOOP_START':
      checkNumber(node, 'max_iterations', path, diags, 0, 1_000_000, true);
      checkNumber(node, 'count', path, diags, 0, 1_000_000, true);
      break;
    case 'SWITCH':
      if (a.case_regions === undefined && !outEdges.some((e) => edges[e].label !== undefined))
        diags.error(
          path,
          `SWITCH node ${node.id} has no cases`,
          'label its outgoing edges with case values ("label": "billing") and optionally "default"',
        );
      break;
    case 'BRANCH_ON_VALUE':
      if (!hasData && a.value === undefined)
        diags.error(path, `BRANCH_ON_VALUE node ${node.id} has no condition input`, 'give it a Data edge from the value to test');
      break;
    case 'TRY_CATCH':
      if (!outEdges.some((e) => edges[e].label !== 'catch'))
        diags.error(
          path,
          `TRY_CATCH node ${node.id} has no try region`,
          'add edges labelled "try" to the first nodes of the try region (and "catch" to the handler)',
        );
      break;
    case 'MERGE':
      if (a.strategy !== undefined && !['array', 'concat', 'sum', 'first', 'object'].includes(textOf(a.strategy)))
        diags.error(
          childPath(childPath(path, 'attributes'), 'strategy'),
          `unknown MERGE strategy ${quoteForMessage(a.strategy)}`,
          'use "array", "first", "concat", "sum" or "object"',
        );
      break;
    default:
      break;
  }
}

function checkTier(node: OpNode, path: string, diags: Diagnostics): void {
  const t = node.attributes.memory_tier ?? node.attributes.space;
  if (t === undefined) return;
  if (typeof t !== 'string' || !isTier(t.toLowerCase()))
    diags.error(
      childPath(childPath(path, 'attributes'), 'memory_tier'),
      `unknown memory tier ${quoteForMessage(t)}`,
      'use "stm", "ltm" or "episodic"',
    );
}
