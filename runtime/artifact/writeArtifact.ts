/**
 * Writes `.apxmobj` artifacts in upstream's byte layout: 52-byte header (magic,
 * version 1, payload length, BLAKE3 of the payload, flags) + the bincode payload.
 *
 * `encodeArtifact` writes the model exactly as given (attribute and object-entry order included),
 * so decode → encode is byte-identical. Upstream's canonicalisation (sorting attributes and object
 * entries by key) happens when a model is *built*: `programToArtifactModel` sorts, or pass
 * `{ canonicalize: true }`.
 */
import { writeFile } from 'node:fs/promises';
import { blake3 } from '@noble/hashes/blake3.js';
import { ApxmError } from '../errors.js';
import type { Program } from '../graph/types.js';
import {
  ARTIFACT_DEPENDENCY_ORDER,
  ARTIFACT_OP_ORDER,
  WIRE_VALUE_KINDS,
  valueToWireValue,
  type ArtifactPayload,
  type WireAttribute,
  type WireDag,
  type WireEdge,
  type WireNode,
  type WireValue,
} from './artifactModel.js';
import { BincodeWriter, compareUtf8, U32_MAX } from './bincode.js';
import { encodeProgramSection } from './programSection.js';
import { ARTIFACT_MAGIC, ARTIFACT_VERSION, HEADER_SIZE } from './readArtifact.js';

export interface EncodeOptions {
  /** Header version; default 1 (the only one readers accept). */
  version?: number;
  /** Header flags; default 0 (upstream always writes 0). */
  flags?: number;
  /** Sort node attributes and object entries by key (UTF-8 byte order) first, as upstream does. */
  canonicalize?: boolean;
}

const OP_INDEX = new Map(ARTIFACT_OP_ORDER.map((op, i) => [op, i]));
const DEP_INDEX = new Map(ARTIFACT_DEPENDENCY_ORDER.map((d, i) => [d, i]));
const VALUE_INDEX = new Map(WIRE_VALUE_KINDS.map((k, i) => [k, i]));

function invalid(what: string, message: string): never {
  throw new ApxmError('E_PROGRAM_INVALID', `cannot encode ${what}: ${message}`, { hint: 'fix the artifact model before writing it' });
}

/** The bincode payload alone (no header). */
export function encodePayload(model: ArtifactPayload, options: Pick<EncodeOptions, 'canonicalize'> = {}): Uint8Array {
  const w = new BincodeWriter();
  const canon = options.canonicalize ?? false;
  const m = model.metadata;
  w.option(m.module_name, (s) => w.string(s, 'metadata.module_name'));
  w.u64(m.created_at, 'metadata.created_at');
  w.string(m.compiler_version, 'metadata.compiler_version');
  w.vec(model.dags, (d, i) => writeDag(w, d, `dags[${i}]`, canon));
  w.vec(model.sections, (s, i) => {
    w.string(s.kind, `sections[${i}].kind`);
    w.byteVec(s.data);
  });
  return w.finish();
}

function writeDag(w: BincodeWriter, d: WireDag, p: string, canon: boolean): void {
  w.vec(d.nodes, (n, i) => writeNode(w, n, `${p}.nodes[${i}]`, canon));
  w.vec(d.edges, (e: WireEdge, i) => {
    w.u64(e.from, `${p}.edges[${i}].from`);
    w.u64(e.to, `${p}.edges[${i}].to`);
    w.u64(e.token_id, `${p}.edges[${i}].token_id`);
    const dep = DEP_INDEX.get(e.dependency);
    if (dep === undefined) invalid(`${p}.edges[${i}].dependency`, `unknown dependency ${JSON.stringify(e.dependency)}`);
    w.u32(dep);
  });
  w.vec(d.entry_nodes, (t, i) => w.u64(t, `${p}.entry_nodes[${i}]`));
  w.vec(d.exit_nodes, (t, i) => w.u64(t, `${p}.exit_nodes[${i}]`));
  w.option(d.metadata_name, (s) => w.string(s, `${p}.metadata_name`));
  w.bool(d.is_entry);
  w.vec(d.parameters, (q, i) => {
    w.string(q.name, `${p}.parameters[${i}].name`);
    w.string(q.type_name, `${p}.parameters[${i}].type_name`);
  });
}

