import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { blake3 } from '@noble/hashes/blake3.js';
import { APXM_CLI } from '../../test/support/apxmCli.js';
import { CapabilityRecord } from '../capabilities/capabilityRecord.js';
import { ApxmError } from '../errors.js';
import { OP_CATALOGUE, OP_NAMES } from '../graph/opCatalogue.js';
import type { Program } from '../graph/types.js';
import { programFromJson } from '../graph/loadGraphJson.js';
import { loadProgramFile } from '../programFile.js';
import { Runtime } from '../runtime.js';
import type { Value } from '../values/value.js';
import {
  ARTIFACT_DEPENDENCY_ORDER,
  ARTIFACT_OP_ORDER,
  floatBits,
  wire,
  wireValueToValue,
  valueToWireValue,
  type WireDag,
  type WireValue,
} from './artifactModel.js';
import { BincodeError, BincodeReader } from './bincode.js';
import {
  artifactToProgram,
  decodeArtifact,
  detectLegacyLayout,
  edgeOrder,
  HEADER_SIZE,
  readArtifactFile,
  readPayload,
  type ArtifactErrorReason,
} from './readArtifact.js';
import { encodeArtifact, encodePayload, programToArtifactModel } from './writeArtifact.js';
import { PROGRAM_SECTION_KIND } from './programSection.js';

// The compiled test runs from out/runtime/artifact/; fixtures stay in the source tree.
const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(here, '../../../runtime/artifact/fixtures');
const EXAMPLES = path.resolve(here, '../../../examples');
const fixture = (name: string) => new Uint8Array(readFileSync(path.join(FIXTURES, name)));
const fixtureText = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const UPSTREAM = ['01_hello', '02_tool_use', 'x_coverage'];
const VECTORS = ['minimal', 'hello'];
const ALL = [...UPSTREAM, ...VECTORS, 'legacy_gen_a_hello_world'];

// ---------------------------------------------------------------------------------------------
// A JSON parser that keeps integer literals exact (as bigint) and reads the rest as numbers.

function parseJsonBig(text: string): unknown {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        const key = value() as string;
        ws();
        assert.equal(text[i++], ':');
        Object.defineProperty(out, key, { value: value(), enumerable: true, writable: true, configurable: true });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        assert.equal(text[i++], '}');
        return out;
      }
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        assert.equal(text[i++], ']');
        return out;
      }
    }
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const s = JSON.parse(text.slice(i, j + 1)) as string;
      i = j + 1;
      return s;
    }
    const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (m) {
      i += m[0].length;
      return m[1] === undefined && m[2] === undefined ? BigInt(m[0]) : Number(m[0]);
    }
    for (const [lit, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return v;
      }
    }
    throw new Error(`bad JSON at ${i}`);
  };
  const v = value();
  ws();
  assert.equal(i, text.length);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Views of the decoded model in the two dump formats.

const bitsHex = (v: { value: number; bits?: bigint }) => floatBits(v).toString(16).padStart(16, '0');

/** upstream-apxmobj `dags_typed` value view. */
function typedValue(v: WireValue): unknown {
  switch (v.kind) {
    case 'Null':
      return 'Null';
    case 'Bool':
      return { Bool: v.value };
    case 'Integer':
      return { Integer: v.value };
    case 'Float':
      return { Float: v.value, f64_bits_hex: bitsHex(v) };
    case 'String':
      return { String: v.value };
    case 'Array':
      return { Array: v.items.map(typedValue) };
    case 'Object':
      return { Object: v.entries.map((e) => [e.key, typedValue(e.value)]) };
    case 'Token':
      return { Token: v.value };
  }
}

function typedDag(d: WireDag): unknown {
  return {
    edges: d.edges.map((e) => ({
      dependency_type: e.dependency,
      dependency_wire_index: BigInt(ARTIFACT_DEPENDENCY_ORDER.indexOf(e.dependency)),
      from: e.from,
      to: e.to,
      token_id: e.token_id,
    })),
    entry_nodes: d.entry_nodes,
    exit_nodes: d.exit_nodes,
    metadata: {
      is_entry: d.is_entry,
      name: d.metadata_name,
      parameters: d.parameters.map((p) => ({ name: p.name, type_name: p.type_name })),
    },
    nodes: d.nodes.map((n) => ({
      attributes_sorted: n.attributes.map((a) => [a.key, typedValue(a.value)]),
      id: n.id,
      input_tokens: n.input_tokens,
      metadata: {
        codelet_source_id: n.metadata.codelet_source_id,
        estimated_latency: n.metadata.estimated_latency,
        priority: BigInt(n.metadata.priority),
      },
      op_type_debug: OP_CATALOGUE[n.op_type].debugName,
      op_type_serde: n.op_type,
      op_type_wire_index: BigInt(ARTIFACT_OP_ORDER.indexOf(n.op_type)),
      output_tokens: n.output_tokens,
    })),
  };
}

/** upstream serde view (`dags`): untagged values, maps, empty things omitted. */
function serdeValue(v: WireValue): unknown {
  switch (v.kind) {
    case 'Null':
      return null;
    case 'Bool':
    case 'String':
      return v.value;
    case 'Integer':
      return v.value;
    case 'Float':
      return v.value;
    case 'Array':
      return v.items.map(serdeValue);
    case 'Object':
      return Object.fromEntries(v.entries.map((e) => [e.key, serdeValue(e.value)]));
    case 'Token':
      return { token: v.value };
  }
}

