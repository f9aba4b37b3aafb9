/**
 * The `.apxmobj` payload as it is on the wire (HEAD = "Gen C"), field for
 * field and in field order, with upstream's Rust field names. This model is lossless: u64/i64 are
 * `bigint`, floats keep their exact bits, attribute lists and object entries keep their wire order
 * (duplicates included), so decode → encode reproduces the same bytes. Convert to runtime `Value`s
 * only when building a Program (`wireValueToValue`).
 */
import { ApxmError } from '../errors.js';
import type { OpName } from '../graph/opCatalogue.js';
import type { DependencyType } from '../graph/types.js';
import { isObject, type Value, type ValueObject } from '../values/value.js';
import { compareUtf8, I64_MAX, I64_MIN } from './bincode.js';

/**
 * `AISOperationType` u32 index *in the artifact*: the declaration order of the HEAD Rust enum
 * (fixtures' enums.json). Not the compiler's "wire index" (`OpInfo.wireIndex`, 0 INV,
 * 1 ASK, …) that SWITCH region objects and the internal C++→Rust format use.
 */
export const ARTIFACT_OP_ORDER: readonly OpName[] = [
  'AGENT',
  'QMEM',
  'UMEM',
  'ASK',
  'THINK',
  'REASON',
  'PLAN',
  'REFLECT',
  'VERIFY',
  'INV',
  'EXC',
  'PRINT',
  'JUMP',
  'BRANCH_ON_VALUE',
  'LOOP_START',
  'LOOP_END',
  'RETURN',
  'SWITCH',
  'FLOW_CALL',
  'MERGE',
  'FENCE',
  'WAIT_ALL',
  'TRY_CATCH',
  'ERR',
  'COMMUNICATE',
  'UPDATE_GOAL',
  'GUARD',
  'CLAIM',
  'PAUSE',
  'RESUME',
  'CONST_STR',
  'YIELD',
];

/** `DependencyType` u32 index in the artifact: 0 Data, 1 Effect, 2 Control. */
export const ARTIFACT_DEPENDENCY_ORDER: readonly DependencyType[] = ['Data', 'Effect', 'Control'];

/** `WireValue` variant index → kind, in declaration order. */
export const WIRE_VALUE_KINDS = ['Null', 'Bool', 'Integer', 'Float', 'String', 'Array', 'Object', 'Token'] as const;

export interface ArtifactPayload {
  metadata: ArtifactMetadata;
  dags: WireDag[];
  sections: ArtifactSection[];
}

export interface ArtifactMetadata {
  module_name: string | null;
  /** Milliseconds since the Unix epoch (u64). */
  created_at: bigint;
  compiler_version: string;
}

/** Free-form extension blob; upstream's compiler always writes none. */
export interface ArtifactSection {
  kind: string;
  data: Uint8Array;
}

export interface WireDag {
  nodes: WireNode[];
  edges: WireEdge[];
  entry_nodes: bigint[];
  exit_nodes: bigint[];
  /** `Agent.flow` (or a bare flow name). */
  metadata_name: string | null;
  is_entry: boolean;
  parameters: WireFlowParameter[];
}

export interface WireFlowParameter {
  name: string;
  type_name: string;
}

export interface WireNode {
  id: bigint;
  /** Serialised as its u32 index in `ARTIFACT_OP_ORDER`. */
  op_type: OpName;
  attributes: WireAttribute[];
  input_tokens: bigint[];
  output_tokens: bigint[];
  metadata: WireNodeMetadata;
}

export interface WireNodeMetadata {
  /** u32. */
  priority: number;
  /** u64 nanoseconds. */
  estimated_latency: bigint | null;
  codelet_source_id: bigint | null;
}

export interface WireAttribute {
  key: string;
  value: WireValue;
}

export interface WireEdge {
  from: bigint;
  to: bigint;
  token_id: bigint;
  /** Serialised as its u32 index in `ARTIFACT_DEPENDENCY_ORDER`. */
  dependency: DependencyType;
}

export interface WireObjectEntry {
  key: string;
  value: WireValue;
}

export type WireValue =
  | { kind: 'Null' }
  | { kind: 'Bool'; value: boolean }
  /** i64. */
  | { kind: 'Integer'; value: bigint }
  /**
   * f64. `value` carries -0.0 and ±Infinity exactly; `bits` (set by the reader) keeps the exact
   * pattern, which matters only for NaN payloads. The writer uses `bits` when the value is NaN.
   */
  | { kind: 'Float'; value: number; bits?: bigint }
  | { kind: 'String'; value: string }
  | { kind: 'Array'; items: WireValue[] }
  /** Entries in wire order; the upstream writer sorts them by key. */
  | { kind: 'Object'; entries: WireObjectEntry[] }
  /** u64 token id. */
  | { kind: 'Token'; value: bigint };