function writeNode(w: BincodeWriter, n: WireNode, p: string, canon: boolean): void {
  w.u64(n.id, `${p}.id`);
  const op = OP_INDEX.get(n.op_type);
  if (op === undefined) invalid(`${p}.op_type`, `unknown operation ${JSON.stringify(n.op_type)}`);
  w.u32(op);
  const attrs = canon ? n.attributes.slice().sort((a, b) => compareUtf8(a.key, b.key)) : n.attributes;
  w.vec(attrs, (a: WireAttribute, i) => {
    w.string(a.key, `${p}.attributes[${i}].key`);
    writeValue(w, a.value, `${p}.attributes[${i}].value`, canon, 0);
  });
  w.vec(n.input_tokens, (t, i) => w.u64(t, `${p}.input_tokens[${i}]`));
  w.vec(n.output_tokens, (t, i) => w.u64(t, `${p}.output_tokens[${i}]`));
  if (!Number.isInteger(n.metadata.priority) || n.metadata.priority < 0 || n.metadata.priority > U32_MAX)
    invalid(`${p}.metadata.priority`, `${n.metadata.priority} is not a u32`);
  w.u32(n.metadata.priority);
  w.option(n.metadata.estimated_latency, (v) => w.u64(v, `${p}.metadata.estimated_latency`));
  w.option(n.metadata.codelet_source_id, (v) => w.u64(v, `${p}.metadata.codelet_source_id`));
}

function writeValue(w: BincodeWriter, v: WireValue, p: string, canon: boolean, depth: number): void {
  if (depth > 256) invalid(p, 'value nested deeper than 256 levels (readers refuse it)');
  const tag = VALUE_INDEX.get(v.kind);
  if (tag === undefined) invalid(p, `unknown value kind ${JSON.stringify((v as { kind: unknown }).kind)}`);
  w.u32(tag);
  switch (v.kind) {
    case 'Null':
      return;
    case 'Bool':
      return w.bool(v.value);
    case 'Integer':
      return w.i64(v.value, p);
    case 'Float':
      return w.f64(v.value, Number.isNaN(v.value) ? v.bits : undefined);
    case 'String':
      return w.string(v.value, p);
    case 'Array':
      return w.vec(v.items, (x, i) => writeValue(w, x, `${p}[${i}]`, canon, depth + 1));
    case 'Object': {
      const entries = canon ? v.entries.slice().sort((a, b) => compareUtf8(a.key, b.key)) : v.entries;
      return w.vec(entries, (e) => {
        w.string(e.key, `${p}.${e.key}`);
        writeValue(w, e.value, `${p}.${e.key}`, canon, depth + 1);
      });
    }
    case 'Token':
      return w.u64(v.value, p);
  }
}

/** Header + payload: the bytes of a `.apxmobj` file. */
export function encodeArtifact(model: ArtifactPayload, options: EncodeOptions = {}): Uint8Array {
  const version = options.version ?? ARTIFACT_VERSION;
  const flags = options.flags ?? 0;
  if (!Number.isInteger(version) || version < 0 || version > U32_MAX) invalid('header.version', `${version} is not a u32`);
  if (!Number.isInteger(flags) || flags < 0 || flags > U32_MAX) invalid('header.flags', `${flags} is not a u32`);
  const payload = encodePayload(model, options);
  const out = new Uint8Array(HEADER_SIZE + payload.length);
  const view = new DataView(out.buffer);
  out.set(ARTIFACT_MAGIC, 0);
  view.setUint32(4, version, true);
  view.setBigUint64(8, BigInt(payload.length), true);
  out.set(blake3(payload), 16);
  view.setUint32(48, flags, true);
  out.set(payload, HEADER_SIZE);
  return out;
}

