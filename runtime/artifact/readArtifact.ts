/**
 * Reads `.apxmobj` artifacts: the 52-byte header, the BLAKE3 check, the bincode
 * payload (HEAD schema, "Gen C"), and turns the DAGs into a runtime `Program`.
 *
 * Like upstream's `Artifact::from_bytes`, the reader accepts bytes after `52 + payload_len`, bytes
 * left inside the payload after a complete `ArtifactPayload` (bincode's legacy config allows
 * trailing bytes), and any `flags` value (upstream stores it; nothing reads it). Two deliberate
 * differences: errors are specific (upstream says `Invalid artifact header` for a bad magic and for
 * both kinds of truncation), and payloads in the older "Gen A"/"Gen B" layouts (which also claim
 * header version 1) are recognised and rejected as such instead of failing with a bare
 * bincode "eof" or decoding into garbage.
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { ApxmError, type ErrorPlace } from '../errors.js';
import { PROGRAM_FILE, readInputFile } from '../inputFile.js';
import type { Diagnostic } from '../graph/diagnostics.js';
import { programFromJson } from '../graph/loadGraphJson.js';
import type { Program } from '../graph/types.js';
import { splitQualifiedName } from '../graph/types.js';
import type { Value } from '../values/value.js';
import {
  ARTIFACT_DEPENDENCY_ORDER,
  ARTIFACT_OP_ORDER,
  WIRE_VALUE_KINDS,
  safeNumber,
  wireValueToValue,
  type ArtifactMetadata,
  type ArtifactPayload,
  type ArtifactSection,
  type WireAttribute,
  type WireDag,
  type WireEdge,
  type WireNode,
  type WireValue,
} from './artifactModel.js';
import { BincodeError, BincodeReader } from './bincode.js';
import { readProgramSection, type DagExtras } from './programSection.js';

export const ARTIFACT_MAGIC = new Uint8Array([0x41, 0x50, 0x58, 0x4d]); // "APXM"
export const ARTIFACT_VERSION = 1;
export const HEADER_SIZE = 52;

export interface ArtifactHeader {
  version: number;
  flags: number;
  /** Bytes of payload after the header (checked to be present in the file). */
  payloadLength: number;
  /** BLAKE3 of the payload, as stored in the header (verified). */
  hash: Uint8Array;
}

export interface DecodedArtifact {
  header: ArtifactHeader;
  payload: ArtifactPayload;
  /** Payload bytes the bincode decoder consumed (< payloadLength when the payload has trailing bytes). */
  payloadConsumed: number;
  /** Bytes in the file after `52 + payloadLength` (ignored, as upstream does). */
  trailingBytes: number;
}

/** Which check failed: `details.reason` of every error `decodeArtifact` throws. */
export type ArtifactErrorReason =
  'bad-magic' | 'truncated-header' | 'unsupported-version' | 'truncated-payload' | 'hash-mismatch' | 'malformed-payload' | 'legacy-layout';

const RECOMPILE = 'recompile the program with `apxm compile` to get a fresh artifact';