function serdeDag(d: WireDag): unknown {
  return {
    edges: d.edges.map((e) => ({ dependency_type: e.dependency, from: e.from, to: e.to, token_id: e.token_id })),
    entry_nodes: d.entry_nodes,
    exit_nodes: d.exit_nodes,
    metadata: {
      is_entry: d.is_entry,
      name: d.metadata_name,
      parameters: d.parameters.map((p) => ({ name: p.name, type_name: p.type_name })),
    },
    nodes: d.nodes.map((n) => {
      const o: Record<string, unknown> = { id: n.id, op_type: n.op_type };
      if (n.attributes.length) o.attributes = Object.fromEntries(n.attributes.map((a) => [a.key, serdeValue(a.value)]));
      if (n.input_tokens.length) o.input_tokens = n.input_tokens;
      if (n.output_tokens.length) o.output_tokens = n.output_tokens;
      const m = n.metadata;
      if (m.priority !== 0 || m.estimated_latency !== null || m.codelet_source_id !== null) o.metadata = m;
      return o;
    }),
  };
}

/** apxmobj-vectors value view. */
function vectorValue(v: WireValue): unknown {
  switch (v.kind) {
    case 'Null':
      return { k: 'null' };
    case 'Bool':
      return { k: 'bool', v: v.value };
    case 'Integer':
      return { k: 'int', v: v.value.toString() };
    case 'Float':
      return { k: 'float', v: v.value };
    case 'String':
      return { k: 'str', v: v.value };
    case 'Array':
      return { k: 'arr', v: v.items.map(vectorValue) };
    case 'Object':
      return { k: 'obj', v: v.entries.map((e) => ({ key: e.key, value: vectorValue(e.value) })) };
    case 'Token':
      return { k: 'token', v: v.value.toString() };
  }
}