export async function writeArtifactFile(file: string, model: ArtifactPayload, options: EncodeOptions = {}): Promise<void> {
  try {
    await writeFile(file, encodeArtifact(model, options));
  } catch (e) {
    if (e instanceof ApxmError) throw e;
    throw new ApxmError('E_PROGRAM_READ', `cannot write ${file}: ${(e as Error).message}`, {
      place: { file },
      hint: 'check that the directory exists and is writable',
      cause: e,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Program → model

/** Upstream's workspace version, which its compiler stores in `compiler_version`. */
export const UPSTREAM_COMPILER_VERSION = '0.0.1';

export interface ProgramToArtifactOptions {
  /** `metadata.created_at`, ms since the epoch; default now (so builds differ, as upstream's do). */
  createdAt?: bigint | number;
  /** `metadata.compiler_version`; default "0.0.1" (upstream's). */
  compilerVersion?: string;
  /**
   * Add the `apxm-ts.program` section (node names, edge labels, flow metadata, source ranges) so
   * the artifact runs here exactly like its Program. Upstream ignores sections. Default true;
   * false gives an artifact with an empty `sections`, as upstream's compiler writes.
   */
  programSection?: boolean;
}

/**
 * A Program → artifact model, one DAG per flow in program order, the way upstream's `lower_dag`
 * turns a graph into an ExecutionDag, plus upstream's writer rules:
 * - node ids, ops and attributes are kept (attributes and object entries sorted by key; numbers →
 *   Integer when integral and in i64 range, else Float); nodes stay in flow order;
 * - edge k (0-based, flow order) carries token k+1: appended to its source's `output_tokens` and
 *   its target's `input_tokens`; every node without outputs gets a synthetic output token
 *   (numbered on from `edges.length + 1`); `entry_nodes` = nodes without inputs, `exit_nodes` =
 *   nodes that got a synthetic token;
 * - node metadata: priority 0, no latency, no codelet id (as the compiler writes);
 * - `metadata_name` = `Agent.flow`, `is_entry` = the program's entry flow, parameters kept;
 * - `module_name` = the entry flow's name, `created_at` = now, `compiler_version` = "0.0.1".
 * What this does *not* do is upstream's MLIR path: no renumbering of ids, no RETURN
 * insertion, no `mem_<id>` UMEM keys, no `ais.*` scheduling annotations, no attribute renames.
 * Those reshape the graph for upstream's runtime; this runtime executes the graph as written.
 */
export function programToArtifactModel(program: Program, options: ProgramToArtifactOptions = {}): ArtifactPayload {
  const createdAt = options.createdAt ?? Date.now();
  if (typeof createdAt === 'number' && (!Number.isSafeInteger(createdAt) || createdAt < 0))
    invalid('metadata.created_at', `${createdAt} is not a u64 millisecond timestamp`);
  const dags: WireDag[] = program.flows.map((flow) => {
    const inputs = new Map<number, bigint[]>();
    const outputs = new Map<number, bigint[]>();
    for (const n of flow.nodes) {
      inputs.set(n.id, []);
      outputs.set(n.id, []);
    }
    const edges: WireEdge[] = flow.edges.map((e, k) => {
      const token = BigInt(k + 1);
      outputs.get(e.from)?.push(token);
      inputs.get(e.to)?.push(token);
      return { from: BigInt(e.from), to: BigInt(e.to), token_id: token, dependency: e.dependency };
    });
    let next = BigInt(flow.edges.length + 1);
    const exit_nodes: bigint[] = [];
    for (const n of flow.nodes) {
      const outs = outputs.get(n.id) as bigint[];
      if (outs.length === 0) {
        outs.push(next++);
        exit_nodes.push(BigInt(n.id));
      }
    }
    const nodes: WireNode[] = flow.nodes.map((n) => ({
      id: BigInt(n.id),
      op_type: n.op,
      attributes: Object.keys(n.attributes)
        .sort(compareUtf8)
        .map((key) => ({ key, value: valueToWireValue(n.attributes[key], true) })),
      input_tokens: inputs.get(n.id) as bigint[],
      output_tokens: outputs.get(n.id) as bigint[],
      metadata: { priority: 0, estimated_latency: null, codelet_source_id: null },
    }));
    return {
      nodes,
      edges,
      entry_nodes: flow.nodes.filter((n) => (inputs.get(n.id) as bigint[]).length === 0).map((n) => BigInt(n.id)),
      exit_nodes,
      metadata_name: flow.qualifiedName,
      is_entry: flow === program.entry,
      parameters: flow.parameters.map((p) => ({ name: p.name, type_name: p.typeName })),
    };
  });
  const sections =
    options.programSection === false
      ? []
      : [
          encodeProgramSection({
            name: program.name,
            dags: program.flows.map((flow) => ({
              node_names: flow.nodes.map((n) => n.name),
              edge_labels: flow.edges.map((e) => e.label ?? null),
              metadata: flow.metadata,
              ...(flow.nodes.some((n) => n.source) ? { sources: flow.nodes.map((n) => n.source ?? null) } : {}),
            })),
          }),
        ];
  return {
    metadata: {
      module_name: program.entry.qualifiedName,
      created_at: BigInt(createdAt),
      compiler_version: options.compilerVersion ?? UPSTREAM_COMPILER_VERSION,
    },
    dags,
    sections,
  };
}