export const wire = {
  null: (): WireValue => ({ kind: 'Null' }),
  bool: (value: boolean): WireValue => ({ kind: 'Bool', value }),
  int: (value: bigint | number): WireValue => ({ kind: 'Integer', value: BigInt(value) }),
  float: (value: number): WireValue => ({ kind: 'Float', value }),
  string: (value: string): WireValue => ({ kind: 'String', value }),
  array: (items: WireValue[]): WireValue => ({ kind: 'Array', items }),
  object: (entries: [string, WireValue][]): WireValue => ({ kind: 'Object', entries: entries.map(([key, value]) => ({ key, value })) }),
  token: (value: bigint | number): WireValue => ({ kind: 'Token', value: BigInt(value) }),
};

/** The exact IEEE-754 bits of a Float value (its `bits`, else those of `value`). */
export function floatBits(v: { value: number; bits?: bigint }): bigint {
  if (v.bits !== undefined && Number.isNaN(v.value)) return v.bits;
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v.value, true);
  return dv.getBigUint64(0, true);
}

/** A bigint as a JS number when that is exact, else undefined. */
export function safeNumber(v: bigint): number | undefined {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
}

/**
 * WireValue → runtime Value (plain JSON).
 * - Integer/Token within ±(2^53−1) → number; outside → its exact decimal text as a string (a
 *   number would silently change the digits; the runtime has no 64-bit integer type).
 * - Float → number, -0.0 stays -0; NaN/±Infinity (no JSON form) → "NaN"/"inf"/"-inf" strings,
 *   as upstream's MLIR lowering turns non-finite floats into strings. Float 2.0 and Integer 2
 *   both become the number 2 (a Value does not distinguish them).
 * - Object → object; a repeated key takes the later value (upstream's map semantics). Keys are
 *   defined as own properties, so a `__proto__` key is data, not a prototype change.
 */
export function wireValueToValue(v: WireValue, depth = 0): Value {
  if (depth > 512) throw new ApxmError('E_PROGRAM_UNSUPPORTED', 'attribute value nested deeper than 512 levels');
  switch (v.kind) {
    case 'Null':
      return null;
    case 'Bool':
    case 'String':
      return v.value;
    case 'Integer':
    case 'Token':
      return safeNumber(v.value) ?? v.value.toString();
    case 'Float':
      if (Number.isFinite(v.value)) return v.value;
      return Number.isNaN(v.value) ? 'NaN' : v.value > 0 ? 'inf' : '-inf';
    case 'Array':
      return v.items.map((x) => wireValueToValue(x, depth + 1));
    case 'Object': {
      const out: ValueObject = {};
      for (const e of v.entries) {
        Object.defineProperty(out, e.key, {
          value: wireValueToValue(e.value, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
  }
}

/**
 * Runtime Value → WireValue. Integral numbers in i64 range (except -0) → Integer, other numbers →
 * Float (so 2.0 written in JSON comes back as Integer 2: JS cannot tell them apart). With
 * `sortKeys`, object entries are sorted by key in UTF-8 byte order, as upstream's writer does.
 */
export function valueToWireValue(v: Value, sortKeys = true, depth = 0): WireValue {
  if (depth > 512)
    throw new ApxmError('E_PROGRAM_INVALID', 'attribute value nested deeper than 512 levels', { hint: 'flatten the attribute value' });
  if (v === null || v === undefined) return wire.null();
  switch (typeof v) {
    case 'boolean':
      return wire.bool(v);
    case 'string':
      return wire.string(v);
    case 'number': {
      if (Number.isInteger(v) && !Object.is(v, -0)) {
        const b = BigInt(v);
        if (b >= I64_MIN && b <= I64_MAX) return wire.int(b);
      }
      return wire.float(v);
    }
    case 'object': {
      if (Array.isArray(v)) return wire.array(v.map((x) => valueToWireValue(x, sortKeys, depth + 1)));
      if (!isObject(v)) return wire.null();
      let keys = Object.keys(v);
      if (sortKeys) keys = keys.sort(compareUtf8);
      return { kind: 'Object', entries: keys.map((key) => ({ key, value: valueToWireValue(v[key], sortKeys, depth + 1) })) };
    }
    default:
      return wire.string(String(v));
  }
}

/** Upstream `Artifact` accessors: the first DAG with `is_entry`. */
export function entryDag(p: ArtifactPayload): WireDag | undefined {
  return p.dags.find((d) => d.is_entry);
}