function fail(
  code: 'E_PROGRAM_PARSE' | 'E_PROGRAM_UNSUPPORTED',
  reason: ArtifactErrorReason,
  message: string,
  file: string | undefined,
  hint: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): never {
  throw new ApxmError(code, message, { place: { file }, hint, details: { reason, ...details }, cause });
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Decodes a whole `.apxmobj` file. Every failure is an ApxmError with `details.reason`. */
export function decodeArtifact(input: Uint8Array, file?: string): DecodedArtifact {
  // A plain Uint8Array view (a Node Buffer's `slice` shares memory; ours must copy).
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const magicLen = Math.min(4, bytes.length);
  for (let i = 0; i < magicLen; i++) {
    if (bytes[i] !== ARTIFACT_MAGIC[i]) {
      fail(
        'E_PROGRAM_PARSE',
        'bad-magic',
        `Invalid artifact header: not an APXM artifact (the file starts with ${hex(bytes.subarray(0, magicLen))}, an artifact with 4150584d "APXM")`,
        file,
        'pass a .apxmobj file written by `apxm compile`; JSON programs go in .json files',
      );
    }
  }
  if (bytes.length < HEADER_SIZE) {
    fail(
      'E_PROGRAM_PARSE',
      'truncated-header',
      `Invalid artifact header: the file is truncated (${bytes.length} bytes, shorter than the ${HEADER_SIZE}-byte header)`,
      file,
      `the file was cut short (an interrupted copy or download?); ${RECOMPILE}`,
      { size: bytes.length },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  const payloadLen = view.getBigUint64(8, true);
  const hash = bytes.slice(16, 48);
  const flags = view.getUint32(48, true);
  if (version !== ARTIFACT_VERSION) {
    const newer = version > ARTIFACT_VERSION;
    fail(
      'E_PROGRAM_UNSUPPORTED',
      'unsupported-version',
      `Artifact version mismatch: ${version} (this runtime reads version ${ARTIFACT_VERSION})`,
      file,
      newer ? 'the artifact was written by a newer APXM; upgrade this runtime or recompile the program with this version' : RECOMPILE,
      { version },
    );
  }
  const available = BigInt(bytes.length - HEADER_SIZE);
  if (payloadLen > available) {
    fail(
      'E_PROGRAM_PARSE',
      'truncated-payload',
      `Invalid artifact header: the file is truncated (the header announces a ${payloadLen}-byte payload, only ${available} bytes follow the header)`,
      file,
      `the file was cut short (an interrupted copy or download?); ${RECOMPILE}`,
      { payloadLength: payloadLen.toString(), available: Number(available) },
    );
  }
  const payloadLength = Number(payloadLen);
  const payloadBytes = bytes.subarray(HEADER_SIZE, HEADER_SIZE + payloadLength);
  const actual = blake3(payloadBytes);
  if (hex(actual) !== hex(hash)) {
    fail(
      'E_PROGRAM_PARSE',
      'hash-mismatch',
      `Artifact hash mismatch: the header's BLAKE3 is ${hex(hash)}, the payload hashes to ${hex(actual)}`,
      file,
      `the file is corrupted (or was edited without updating its hash); ${RECOMPILE}`,
      { expected: hex(hash), actual: hex(actual) },
    );
  }
  const header: ArtifactHeader = { version, flags, payloadLength, hash };
  const trailingBytes = bytes.length - HEADER_SIZE - payloadLength;

  const reader = new BincodeReader(payloadBytes, { baseOffset: HEADER_SIZE });
  let payload: ArtifactPayload;
  try {
    payload = readPayload(reader);
  } catch (e) {
    if (!(e instanceof BincodeError)) throw e;
    rejectLegacy(payloadBytes, file);
    fail(
      'E_PROGRAM_PARSE',
      'malformed-payload',
      `Serialization error: malformed artifact payload: ${e.message}`,
      file,
      `the payload does not follow the artifact schema this runtime reads; ${RECOMPILE}`,
      { offset: e.offset, reading: e.reading, failure: e.failure },
      e,
    );
  }
  // A Gen C writer never leaves bytes inside the payload; if some are left and an older layout
  // explains the payload exactly, the "successful" decode above was garbage.
  if (reader.offset < payloadLength) rejectLegacy(payloadBytes, file);
  return { header, payload, payloadConsumed: reader.offset, trailingBytes };
}

/** Reads and decodes a `.apxmobj` file from disk. */
export async function readArtifactFile(file: string): Promise<DecodedArtifact> {
  return decodeArtifact(await readInputFile(file, PROGRAM_FILE), file);
}

// ---------------------------------------------------------------------------------------------
// Payload (Gen C)

// Smallest encoded size of each element kind, for length-prefix checks.
const MIN_DAG = 8 + 8 + 8 + 8 + 1 + 1 + 8;
const MIN_NODE = 8 + 4 + 8 + 8 + 8 + 4 + 1 + 1;
const MIN_ATTR = 8 + 4;
const MIN_EDGE = 8 + 8 + 8 + 4;
const MIN_PARAM = 8 + 8;
const MIN_SECTION = 8 + 8;
const MIN_VALUE = 4;

/** Decodes an `ArtifactPayload` (no header) from the reader's position. */
export function readPayload(r: BincodeReader): ArtifactPayload {
  const metadata = readMetadata(r);
  const dags = r.vec('dags', MIN_DAG, (i) => readDag(r, `dags[${i}]`));
  const sections = r.vec('sections', MIN_SECTION, (i): ArtifactSection => ({
    kind: r.string(`sections[${i}].kind`),
    data: r.byteVec(`sections[${i}].data`),
  }));
  return { metadata, dags, sections };
}

function readMetadata(r: BincodeReader): ArtifactMetadata {
  return {
    module_name: r.option('metadata.module_name', () => r.string('metadata.module_name')),
    created_at: r.u64('metadata.created_at'),
    compiler_version: r.string('metadata.compiler_version'),
  };
}

function readDag(r: BincodeReader, p: string): WireDag {
  const nodes = r.vec(`${p}.nodes`, MIN_NODE, (i) => readNode(r, `${p}.nodes[${i}]`));
  const edges = r.vec(`${p}.edges`, MIN_EDGE, (i): WireEdge => ({
    from: r.u64(`${p}.edges[${i}].from`),
    to: r.u64(`${p}.edges[${i}].to`),
    token_id: r.u64(`${p}.edges[${i}].token_id`),
    dependency: ARTIFACT_DEPENDENCY_ORDER[r.variant(`${p}.edges[${i}].dependency`, ARTIFACT_DEPENDENCY_ORDER.length)],
  }));
  const entry_nodes = r.vec(`${p}.entry_nodes`, 8, (i) => r.u64(`${p}.entry_nodes[${i}]`));
  const exit_nodes = r.vec(`${p}.exit_nodes`, 8, (i) => r.u64(`${p}.exit_nodes[${i}]`));
  const metadata_name = r.option(`${p}.metadata_name`, () => r.string(`${p}.metadata_name`));
  const is_entry = r.bool(`${p}.is_entry`);
  const parameters = r.vec(`${p}.parameters`, MIN_PARAM, (i) => ({
    name: r.string(`${p}.parameters[${i}].name`),
    type_name: r.string(`${p}.parameters[${i}].type_name`),
  }));
  return { nodes, edges, entry_nodes, exit_nodes, metadata_name, is_entry, parameters };
}

function readNode(r: BincodeReader, p: string): WireNode {
  const id = r.u64(`${p}.id`);
  const op_type = ARTIFACT_OP_ORDER[r.variant(`${p}.op_type`, ARTIFACT_OP_ORDER.length)];
  const attributes = r.vec(`${p}.attributes`, MIN_ATTR, (i): WireAttribute => ({
    key: r.string(`${p}.attributes[${i}].key`),
    value: readValue(r, `${p}.attributes[${i}].value`),
  }));
  const input_tokens = r.vec(`${p}.input_tokens`, 8, (i) => r.u64(`${p}.input_tokens[${i}]`));
  const output_tokens = r.vec(`${p}.output_tokens`, 8, (i) => r.u64(`${p}.output_tokens[${i}]`));
  const metadata = {
    priority: r.u32(`${p}.metadata.priority`),
    estimated_latency: r.option(`${p}.metadata.estimated_latency`, () => r.u64(`${p}.metadata.estimated_latency`)),
    codelet_source_id: r.option(`${p}.metadata.codelet_source_id`, () => r.u64(`${p}.metadata.codelet_source_id`)),
  };
  return { id, op_type, attributes, input_tokens, output_tokens, metadata };
}

/** A WireValue; nesting is bounded by the reader's `maxDepth` (256). */
export function readValue(r: BincodeReader, p: string): WireValue {
  return r.nested(p, (): WireValue => {
    const kind = WIRE_VALUE_KINDS[r.variant(p, WIRE_VALUE_KINDS.length)];
    switch (kind) {
      case 'Null':
        return { kind };
      case 'Bool':
        return { kind, value: r.bool(p) };
      case 'Integer':
        return { kind, value: r.i64(p) };
      case 'Float': {
        const { value, bits } = r.f64(p);
        return Number.isNaN(value) ? { kind, value, bits } : { kind, value };
      }
      case 'String':
        return { kind, value: r.string(p) };
      case 'Array':
        return { kind, items: r.vec(p, MIN_VALUE, (i) => readValue(r, `${p}[${i}]`)) };
      case 'Object':
        return {
          kind,
          entries: r.vec(p, MIN_ATTR, (i) => {
            const key = r.string(`${p}{${i}}.key`);
            return { key, value: readValue(r, `${p}.${key}`) };
          }),
        };
      case 'Token':
        return { kind, value: r.u64(p) };
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Older layouts: recognised only to reject them with a clear message.

type LegacyGeneration = 'A' | 'B';
interface LegacyShape {
  generation: LegacyGeneration;
  dags: number;
  nodes: number;
}

/**
 * Structural decode of a Gen A payload (single `dag`, no `is_entry`/`parameters`, node metadata
 * without `codelet_source_id`, 23 ops) or Gen B (as HEAD but without `codelet_source_id`, 27 ops),
 * requiring the payload to be consumed exactly. Returns undefined when it does not fit.
 */
export function detectLegacyLayout(payload: Uint8Array): LegacyShape | undefined {
  for (const generation of ['A', 'B'] as const) {
    const r = new BincodeReader(payload, { baseOffset: HEADER_SIZE });
    try {
      readMetadata(r);
      let dags = 1;
      let nodes = 0;
      const dag = () => {
        nodes += r.vec('nodes', MIN_NODE - 1, () => {
          r.u64('id');
          r.variant('op_type', generation === 'A' ? 23 : 27);
          r.vec('attributes', MIN_ATTR, () => {
            r.string('key');
            readValue(r, 'value');
          });
          r.vec('input_tokens', 8, () => r.u64('input'));
          r.vec('output_tokens', 8, () => r.u64('output'));
          r.u32('priority');
          r.option('estimated_latency', () => r.u64('estimated_latency'));
        }).length;
        r.vec('edges', MIN_EDGE, () => {
          r.u64('from');
          r.u64('to');
          r.u64('token');
          r.variant('dependency', 3);
        });
        r.vec('entry_nodes', 8, () => r.u64('entry'));
        r.vec('exit_nodes', 8, () => r.u64('exit'));
        r.option('metadata_name', () => r.string('metadata_name'));
        if (generation === 'B') {
          r.bool('is_entry');
          r.vec('parameters', MIN_PARAM, () => {
            r.string('name');
            r.string('type_name');
          });
        }
      };
      if (generation === 'A') dag();
      else dags = r.vec('dags', MIN_DAG, dag).length;
      r.vec('sections', MIN_SECTION, () => {
        r.string('kind');
        r.byteVec('data');
      });
      if (r.remaining === 0) return { generation, dags, nodes };
    } catch (e) {
      if (!(e instanceof BincodeError)) throw e;
    }
  }
  return undefined;
}

function rejectLegacy(payload: Uint8Array, file: string | undefined): void {
  const legacy = detectLegacyLayout(payload);
  if (!legacy) return;
  const what =
    legacy.generation === 'A'
      ? 'the legacy "Gen A" payload layout (Dec 2025: one DAG, no entry flag or parameters, 23 operations)'
      : 'the legacy "Gen B" payload layout (paper era, commit 335a20a: no codelet_source_id, 27 operations)';
  fail(
    'E_PROGRAM_UNSUPPORTED',
    'legacy-layout',
    `unsupported artifact: the payload uses ${what}; it still claims header version 1, but this runtime reads only the current layout`,
    file,
    `recompile the program from its source (.json or .ais) with \`apxm compile\` to get a current artifact`,
    { generation: legacy.generation, dags: legacy.dags, nodes: legacy.nodes },
  );
}

// ---------------------------------------------------------------------------------------------
// Artifact → Program

export interface ArtifactToProgramOptions {
  /**
   * Require a DAG marked `is_entry`, as upstream's runtime does (`No @entry flow found in
   * artifact`). Default false: use upstream's `into_dag` rule (the entry DAG, else the first).
   */
  requireEntry?: boolean;
  /** Use the `apxm-ts.program` section (node names, edge labels, flow metadata). Default true. */
  useProgramSection?: boolean;
}

/** The flow name a DAG is registered under. */
export function dagFlowName(dag: WireDag, index: number): string {
  const name = dag.metadata_name;
  return name !== null && name.trim() !== '' ? name.trim() : `default.flow_${index}`;
}

function qualified(name: string): string {
  const { agent, flow } = splitQualifiedName(name);
  return `${agent}.${flow}`;
}

/** Rewrites `$.flows[i]` paths of programFromJson's diagnostics to the artifact's `$.dags[i]`. */
function rethrowWithArtifactPaths(e: unknown, file: string | undefined): never {
  if (!(e instanceof ApxmError)) throw e;
  const fix = (p?: ErrorPlace): ErrorPlace | undefined =>
    p?.jsonPath ? { ...p, file, jsonPath: p.jsonPath.replace(/^\$\.flows\[/, '$.dags[') } : p;
  const diagnostics = (e.details?.diagnostics as Diagnostic[] | undefined)?.map((d) => ({ ...d, place: fix(d.place) ?? d.place }));
  throw new ApxmError(e.code, e.message, {
    place: fix(e.place) ?? { file },
    hint: e.hint,
    details: { ...e.details, ...(diagnostics ? { diagnostics } : {}), source: 'apxmobj' },
    cause: e,
  });
}

/**
 * Artifact DAGs → a Program, by building ApxmGraph JSON (one flow per DAG) and running it through
 * `programFromJson`, so every validation of JSON programs applies.
 *
 * - Ops and dependencies are already names in the model (decoded by their artifact indices).
 * - Node ids must fit a JS number exactly (≤ 2^53−1), else E_PROGRAM_UNSUPPORTED.
 * - Node names: from the program section, else `<op>_<id>` (artifacts have none).
 * - Edges keep their order, except that each node's incoming edges are put in the order of its
 *   `input_tokens` (the runtime orders Data inputs by edge order; upstream by token order).
 * - Tokens, `entry_nodes`/`exit_nodes` and node metadata (priority, latency, codelet id) have no
 *   place in a Program and are dropped. Flow parameters keep name and type; upstream binds entry
 *   arguments to *dangling* input tokens, this runtime binds them by name (`{{name}}`), so a
 *   dangling input token simply delivers nothing.
 * - Attribute values: see `wireValueToValue` (big integers become decimal strings).
 */
export function artifactToProgram(model: ArtifactPayload, file?: string, options: ArtifactToProgramOptions = {}): Program {
  if (model.dags.length === 0) {
    throw new ApxmError('E_PROGRAM_INVALID', 'the artifact contains no DAGs', { place: { file, jsonPath: '$.dags' }, hint: RECOMPILE });
  }
  const extras = options.useProgramSection === false ? undefined : readProgramSection(model.sections, model.dags);
  const names = model.dags.map(dagFlowName);
  let entryIndex = model.dags.findIndex((d) => d.is_entry);
  if (entryIndex < 0) {
    if (options.requireEntry) {
      throw new ApxmError('E_PROGRAM_INVALID', `No @entry flow found in artifact '${model.metadata.module_name ?? names[0]}'`, {
        place: { file, jsonPath: '$.dags' },
        hint: 'mark one flow as the entry (`@entry` in AIS, "is_entry": true in JSON) and recompile',
      });
    }
    entryIndex = 0;
  }
  const flows = model.dags.map((dag, i) => dagToGraphJson(dag, i, names[i], extras?.dags[i], file));
  const doc = {
    name: extras?.name ?? model.metadata.module_name ?? names[entryIndex],
    entry: qualified(names[entryIndex]),
    flows,
  };
  try {
    return programFromJson(doc, file);
  } catch (e) {
    rethrowWithArtifactPaths(e, file);
  }
}

function idNumber(v: bigint, file: string | undefined, jsonPath: string): number {
  const n = safeNumber(v);
  if (n === undefined || n < 0) {
    throw new ApxmError('E_PROGRAM_UNSUPPORTED', `node id ${v} is larger than this runtime supports (2^53 - 1)`, {
      place: { file, jsonPath },
      hint: "renumber the graph's nodes with small ids and recompile",
    });
  }
  return n;
}

function dagToGraphJson(
  dag: WireDag,
  i: number,
  name: string,
  extras: DagExtras | undefined,
  file: string | undefined,
): Record<string, unknown> {
  const base = `$.dags[${i}]`;
  const nodes = dag.nodes.map((n, j) => {
    const id = idNumber(n.id, file, `${base}.nodes[${j}].id`);
    const attributes: Record<string, Value> = {};
    // Later duplicate keys win, as upstream's attribute map does.
    for (const a of n.attributes)
      Object.defineProperty(attributes, a.key, { value: wireValueToValue(a.value), enumerable: true, writable: true, configurable: true });
    const node: Record<string, unknown> = {
      id,
      name: extras?.nodeNames?.[j] ?? `${n.op_type.toLowerCase()}_${id}`,
      op: n.op_type,
      attributes,
    };
    const source = extras?.sources?.[j];
    if (source) node.source = source;
    return node;
  });
  const order = edgeOrder(dag);
  const edges = order.map((k) => {
    const e = dag.edges[k];
    const edge: Record<string, unknown> = {
      from: idNumber(e.from, file, `${base}.edges[${k}].from`),
      to: idNumber(e.to, file, `${base}.edges[${k}].to`),
      dependency: e.dependency,
    };
    const label = extras?.edgeLabels?.[k];
    if (label !== undefined) edge.label = label;
    return edge;
  });
  return {
    name,
    parameters: dag.parameters.map((p) => ({ name: p.name, type_name: p.type_name })),
    metadata: extras?.metadata ?? {},
    nodes,
    edges,
  };
}

/**
 * Edge indices in output order: the original order, except each target's incoming edges are
 * reordered (within the slots they occupy) by the position of their token in the target's
 * `input_tokens`. Stable, so already-consistent DAGs (every upstream writer's) are unchanged.
 */
export function edgeOrder(dag: WireDag): number[] {
  const order = dag.edges.map((_, k) => k);
  const byTarget = new Map<bigint, number[]>();
  dag.edges.forEach((e, k) => {
    const list = byTarget.get(e.to);
    if (list) list.push(k);
    else byTarget.set(e.to, [k]);
  });
  const inputsOf = new Map<bigint, bigint[]>();
  for (const n of dag.nodes) if (!inputsOf.has(n.id)) inputsOf.set(n.id, n.input_tokens);
  for (const [to, slots] of byTarget) {
    if (slots.length < 2) continue;
    const inputs = inputsOf.get(to) ?? [];
    const pos = new Map<bigint, number>();
    inputs.forEach((t, idx) => {
      if (!pos.has(t)) pos.set(t, idx);
    });
    const rank = (k: number) => pos.get(dag.edges[k].token_id) ?? Number.MAX_SAFE_INTEGER;
    const sorted = slots.slice().sort((a, b) => rank(a) - rank(b) || a - b);
    slots.forEach((slot, idx) => (order[slot] = sorted[idx]));
  }
  return order;
}