function vectorView(bytes: Uint8Array): unknown {
  const d = decodeArtifact(bytes);
  const s = (x: bigint) => x.toString();
  const p = d.payload;
  return {
    version: d.header.version,
    plen: d.header.payloadLength,
    flags: d.header.flags,
    meta: { module_name: p.metadata.module_name, created_at: s(p.metadata.created_at), compiler_version: p.metadata.compiler_version },
    dags: p.dags.map((g) => ({
      nodes: g.nodes.map((n) => ({
        id: s(n.id),
        op_type: n.op_type,
        attributes: n.attributes.map((a) => ({ key: a.key, value: vectorValue(a.value) })),
        input_tokens: n.input_tokens.map(s),
        output_tokens: n.output_tokens.map(s),
        metadata: {
          priority: n.metadata.priority,
          estimated_latency: n.metadata.estimated_latency === null ? null : s(n.metadata.estimated_latency),
          codelet_source_id: n.metadata.codelet_source_id === null ? null : s(n.metadata.codelet_source_id),
        },
      })),
      edges: g.edges.map((e) => ({ from: s(e.from), to: s(e.to), token_id: s(e.token_id), dependency: e.dependency })),
      entry_nodes: g.entry_nodes.map(s),
      exit_nodes: g.exit_nodes.map(s),
      metadata_name: g.metadata_name,
      is_entry: g.is_entry,
      parameters: g.parameters,
    })),
    sections: p.sections.map((x) => ({ kind: x.kind, data: [...x.data] })),
    consumed: d.payloadConsumed,
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers for corrupting files.

/** Copy with the header's payload length and hash recomputed for a (changed) payload. */
function rehash(bytes: Uint8Array, payload?: Uint8Array): Uint8Array {
  const p = payload ?? bytes.subarray(HEADER_SIZE);
  const out = new Uint8Array(HEADER_SIZE + p.length);
  out.set(bytes.subarray(0, HEADER_SIZE));
  out.set(p, HEADER_SIZE);
  const v = new DataView(out.buffer);
  v.setBigUint64(8, BigInt(p.length), true);
  out.set(blake3(p), 16);
  return out;
}

function expectError(f: () => unknown, code: string, reason: ArtifactErrorReason, message: RegExp): ApxmError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ApxmError, `expected an ApxmError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.details?.reason, reason, e.message);
    assert.match(e.message, message);
    assert.ok(e.hint && e.hint.length > 10, 'has a hint');
    return e;
  }
  assert.fail(`expected ${reason}`);
}

// ---------------------------------------------------------------------------------------------

describe('artifact op/dependency numbering', () => {
  it('matches enums.json (the artifact index, not the compiler wire index)', () => {
    const enums = JSON.parse(fixtureText('enums.json')) as {
      AISOperationType: { debug: string; serde_json_name: string; wire_index: number }[];
      DependencyType: { debug: string; wire_index: number }[];
    };
    assert.equal(enums.AISOperationType.length, 32);
    for (const e of enums.AISOperationType) {
      assert.equal(ARTIFACT_OP_ORDER[e.wire_index], e.serde_json_name);
      assert.equal(OP_CATALOGUE[e.serde_json_name as keyof typeof OP_CATALOGUE].debugName, e.debug);
    }
    assert.deepEqual([...ARTIFACT_OP_ORDER].sort(), [...OP_NAMES].sort());
    for (const e of enums.DependencyType) assert.equal(ARTIFACT_DEPENDENCY_ORDER[e.wire_index], e.debug);
    // ASK is 3 in artifacts but 1 as the compiler's wire index: the two must not be confused.
    assert.equal(ARTIFACT_OP_ORDER.indexOf('ASK'), 3);
    assert.equal(OP_CATALOGUE.ASK.wireIndex, 1);
  });
});

describe('upstream artifacts decode to their dumps', () => {
  for (const name of UPSTREAM) {
    it(`${name}: header, metadata, sections and every DAG field`, () => {
      const bytes = fixture(`${name}.apxmobj`);
      const dump = parseJsonBig(fixtureText(`${name}.decoded.json`)) as Record<string, any>;
      const d = decodeArtifact(bytes, `${name}.apxmobj`);
      assert.equal(dump.artifact_file, `${name}.apxmobj`);
      assert.equal(BigInt(bytes.length), dump.file_size);
      assert.equal(hex(bytes.subarray(0, 64)), dump.first_64_bytes_hex);
      assert.deepEqual(
        {
          blake3_of_payload_hex: hex(d.header.hash),
          flags_u32le: BigInt(d.header.flags),
          header_size: BigInt(HEADER_SIZE),
          magic_ascii: Buffer.from(bytes.subarray(0, 4)).toString('ascii'),
          payload_len_u64le: BigInt(d.header.payloadLength),
          version_u32le: BigInt(d.header.version),
        },
        dump.header_fields,
      );
      assert.equal(hex(blake3(bytes.subarray(HEADER_SIZE))), dump.upstream_payload_hash_hex);
      assert.equal(d.payloadConsumed, d.header.payloadLength);
      assert.equal(d.trailingBytes, 0);
      assert.deepEqual(
        {
          compiler_version: d.payload.metadata.compiler_version,
          created_at: d.payload.metadata.created_at,
          module_name: d.payload.metadata.module_name,
        },
        dump.metadata,
      );
      assert.deepEqual(
        d.payload.sections.map((s) => ({ kind: s.kind, data: [...s.data] })),
        dump.sections,
      );
      assert.deepEqual(d.payload.dags.map(typedDag), dump.dags_typed);
      assert.deepEqual(d.payload.dags.map(serdeDag), dump.dags);
      assert.equal(d.payload.dags.find((g) => g.is_entry)?.metadata_name ?? null, dump.entry_dag_name);
      assert.deepEqual(
        d.payload.dags.filter((g) => !g.is_entry).map((g) => g.metadata_name),
        dump.flow_dag_names,
      );
      assert.equal(dump.reencode_is_byte_identical, true);
    });

    it(`${name}: re-encoding reproduces the file byte for byte`, () => {
      const bytes = fixture(`${name}.apxmobj`);
      const d = decodeArtifact(bytes);
      const again = encodeArtifact(d.payload, { version: d.header.version, flags: d.header.flags });
      assert.equal(hex(again), hex(bytes));
      // the payload is already in upstream's canonical (sorted) order
      assert.equal(hex(encodeArtifact(d.payload, { canonicalize: true })), hex(bytes));
    });
  }

  it('x_coverage keeps i64 extremes, -0.0, exact float bits, unicode and nesting', () => {
    const d = decodeArtifact(fixture('x_coverage.apxmobj'));
    const qmem = d.payload.dags[0].nodes.find((n) => n.op_type === 'QMEM')!;
    const attr = (k: string) => qmem.attributes.find((a) => a.key === k)!.value;
    assert.deepEqual(attr('i64_max'), { kind: 'Integer', value: 9223372036854775807n });
    assert.deepEqual(attr('i64_min'), { kind: 'Integer', value: -9223372036854775808n });
    const nz = attr('neg_zero') as { kind: 'Float'; value: number };
    assert.ok(Object.is(nz.value, -0));
    assert.equal(bitsHex(nz), '8000000000000000');
    assert.equal(bitsHex(attr('ratio') as { value: number }), '3fb999999999999a');
    assert.equal(d.payload.dags[0].metadata_name, 'Coverage.flow_ünïcødé ✓');
    assert.equal(d.payload.dags[0].is_entry, false);
  });
});

describe('apxmobj-vectors decode to their dumps', () => {
  for (const name of VECTORS) {
    it(`${name}: every field, and byte-identical re-encoding`, () => {
      const bytes = fixture(`${name}.apxmobj`);
      assert.deepEqual(vectorView(bytes), JSON.parse(fixtureText(`${name}.decoded.json`)));
      const d = decodeArtifact(bytes);
      assert.equal(hex(encodeArtifact(d.payload)), hex(bytes));
    });
  }

  it('minimal matches the annotated bytes in fixtures/minimal', () => {
    const bytes = fixture('minimal.apxmobj');
    assert.equal(bytes.length, 243);
    assert.equal(
      hex(bytes.subarray(0, 52)),
      '4150584d01000000bf00000000000000c1fc606ab500bd765c19c524b597c3b6fa8d5b3bccb8ecc232c51c1c0f279fca00000000',
    );
    const d = decodeArtifact(bytes);
    assert.deepEqual(d.payload, {
      metadata: { module_name: 'm', created_at: 1n, compiler_version: '0.0.1' },
      dags: [
        {
          nodes: [
            {
              id: 1n,
              op_type: 'CONST_STR',
              attributes: [{ key: 'value', value: { kind: 'String', value: 'hi' } }],
              input_tokens: [],
              output_tokens: [1n],
              metadata: { priority: 0, estimated_latency: null, codelet_source_id: null },
            },
          ],
          edges: [],
          entry_nodes: [1n],
          exit_nodes: [1n],
          metadata_name: 'm',
          is_entry: true,
          parameters: [],
        },
      ],
      sections: [],
    });
    // op_type at byte 107 is 30 = CONST_STR; priority/options at 170..175
    assert.equal(new DataView(bytes.buffer, bytes.byteOffset).getUint32(107, true), 30);
    assert.equal(hex(bytes.subarray(170, 176)), '000000000000');
  });

  it('hello: Some options, a Control edge, a Token value and a section', () => {
    const d = decodeArtifact(fixture('hello.apxmobj'));
    const y = d.payload.dags[0].nodes[2];
    assert.deepEqual(y.metadata, { priority: 5, estimated_latency: 1000n, codelet_source_id: 42n });
    assert.deepEqual(d.payload.sections, [{ kind: 'x', data: new Uint8Array([0xab, 0xcd]) }]);
    assert.equal(d.payload.dags[0].edges[1].dependency, 'Control');
    const zoo = y.attributes[0].value as { kind: 'Array'; items: WireValue[] };
    assert.deepEqual(zoo.items[4], wire.object([['k', wire.token(7)]]));
  });
});

describe('rejected and corrupted artifacts', () => {
  const minimal = fixture('minimal.apxmobj');

  it('the legacy Gen A artifact is recognised and rejected with its own error', () => {
    const bytes = fixture('legacy_gen_a_hello_world.apxmobj');
    const e = expectError(
      () => decodeArtifact(bytes, 'hello_world.apxmobj'),
      'E_PROGRAM_UNSUPPORTED',
      'legacy-layout',
      /legacy "Gen A" payload layout/,
    );
    assert.equal(e.place?.file, 'hello_world.apxmobj');
    assert.match(e.hint ?? '', /apxm compile/);
    assert.deepEqual(
      { generation: e.details?.generation, dags: e.details?.dags, nodes: e.details?.nodes },
      { generation: 'A', dags: 1, nodes: 3 },
    );
    // ...whereas read as a current-layout payload it runs off the end ("eof")
    assert.throws(
      () => readPayload(new BincodeReader(bytes.subarray(HEADER_SIZE), { baseOffset: HEADER_SIZE })),
      (err: unknown) => err instanceof BincodeError && err.failure === 'eof',
    );
    assert.equal(detectLegacyLayout(minimal.subarray(HEADER_SIZE)), undefined);
  });

  it('wrong magic', () => {
    const b = minimal.slice();
    b[0] = 0x7b; // '{' — e.g. a JSON program given to the artifact loader
    const e = expectError(() => decodeArtifact(b, 'p.apxmobj'), 'E_PROGRAM_PARSE', 'bad-magic', /not an APXM artifact/);
    assert.equal(e.place?.file, 'p.apxmobj');
    expectError(() => decodeArtifact(new Uint8Array([1, 2])), 'E_PROGRAM_PARSE', 'bad-magic', /Invalid artifact header/);
  });

  it('newer (and zero) version', () => {
    const b = minimal.slice();
    b[4] = 2;
    expectError(() => decodeArtifact(b), 'E_PROGRAM_UNSUPPORTED', 'unsupported-version', /Artifact version mismatch: 2/);
    b[4] = 0;
    expectError(() => decodeArtifact(b), 'E_PROGRAM_UNSUPPORTED', 'unsupported-version', /Artifact version mismatch: 0/);
  });

  it('truncated inside the header', () => {
    for (const n of [0, 3, 4, 20, 51]) {
      expectError(
        () => decodeArtifact(minimal.subarray(0, n)),
        'E_PROGRAM_PARSE',
        'truncated-header',
        new RegExp(`truncated \\(${n} bytes, shorter than the 52-byte header\\)`),
      );
    }
  });

  it('truncated inside the payload', () => {
    for (const n of [52, 53, 100, 200, 242]) {
      const e = expectError(
        () => decodeArtifact(minimal.subarray(0, n)),
        'E_PROGRAM_PARSE',
        'truncated-payload',
        /announces a 191-byte payload/,
      );
      assert.equal(e.details?.available, n - 52);
    }
  });

  it('a flipped payload byte fails the BLAKE3 check', () => {
    for (const at of [52, 120, 242]) {
      const b = minimal.slice();
      b[at] ^= 0x01;
      expectError(() => decodeArtifact(b), 'E_PROGRAM_PARSE', 'hash-mismatch', /Artifact hash mismatch/);
    }
    const h = minimal.slice();
    h[20] ^= 0xff; // a flipped byte in the stored hash
    expectError(() => decodeArtifact(h), 'E_PROGRAM_PARSE', 'hash-mismatch', /Artifact hash mismatch/);
  });

  it('a flipped byte with a recomputed hash: malformed (with offset) or a different valid decode', () => {
    const payload = () => minimal.slice(HEADER_SIZE);
    // op_type 30 → 32 at byte 107: not a variant
    let p = payload();
    p[107 - 52] = 32;
    let e = expectError(
      () => decodeArtifact(rehash(minimal, p)),
      'E_PROGRAM_PARSE',
      'malformed-payload',
      /invalid value: integer `32`, expected variant index 0 <= i < 32 at byte 107 while reading dags\[0\]\.nodes\[0\]\.op_type/,
    );
    assert.equal(e.details?.offset, 107);
    // is_entry = 2 at byte 226
    p = payload();
    p[226 - 52] = 2;
    e = expectError(
      () => decodeArtifact(rehash(minimal, p)),
      'E_PROGRAM_PARSE',
      'malformed-payload',
      /expected a boolean.*byte 226.*dags\[0\]\.is_entry/,
    );
    assert.equal(e.details?.offset, 226);
    // Option tag 7 for module_name at byte 52
    p = payload();
    p[0] = 7;
    expectError(
      () => decodeArtifact(rehash(minimal, p)),
      'E_PROGRAM_PARSE',
      'malformed-payload',
      /Option tag.*byte 52.*metadata\.module_name/,
    );
    // invalid UTF-8 in "hi" (bytes 144..145)
    p = payload();
    p[144 - 52] = 0xff;
    expectError(
      () => decodeArtifact(rehash(minimal, p)),
      'E_PROGRAM_PARSE',
      'malformed-payload',
      /invalid UTF-8.*byte 144.*attributes\[0\]\.value/,
    );
    // a lying length prefix (dags.len = 2^63) is refused before allocating anything
    p = payload();
    new DataView(p.buffer).setBigUint64(83 - 52, 1n << 63n, true);
    e = expectError(
      () => decodeArtifact(rehash(minimal, p)),
      'E_PROGRAM_PARSE',
      'malformed-payload',
      /length prefix 9223372036854775808 is larger than the 152 bytes left.*byte 83.*dags/,
    );
    assert.equal(e.details?.offset, 83);
    // payload cut short (length and hash consistent): end of data, with its offset
    p = payload().subarray(0, 100);
    e = expectError(() => decodeArtifact(rehash(minimal, p)), 'E_PROGRAM_PARSE', 'malformed-payload', /unexpected end of data|larger than/);
    assert.ok(typeof e.details?.offset === 'number' && e.details.offset <= 152);
    // "hi" → "hI": still valid, a different value
    p = payload();
    p[145 - 52] = 0x49;
    const d = decodeArtifact(rehash(minimal, p));
    assert.deepEqual(d.payload.dags[0].nodes[0].attributes[0].value, wire.string('hI'));
  });

  it('values nested deeper than 256 levels are refused, not a stack overflow', () => {
    const model = decodeArtifact(minimal).payload;
    let v: WireValue = wire.null();
    for (let i = 0; i < 300; i++) v = wire.array([v]);
    // the writer refuses too, so build the bytes by hand: 300 × (tag 5, len 1) + Null
    const deep: number[] = [];
    for (let i = 0; i < 300; i++) deep.push(5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0);
    deep.push(0, 0, 0, 0);
    assert.throws(
      () =>
        encodePayload({
          ...model,
          dags: [{ ...model.dags[0], nodes: [{ ...model.dags[0].nodes[0], attributes: [{ key: 'v', value: v }] }] }],
        }),
      (e: unknown) => e instanceof ApxmError && /nested deeper/.test(e.message),
    );
    const head = encodePayload({
      ...model,
      dags: [{ ...model.dags[0], nodes: [{ ...model.dags[0].nodes[0], attributes: [{ key: 'value', value: wire.null() }] }] }],
    });
    // replace the 4-byte Null value by the deep array: attributes start at payload offset 59
    // (file byte 111), then u64 count + u64 key length + "value" → the value tag is at 59+8+8+5
    const at = 59 + 8 + 8 + 5;
    assert.equal(Buffer.from(head.subarray(at - 5, at)).toString(), 'value');
    const p = new Uint8Array([...head.subarray(0, at), ...deep, ...head.subarray(at + 4)]);
    expectError(() => decodeArtifact(rehash(minimal, p)), 'E_PROGRAM_PARSE', 'malformed-payload', /nested deeper than 256 levels/);
  });

  it('accepts trailing bytes (after the payload and inside it) and non-zero flags, as upstream does', () => {
    const withTail = new Uint8Array([...minimal, 1, 2, 3]);
    const d1 = decodeArtifact(withTail);
    assert.equal(d1.trailingBytes, 3);
    const inner = rehash(minimal, new Uint8Array([...minimal.subarray(HEADER_SIZE), 9, 9]));
    const d2 = decodeArtifact(inner);
    assert.equal(d2.payloadConsumed, 191);
    assert.equal(d2.header.payloadLength, 193);
    const flagged = minimal.slice();
    flagged[48] = 0x07;
    const d3 = decodeArtifact(flagged);
    assert.equal(d3.header.flags, 7);
    assert.equal(hex(encodeArtifact(d3.payload, { flags: d3.header.flags })), hex(flagged));
  });

  it('keeps NaN payload bits through a round trip', () => {
    const model = decodeArtifact(minimal).payload;
    const nan: WireValue = { kind: 'Float', value: NaN, bits: 0x7ff8000000000abcn };
    model.dags[0].nodes[0].attributes.push({ key: 'z', value: wire.array([nan, wire.float(-0), wire.float(Infinity)]) });
    const bytes = encodeArtifact(model);
    const back = decodeArtifact(bytes).payload.dags[0].nodes[0].attributes[1].value as {
      kind: 'Array';
      items: { kind: 'Float'; value: number; bits?: bigint }[];
    };
    assert.equal(bitsHex(back.items[0]), '7ff8000000000abc');
    assert.ok(Object.is(back.items[1].value, -0));
    assert.equal(back.items[2].value, Infinity);
    assert.equal(hex(encodeArtifact(decodeArtifact(bytes).payload)), hex(bytes));
  });

  it('reads files from disk (a Buffer) and reports a missing file as E_PROGRAM_READ', async () => {
    const d = await readArtifactFile(path.join(FIXTURES, 'hello.apxmobj'));
    assert.deepEqual(d.payload.sections, [{ kind: 'x', data: new Uint8Array([0xab, 0xcd]) }]);
    assert.equal(Object.getPrototypeOf(d.header.hash), Uint8Array.prototype);
    await assert.rejects(
      readArtifactFile(path.join(FIXTURES, 'nope.apxmobj')),
      (e: unknown) => e instanceof ApxmError && e.code === 'E_PROGRAM_READ' && /no such file/.test(e.message),
    );
  });

  it('bincode reader errors name the offset and what was read', () => {
    const r = new BincodeReader(new Uint8Array([1, 2, 3]), { baseOffset: 100 });
    assert.throws(
      () => r.u64('thing.id'),
      (e: unknown) => e instanceof BincodeError && e.offset === 100 && e.reading === 'thing.id' && /needs 8 bytes, 3 left/.test(e.message),
    );
  });
});

describe('artifact → Program', () => {
  it('01_hello and 02_tool_use become Programs the runtime executes', async () => {
    const rt = await Runtime.create({ memoryConfig: { dbPath: ':memory:' } });
    try {
      const hello = artifactToProgram(decodeArtifact(fixture('01_hello.apxmobj')).payload, '01_hello.apxmobj');
      assert.equal(hello.name, 'hello_graph');
      assert.equal(hello.entry.qualifiedName, 'default.hello_graph');
      assert.deepEqual(
        hello.entry.nodes.map((n) => [n.id, n.name, n.op, n.attributes]),
        [[1, 'ask_1', 'ASK', { template_str: 'Generate a friendly greeting for someone learning about AI agents' }]],
      );
      const r1 = await rt.execute(hello);
      assert.equal(r1.status, 'succeeded', JSON.stringify(r1.error));
      assert.match(String(r1.result), /^\[simulated\]/);

      const calls: Value[] = [];
      rt.capabilitySystem().register(
        'search',
        new CapabilityRecord('web search (test double)', (params) => {
          calls.push(params);
          return ['agents are everywhere', 'tools matter'];
        }),
      );
      const tools = artifactToProgram(decodeArtifact(fixture('02_tool_use.apxmobj')).payload, '02_tool_use.apxmobj');
      assert.deepEqual(
        tools.entry.edges.map((e) => [e.from, e.to, e.dependency]),
        [[1, 2, 'Data']],
      );
      const r2 = await rt.execute(tools);
      assert.equal(r2.status, 'succeeded', JSON.stringify(r2.error));
      assert.deepEqual(calls, [{ query: 'latest AI agent trends' }]);
      assert.match(String(r2.result), /^\[simulated\]/);

      const minimal = artifactToProgram(decodeArtifact(fixture('minimal.apxmobj')).payload);
      const r3 = await rt.execute(minimal);
      assert.equal(r3.status, 'succeeded');
      assert.equal(r3.result, 'hi');
    } finally {
      await rt.dispose();
    }
  });

  it('x_coverage: validation applies (UMEM without a key), with artifact paths', () => {
    const model = decodeArtifact(fixture('x_coverage.apxmobj')).payload;
    try {
      artifactToProgram(model, 'x_coverage.apxmobj');
      assert.fail('should be rejected');
    } catch (e) {
      assert.ok(e instanceof ApxmError);
      assert.equal(e.code, 'E_PROGRAM_INVALID');
      assert.match(e.message, /UMEM node 7 needs the attribute "key"/);
      assert.deepEqual(e.place, { file: 'x_coverage.apxmobj', jsonPath: '$.dags[0].nodes[3].attributes' });
    }
  });

  it('x_coverage (with a UMEM key and value): names, parameters, dependencies and value conversion', () => {
    const model = decodeArtifact(fixture('x_coverage.apxmobj')).payload;
    // Its UMEM has no key and gets its input over an Effect edge, which carries a value upstream
    // but only orders execution here; give it both so the rest of the DAG can be checked.
    model.dags[0].nodes
      .find((n) => n.op_type === 'UMEM')!
      .attributes.push({ key: 'key', value: wire.string('k') }, { key: 'value', value: wire.string('v') });
    const p = artifactToProgram(model, 'x.apxmobj');
    const f = p.entry;
    // no DAG is marked entry: upstream's into_dag rule takes the first
    assert.equal(f.qualifiedName, 'Coverage.flow_ünïcødé ✓');
    assert.equal(f.agent, 'Coverage');
    assert.equal(f.flow, 'flow_ünïcødé ✓');
    assert.deepEqual(f.parameters, [
      { name: 'topic', typeName: 'str' },
      { name: 'count', typeName: 'int' },
    ]);
    assert.deepEqual(
      f.edges.map((e) => [e.from, e.to, e.dependency]),
      [
        [10, 5, 'Data'],
        [20, 5, 'Data'],
        [5, 7, 'Effect'],
        [5, 8, 'Data'],
        [7, 9, 'Control'],
        [8, 9, 'Control'],
      ],
    );
    const q = f.nodes.find((n) => n.op === 'QMEM')!.attributes;
    assert.equal(q.i64_max, '9223372036854775807');
    assert.equal(q.i64_min, '-9223372036854775808');
    assert.equal(q.limit, 5);
    assert.equal(q.negative, -42);
    assert.ok(Object.is(q.neg_zero, -0));
    assert.equal(q.big, 1e300);
    assert.equal(q.whole_float, 2);
    assert.equal(q.u64_max_becomes_float, 18446744073709551616);
    assert.equal(q.nothing, null);
    assert.equal(q.flag_true, true);
    const ask = f.nodes.find((n) => n.op === 'ASK')!.attributes;
    assert.deepEqual(ask.config, { Mixed: 'case', alpha: { deep: [1, { x: null }] }, beta: false, zeta: 1 });
    assert.deepEqual(ask.tools, ['search', 1, 2.5, true, null, ['nested', []], { k: 'v' }]);
    assert.equal(f.nodes.find((n) => n.id === 10)!.attributes.value, 'line1\nline2\t"quoted" \\ emoji 🚀 中文');
    assert.throws(
      () => artifactToProgram(model, 'x.apxmobj', { requireEntry: true }),
      (e: unknown) => e instanceof ApxmError && /No @entry flow found in artifact 'Coverage\.flow_ünïcødé ✓'/.test(e.message),
    );
  });

  it('converts values as documented', () => {
    assert.equal(wireValueToValue(wire.int(9007199254740991n)), 9007199254740991);
    assert.equal(wireValueToValue(wire.int(9007199254740992n)), '9007199254740992');
    assert.equal(wireValueToValue(wire.token(3)), 3);
    assert.equal(wireValueToValue(wire.float(NaN)), 'NaN');
    assert.equal(wireValueToValue(wire.float(-Infinity)), '-inf');
    const o = wireValueToValue(
      wire.object([
        ['a', wire.int(1)],
        ['__proto__', wire.int(2)],
        ['a', wire.int(3)],
      ]),
    ) as Record<string, Value>;
    assert.deepEqual(Object.keys(o), ['a', '__proto__']);
    assert.equal(o.a, 3);
    assert.equal(Object.getPrototypeOf(o), Object.prototype);
    assert.deepEqual(
      valueToWireValue({ b: 1, a: [1.5, -0, 'x', null, true] }),
      wire.object([
        ['a', wire.array([wire.float(1.5), wire.float(-0), wire.string('x'), wire.null(), wire.bool(true)])],
        ['b', wire.int(1)],
      ]),
    );
    assert.deepEqual(valueToWireValue(2 ** 63), wire.float(2 ** 63));
  });

  it("puts each node's incoming edges in input-token order", () => {
    const dag: WireDag = {
      nodes: [
        {
          id: 1n,
          op_type: 'CONST_STR',
          attributes: [],
          input_tokens: [],
          output_tokens: [7n],
          metadata: { priority: 0, estimated_latency: null, codelet_source_id: null },
        },
        {
          id: 2n,
          op_type: 'CONST_STR',
          attributes: [],
          input_tokens: [],
          output_tokens: [8n],
          metadata: { priority: 0, estimated_latency: null, codelet_source_id: null },
        },
        {
          id: 3n,
          op_type: 'MERGE',
          attributes: [],
          input_tokens: [8n, 7n],
          output_tokens: [9n],
          metadata: { priority: 0, estimated_latency: null, codelet_source_id: null },
        },
      ],
      edges: [
        { from: 1n, to: 3n, token_id: 7n, dependency: 'Data' },
        { from: 2n, to: 3n, token_id: 8n, dependency: 'Data' },
      ],
      entry_nodes: [1n, 2n],
      exit_nodes: [3n],
      metadata_name: 'A.f',
      is_entry: true,
      parameters: [],
    };
    assert.deepEqual(edgeOrder(dag), [1, 0]);
  });

  it('rejects node ids beyond 2^53 - 1 with E_PROGRAM_UNSUPPORTED', () => {
    const model = decodeArtifact(fixture('minimal.apxmobj')).payload;
    model.dags[0].nodes[0].id = 1n << 60n;
    assert.throws(
      () => artifactToProgram(model, 'm.apxmobj'),
      (e: unknown) => e instanceof ApxmError && e.code === 'E_PROGRAM_UNSUPPORTED' && e.place?.jsonPath === '$.dags[0].nodes[0].id',
    );
  });
});

describe('Program → artifact → Program', () => {
  const shape = (p: Program) => ({
    name: p.name,
    entry: p.entry.qualifiedName,
    flows: p.flows.map((f) => ({
      qualifiedName: f.qualifiedName,
      isEntry: f.isEntry,
      parameters: f.parameters,
      metadata: f.metadata,
      nodes: f.nodes.map((n) => ({ id: n.id, name: n.name, op: n.op, attributes: n.attributes })),
      edges: f.edges.map((e) => ({ from: e.from, to: e.to, dependency: e.dependency, label: e.label })),
    })),
  });

  it('examples/trip-planner.json round-trips and encodes deterministically', async () => {
    const program = await loadProgramFile(path.join(EXAMPLES, 'trip-planner.json'));
    const model = programToArtifactModel(program, { createdAt: 1767225600000 });
    const bytes = encodeArtifact(model);
    assert.equal(hex(encodeArtifact(model)), hex(bytes));
    assert.equal(hex(encodeArtifact(programToArtifactModel(program, { createdAt: 1767225600000 }))), hex(bytes));
    const d = decodeArtifact(bytes, 'trip.apxmobj');
    assert.equal(hex(encodeArtifact(d.payload)), hex(bytes));
    const dag = d.payload.dags[0];
    assert.equal(d.payload.metadata.module_name, 'TripPlanner.main');
    assert.equal(d.payload.metadata.compiler_version, '0.0.1');
    assert.equal(dag.metadata_name, 'TripPlanner.main');
    assert.equal(dag.is_entry, true);
    assert.deepEqual(dag.parameters, [{ name: 'city', type_name: 'str' }]);
    // lower_dag tokens: edge k carries token k+1, sinks get synthetic tokens from 7
    assert.deepEqual(
      dag.edges.map((e) => e.token_id),
      [1n, 2n, 3n, 4n, 5n, 6n],
    );
    assert.deepEqual(
      dag.nodes.map((n) => [n.id, n.input_tokens, n.output_tokens]),
      [
        [1n, [], [1n]],
        [2n, [], [2n]],
        [3n, [], [3n]],
        [4n, [1n, 2n, 3n], [4n]],
        [5n, [4n], [5n, 6n]],
        [6n, [5n], [7n]],
        [7n, [6n], [8n]],
      ],
    );
    assert.deepEqual(dag.entry_nodes, [1n, 2n, 3n]);
    assert.deepEqual(dag.exit_nodes, [6n, 7n]);
    assert.equal(d.payload.sections[0].kind, PROGRAM_SECTION_KIND);
    const back = artifactToProgram(d.payload, 'trip.apxmobj');
    assert.deepEqual(shape(back), shape(program));

    // without the program section: upstream-shaped (no sections), generated names, same graph
    const plain = decodeArtifact(encodeArtifact(programToArtifactModel(program, { createdAt: 1, programSection: false }))).payload;
    assert.deepEqual(plain.sections, []);
    const plainProgram = artifactToProgram(plain);
    assert.deepEqual(
      plainProgram.entry.nodes.map((n) => n.name),
      ['ask_1', 'ask_2', 'ask_3', 'merge_4', 'think_5', 'print_6', 'return_7'],
    );
    assert.deepEqual(
      plainProgram.entry.edges.map((e) => [e.from, e.to, e.dependency]),
      program.entry.edges.map((e) => [e.from, e.to, e.dependency]),
    );
    assert.deepEqual(
      plainProgram.entry.nodes.map((n) => n.attributes),
      program.entry.nodes.map((n) => n.attributes),
    );

    const rt = await Runtime.create({ memoryConfig: { dbPath: ':memory:' } });
    try {
      const r = await rt.execute(back, { args: { city: 'Lisbon' } });
      assert.equal(r.status, 'succeeded', JSON.stringify(r.error));
      assert.match(String(r.result), /^\[simulated\]/);
    } finally {
      await rt.dispose();
    }
  });

  it('a bundle with labels, several flows and mixed attribute values round-trips', () => {
    const program = programFromJson({
      name: 'bundle',
      entry: 'Main.run',
      flows: [
        {
          name: 'Lib.shout',
          parameters: [{ name: 'text', type_name: 'str' }],
          nodes: [{ id: 1, name: 'up', op: 'ASK', attributes: { template_str: 'Shout {{text}}' } }],
          edges: [],
        },
        {
          name: 'Main.run',
          metadata: { description: 'x', is_entry: true },
          nodes: [
            { id: 1, name: 'q', op: 'CONST_STR', attributes: { value: 'yes', ü: 1, a: { z: -0, y: [1.5, 2 ** 40, null] } } },
            { id: 2, name: 'b', op: 'BRANCH_ON_VALUE', attributes: { true_label: 'yes', false_label: 'no' } },
            { id: 3, name: 'y', op: 'PRINT', attributes: { message: 'yes' } },
            { id: 4, name: 'n', op: 'PRINT', attributes: { message: 'no' } },
            { id: 10, name: 'call', op: 'FLOW_CALL', attributes: { agent_name: 'Lib', flow_name: 'shout' } },
          ],
          edges: [
            { from: 1, to: 2, dependency: 'Data' },
            { from: 2, to: 3, dependency: 'Control', label: 'yes' },
            { from: 2, to: 4, dependency: 'Control', label: 'no' },
            { from: 1, to: 10, dependency: 'Data' },
          ],
        },
      ],
    });
    const bytes = encodeArtifact(programToArtifactModel(program, { createdAt: 5 }));
    const d = decodeArtifact(bytes);
    assert.deepEqual(
      d.payload.dags.map((g) => [g.metadata_name, g.is_entry]),
      [
        ['Lib.shout', false],
        ['Main.run', true],
      ],
    );
    // attributes sorted by key in UTF-8 byte order; nested object entries too
    assert.deepEqual(
      d.payload.dags[1].nodes[0].attributes.map((a) => a.key),
      ['a', 'value', 'ü'],
    );
    assert.deepEqual(typedValue(d.payload.dags[1].nodes[0].attributes[0].value), {
      Object: [
        ['y', { Array: [{ Float: 1.5, f64_bits_hex: '3ff8000000000000' }, { Integer: 2n ** 40n }, 'Null'] }],
        ['z', { Float: -0, f64_bits_hex: '8000000000000000' }],
      ],
    });
    const back = artifactToProgram(d.payload);
    assert.deepEqual(shape(back), shape(program));
    assert.ok(Object.is((back.entry.nodes[0].attributes.a as { z: number }).z, -0));
  });
});

describe('mutation fuzz', () => {
  it('2,000 random flips/truncations per fixture: decode succeeds or throws ApxmError', () => {
    let seed = 0x9e3779b9;
    const rand = (n: number) => {
      seed ^= seed << 13;
      seed >>>= 0;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      seed >>>= 0;
      return seed % n;
    };
    const started = Date.now();
    const tally = { ok: 0, errors: new Map<string, number>() };
    for (const name of ALL) {
      const orig = fixture(`${name}.apxmobj`);
      for (let k = 0; k < 2000; k++) {
        let b: Uint8Array;
        const mode = rand(4);
        if (mode === 0) {
          b = orig.subarray(0, rand(orig.length));
        } else if (mode === 1) {
          b = orig.slice();
          for (let j = 0, n = 1 + rand(3); j < n; j++) b[rand(b.length)] ^= 1 << rand(8);
        } else {
          // change the payload and fix the hash, so the bincode decoder sees the damage
          const p = orig.slice(HEADER_SIZE);
          if (mode === 2)
            for (let j = 0, n = 1 + rand(3); j < n; j++) p[rand(p.length)] = rand(4) === 0 ? 0xff : p[rand(p.length)] ^ (1 << rand(8));
          b = rehash(orig, mode === 3 ? p.subarray(0, rand(p.length)) : p);
        }
        let decoded;
        try {
          decoded = decodeArtifact(b, `${name}.apxmobj`);
        } catch (e) {
          assert.ok(e instanceof ApxmError, `${name} mutation ${k} (mode ${mode}) threw ${String(e)}`);
          const reason = String(e.details?.reason);
          tally.errors.set(reason, (tally.errors.get(reason) ?? 0) + 1);
          continue;
        }
        tally.ok++;
        // a successful decode re-encodes to exactly the bytes it consumed
        const payload = b.subarray(HEADER_SIZE, HEADER_SIZE + decoded.payloadConsumed);
        assert.equal(hex(encodePayload(decoded.payload)), hex(payload), `${name} mutation ${k}`);
        try {
          artifactToProgram(decoded.payload, `${name}.apxmobj`);
        } catch (e) {
          assert.ok(e instanceof ApxmError, `${name} mutation ${k}: artifactToProgram threw ${String(e)}`);
        }
      }
    }
    assert.ok(tally.ok > 0, 'some mutations still decode');
    for (const reason of ['hash-mismatch', 'truncated-payload', 'malformed-payload'] as const)
      assert.ok((tally.errors.get(reason) ?? 0) > 0, `saw ${reason}`);
    assert.ok(Date.now() - started < 60_000, 'no hangs');
  });
});

describe('the example artifact', () => {
  it('examples/trip_planner.apxmobj is trip_planner.ais compiled as it is today', { timeout: 20_000 }, () => {
    // stale after a compiler or example change: regenerate in examples/ with
    //   apxm compile trip_planner.ais --created-at 1796601600000
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'apxm-example-artifact-'));
    try {
      const out = path.join(tmp, 'fresh.apxmobj');
      const r = spawnSync(process.execPath, [APXM_CLI, 'compile', 'trip_planner.ais', '-o', out, '--created-at', '1796601600000'], {
        cwd: EXAMPLES,
        encoding: 'utf8',
        timeout: 15_000,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(hex(new Uint8Array(readFileSync(out))), hex(new Uint8Array(readFileSync(path.join(EXAMPLES, 'trip_planner.apxmobj')))));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
