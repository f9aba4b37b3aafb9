/**
 * ApxmGraph JSON → Program. Accepts one graph (`{name, nodes, edges, parameters?, metadata?}`)
 * or a bundle of flows (`{name?, entry?, flows: [graph, ...]}`, graph names
 * `Agent.flow`). Every problem is reported with its JSON path and a fix.
 */
import { ApxmError } from '../errors.js';
import { isObject, nestsDeeperThan, quoteForMessage, toValue, type Value, type ValueObject } from '../values/value.js';
import { Diagnostics, checkName, childPath } from './diagnostics.js';
import { isOpName, suggestOp } from './opCatalogue.js';
import type { DependencyType, FlowGraph, FlowParameter, OpEdge, OpNode, Program, SourceRange } from './types.js';
import { splitQualifiedName } from './types.js';
import { checkEdgeEndpoints, validateFlow } from './validateFlow.js';
import { locateJsonError } from './jsonErrorPosition.js';

const DEPENDENCIES: readonly DependencyType[] = ['Data', 'Control', 'Effect'];

/** Parses JSON text, turning a syntax error into E_PROGRAM_PARSE with line and column. */
export function parseJsonText(text: string, file?: string): unknown {
  // Editors on Windows save a byte-order mark; JSON.parse refused it as an invisible "found \ufeff"
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (e) {
    const where = locateJsonError(text);
    throw new ApxmError('E_PROGRAM_PARSE', `invalid JSON: ${where?.message ?? (e as Error).message}`, {
      place: { file, line: where?.line, column: where?.column },
      hint: 'fix the JSON syntax at that position (a missing or extra comma, quote or bracket is the usual cause)',
    });
  }
}

export function loadProgramFromJsonText(text: string, file?: string): Program {
  return programFromJson(parseJsonText(text, file), file);
}

/** Deeper than this is not a program anyone wrote; refused before anything walks it recursively. */
export const MAX_JSON_DEPTH = 256;

export interface LoadOptions {
  /**
   * Flows a FLOW_CALL may call besides the program's own: those registered with the runtime that
   * will run it (`runtime.loadProgram` passes them). Only flows of agents the program does not
   * define count: running a program replaces the registered flows of each agent it defines.
   */
  externalFlows?: readonly FlowGraph[];
}

export function programFromJson(doc: unknown, file?: string, options: LoadOptions = {}): Program {
  const diags = new Diagnostics(file);
  if (nestsDeeperThan(doc, MAX_JSON_DEPTH)) {
    diags.error(
      '$',
      `the document nests deeper than ${MAX_JSON_DEPTH} levels`,
      'a program is a few levels deep: check for a generated value that nests without end',
    );
    diags.throwIfErrors();
  }
  if (!isObject(doc as Value)) {
    diags.error('$', 'a program must be a JSON object', 'write {"name": ..., "nodes": [...], "edges": [...]} or {"flows": [...]}');
    diags.throwIfErrors();
  }
  const root = doc as Record<string, unknown>;
  const flows: FlowGraph[] = [];
  let programName: string;
  let entryName: string | undefined;
  if (Array.isArray(root.flows)) {
    programName = typeof root.name === 'string' && root.name.trim() ? root.name : 'program';
    if (typeof root.name === 'string') checkName(root.name, 'program name', '$.name', diags);
    if (root.entry !== undefined && typeof root.entry !== 'string')
      diags.error('$.entry', '"entry" must be a flow name such as "Agent.main"');
    entryName = typeof root.entry === 'string' ? root.entry : undefined;
    if (root.flows.length === 0) diags.error('$.flows', 'a program needs at least one flow');
    root.flows.forEach((g, i) => {
      const f = readFlow(g, `$.flows[${i}]`, diags, file, false);
      if (f) flows.push(f);
    });
  } else {
    const f = readFlow(root, '$', diags, file, true);
    if (f) flows.push(f);
    programName = f?.qualifiedName ?? 'program';
  }
  diags.throwIfErrors();

  const seen = new Map<string, string>();
  for (const f of flows) {
    const prev = seen.get(f.qualifiedName);
    if (prev)
      diags.error(
        childPath(f.jsonPath ?? '$', 'name'),
        `duplicate flow "${f.qualifiedName}" (also defined at ${prev})`,
        'give each flow a unique "Agent.flow" name',
      );
    else seen.set(f.qualifiedName, childPath(f.jsonPath ?? '$', 'name'));
  }
  let entry: FlowGraph | undefined;
  if (entryName !== undefined) {
    entry = flows.find((f) => f.qualifiedName === entryName);
    if (!entry)
      diags.error('$.entry', `entry flow "${entryName}" is not defined`, `use one of: ${flows.map((f) => f.qualifiedName).join(', ')}`);
  } else {
    const entries = flows.filter((f) => f.isEntry);
    if (entries.length === 1) entry = entries[0];
    else if (flows.length === 1) entry = flows[0];
    else if (entries.length === 0)
      diags.error('$.flows', 'no entry flow', 'set "metadata": {"is_entry": true} on one flow, or "entry": "Agent.flow" at the top level');
    else
      diags.error(
        '$.flows',
        `several entry flows: ${entries.map((f) => f.qualifiedName).join(', ')}`,
        'mark exactly one flow with "is_entry": true, or set "entry" at the top level',
      );
  }
  const ownAgents = new Set(flows.map((f) => f.agent));
  const callable = options.externalFlows?.length ? [...flows, ...options.externalFlows.filter((f) => !ownAgents.has(f.agent))] : flows;
  for (const f of flows) validateFlow(f, diags, callable);
  diags.throwIfErrors();
  for (const f of flows) f.isEntry = f === entry;
  return { name: programName, file, flows, entry: entry as FlowGraph };
}

function readFlow(g: unknown, path: string, diags: Diagnostics, file: string | undefined, single: boolean): FlowGraph | undefined {
  if (!isObject(g as Value)) {
    diags.error(path, 'a flow must be a JSON object with "name", "nodes" and "edges"');
    return undefined;
  }
  const obj = g as Record<string, unknown>;
  const errorsBefore = diags.errors.length;
  const name = typeof obj.name === 'string' ? obj.name : '';
  if (typeof obj.name !== 'string')
    diags.error(childPath(path, 'name'), '"name" is required and must be a string', 'name the flow, e.g. "TripPlanner.main"');
  else if (!name.trim()) diags.error(childPath(path, 'name'), 'graph name cannot be empty', 'name the flow, e.g. "TripPlanner.main"');
  else checkName(name, 'flow name', childPath(path, 'name'), diags);

  const nodes: OpNode[] = [];
  const firstAt = new Map<number, string>();
  if (!Array.isArray(obj.nodes)) diags.error(childPath(path, 'nodes'), '"nodes" is required and must be an array');
  else if (obj.nodes.length === 0)
    diags.error(
      childPath(path, 'nodes'),
      'graph must contain at least one node',
      'add at least one node, e.g. {"id": 1, "name": "hello", "op": "CONST_STR", "attributes": {"value": "hi"}}',
    );
  else {
    obj.nodes.forEach((n, i) => {
      const nodePath = childPath(childPath(path, 'nodes'), i);
      const node = readNode(n, nodePath, diags, file);
      // Ids count even on an otherwise invalid node, so duplicates and dangling edges are all reported at once.
      const rawId = (n as { id?: unknown } | null)?.id;
      if (!isId(rawId)) return;
      const prev = firstAt.get(rawId);
      if (prev !== undefined) {
        diags.error(childPath(nodePath, 'id'), `duplicate node id ${rawId} (first used at ${prev})`, 'give every node a unique id');
        return;
      }
      firstAt.set(rawId, nodePath);
      if (node) nodes.push(node);
    });
  }

  const edges: OpEdge[] = [];
  if (!Array.isArray(obj.edges))
    diags.error(childPath(path, 'edges'), '"edges" is required and must be an array (use [] when there are none)');
  else
    obj.edges.forEach((e, i) => {
      const edge = readEdge(e, childPath(childPath(path, 'edges'), i), diags);
      if (edge) edges.push(edge);
    });

  const parameters: FlowParameter[] = [];
  if (obj.parameters !== undefined) {
    if (!Array.isArray(obj.parameters))
      diags.error(childPath(path, 'parameters'), '"parameters" must be an array of {"name", "type_name"}');
    else {
      const names = new Set<string>();
      obj.parameters.forEach((p, i) => {
        const pp = childPath(childPath(path, 'parameters'), i);
        if (!isObject(p as Value)) return diags.error(pp, 'a parameter must be an object {"name": ..., "type_name": ...}');
        const rec = p as Record<string, unknown>;
        const pname = typeof rec.name === 'string' ? rec.name.trim() : '';
        const tname = typeof rec.type_name === 'string' ? rec.type_name.trim() : typeof rec.type === 'string' ? rec.type.trim() : '';
        if (!pname) return diags.error(childPath(pp, 'name'), 'parameter name cannot be empty');
        if (!tname)
          return diags.error(childPath(pp, 'type_name'), `parameter '${pname}' has empty type`, 'use one of str, int, float, bool, json');
        if (names.has(pname)) return diags.error(childPath(pp, 'name'), `duplicate parameter name '${pname}'`);
        if (checkName(pname, 'parameter name', childPath(pp, 'name'), diags)) return;
        names.add(pname);
        parameters.push({ name: pname, typeName: tname });
      });
    }
  }
  let metadata: ValueObject = {};
  if (obj.metadata !== undefined) {
    if (!isObject(obj.metadata as Value)) diags.error(childPath(path, 'metadata'), '"metadata" must be an object');
    else metadata = toValue(obj.metadata) as ValueObject;
  }
  if (diags.errors.length > errorsBefore) {
    edges.forEach((e, k) => checkEdgeEndpoints(e, e.jsonPath ?? childPath(childPath(path, 'edges'), k), firstAt, diags));
    return undefined;
  }
  const { agent, flow } = splitQualifiedName(name.trim());
  const isEntry = typeof metadata.is_entry === 'boolean' ? metadata.is_entry : single;
  return { agent, flow, qualifiedName: `${agent}.${flow}`, isEntry, parameters, nodes, edges, metadata, file, jsonPath: path };
}

function isId(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function readNode(n: unknown, path: string, diags: Diagnostics, file: string | undefined): OpNode | undefined {
  if (!isObject(n as Value)) {
    diags.error(path, 'a node must be an object {"id", "name", "op", "attributes"}');
    return undefined;
  }
  const o = n as Record<string, unknown>;
  let ok = true;
  if (!isId(o.id)) {
    diags.error(
      childPath(path, 'id'),
      `node id must be a whole number from 0 to 2^53 - 1 (${Number.MAX_SAFE_INTEGER}), got ${quoteForMessage(o.id)}`,
    );
    ok = false;
  }
  const opRaw = o.op ?? o.op_type;
  if (!isOpName(opRaw)) {
    const s = typeof opRaw === 'string' ? suggestOp(opRaw) : undefined;
    diags.error(
      childPath(path, 'op'),
      opRaw === undefined ? 'node has no "op"' : `unknown operation ${quoteForMessage(opRaw)}`,
      s ? `did you mean "${s}"?` : 'use one of the 32 AIS operations, e.g. "ASK", "INV", "MERGE"',
    );
    ok = false;
  }
  const name = typeof o.name === 'string' ? o.name : '';
  if (typeof o.name !== 'string' || !name.trim()) {
    diags.error(
      childPath(path, 'name'),
      `node ${isId(o.id) ? o.id : '?'} has empty name`,
      'give the node a short descriptive name, e.g. "summarise"',
    );
    ok = false;
  } else if (checkName(name, 'node name', childPath(path, 'name'), diags)) ok = false;
  let attributes: ValueObject = {};
  if (o.attributes !== undefined) {
    if (!isObject(o.attributes as Value)) {
      diags.error(childPath(path, 'attributes'), '"attributes" must be an object');
      ok = false;
    } else attributes = toValue(o.attributes) as ValueObject;
  }
  let source: SourceRange | undefined;
  if (isObject(o.source as Value)) {
    const s = o.source as Record<string, unknown>;
    if (typeof s.line === 'number') {
      source = {
        file: typeof s.file === 'string' ? s.file : (file ?? ''),
        line: s.line,
        column: typeof s.column === 'number' ? s.column : 1,
      };
      if (typeof s.endLine === 'number') source.endLine = s.endLine;
      if (typeof s.endColumn === 'number') source.endColumn = s.endColumn;
    }
  }
  if (!ok) return undefined;
  return { id: o.id as number, name: name.trim(), op: opRaw as OpNode['op'], attributes, source, jsonPath: path };
}

function readEdge(e: unknown, path: string, diags: Diagnostics): OpEdge | undefined {
  if (!isObject(e as Value)) {
    diags.error(path, 'an edge must be an object {"from", "to", "dependency"}');
    return undefined;
  }
  const o = e as Record<string, unknown>;
  let ok = true;
  for (const k of ['from', 'to'] as const) {
    if (!isId(o[k])) {
      diags.error(childPath(path, k), `"${k}" must be a node id (a whole number from 0 to 2^53 - 1), got ${quoteForMessage(o[k])}`);
      ok = false;
    }
  }
  const dep = o.dependency ?? 'Data';
  if (!DEPENDENCIES.includes(dep as DependencyType)) {
    diags.error(
      childPath(path, 'dependency'),
      `unknown dependency ${quoteForMessage(dep)}`,
      'use "Data" (passes the value), "Control" or "Effect" (ordering only)',
    );
    ok = false;
  }
  if (o.label !== undefined && typeof o.label !== 'string' && typeof o.label !== 'boolean' && typeof o.label !== 'number') {
    diags.error(childPath(path, 'label'), '"label" must be a string (a branch, case, "try" or "catch")');
    ok = false;
  }
  if (!ok) return undefined;
  const edge: OpEdge = { from: o.from as number, to: o.to as number, dependency: dep as DependencyType, jsonPath: path };
  if (o.label !== undefined) edge.label = typeof o.label === 'string' ? o.label : JSON.stringify(o.label);
  return edge;
}
