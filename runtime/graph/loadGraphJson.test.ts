import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApxmError } from '../errors.js';
import type { Diagnostic } from './diagnostics.js';
import { loadProgramFromJsonText, programFromJson } from './loadGraphJson.js';

function problems(doc: unknown): Diagnostic[] {
  try {
    programFromJson(doc, 'prog.json');
  } catch (e) {
    assert.ok(e instanceof ApxmError);
    return (e.details?.diagnostics as Diagnostic[]).filter((d) => d.severity === 'error');
  }
  assert.fail('expected the program to be rejected');
}

const ok = (extra: Record<string, unknown> = {}) => ({
  name: 'A.main',
  nodes: [
    { id: 1, name: 'a', op: 'CONST_STR', attributes: { value: 'x' } },
    { id: 2, name: 'b', op: 'PRINT', attributes: { message: 'm' } },
  ],
  edges: [{ from: 1, to: 2, dependency: 'Data' }],
  ...extra,
});

describe('ApxmGraph JSON loader', () => {
  it('loads a valid graph as one entry flow named Agent.flow', () => {
    const p = programFromJson({ ...ok(), parameters: [{ name: 'city', type_name: 'str' }] });
    assert.equal(p.entry.qualifiedName, 'A.main');
    assert.equal(p.entry.agent, 'A');
    assert.deepEqual(p.entry.parameters, [{ name: 'city', typeName: 'str' }]);
  });

  it('reports invalid JSON with line and column', () => {
    try {
      loadProgramFromJsonText('{\n  "name": "x",\n  "nodes": [,]\n}', 'bad.json');
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof ApxmError);
      assert.equal(e.code, 'E_PROGRAM_PARSE');
      assert.equal(e.place?.file, 'bad.json');
      assert.equal(e.place?.line, 3);
    }
  });

  const cases: [string, unknown, string, RegExp][] = [
    ['empty name', ok({ name: '  ' }), '$.name', /graph name cannot be empty/],
    ['no nodes', ok({ nodes: [] }), '$.nodes', /at least one node/],
    [
      'duplicate id',
      ok({
        nodes: [
          { id: 1, name: 'a', op: 'CONST_STR', attributes: { value: 'x' } },
          { id: 1, name: 'b', op: 'PRINT' },
        ],
        edges: [],
      }),
      '$.nodes[1].id',
      /duplicate node id 1 \(first used at \$\.nodes\[0\]\)/,
    ],
    ['empty node name', ok({ nodes: [{ id: 1, name: '', op: 'PRINT' }], edges: [] }), '$.nodes[0].name', /empty name/],
    ['unknown op with suggestion', ok({ nodes: [{ id: 1, name: 'a', op: 'AKS' }], edges: [] }), '$.nodes[0].op', /unknown operation "AKS"/],
    ['dangling edge', ok({ edges: [{ from: 1, to: 9, dependency: 'Data' }] }), '$.edges[0].to', /unknown destination node 9/],
    ['bad dependency', ok({ edges: [{ from: 1, to: 2, dependency: 'Strong' }] }), '$.edges[0].dependency', /unknown dependency "Strong"/],
    ['bad parameter type', ok({ parameters: [{ name: 'x', type_name: '' }] }), '$.parameters[0].type_name', /parameter 'x' has empty type/],
    [
      'duplicate parameter',
      ok({
        parameters: [
          { name: 'x', type_name: 'str' },
          { name: 'x', type_name: 'str' },
        ],
      }),
      '$.parameters[1].name',
      /duplicate parameter name 'x'/,
    ],
    [
      'bad attribute type',
      ok({ nodes: [{ id: 1, name: 'a', op: 'ASK', attributes: { template_str: 'q', temperature: 7 } }], edges: [] }),
      '$.nodes[0].attributes.temperature',
      /from 0 to 2/,
    ],
    [
      'missing required attribute',
      ok({ nodes: [{ id: 1, name: 'a', op: 'INV' }], edges: [] }),
      '$.nodes[0].attributes',
      /needs the attribute "capability"/,
    ],
    [
      'bad memory tier',
      ok({ nodes: [{ id: 1, name: 'a', op: 'QMEM', attributes: { query: 'q', memory_tier: 'disk' } }], edges: [] }),
      '$.nodes[0].attributes.memory_tier',
      /unknown memory tier/,
    ],
    [
      'label on a plain op',
      ok({ edges: [{ from: 1, to: 2, dependency: 'Data', label: 'true' }] }),
      '$.edges[0].label',
      /only BRANCH_ON_VALUE, SWITCH and TRY_CATCH/,
    ],
  ];
  for (const [what, doc, path, message] of cases) {
    it(`rejects ${what} at ${path}`, () => {
      const found = problems(doc);
      const hit = found.find((d) => d.place.jsonPath === path && message.test(d.message));
      assert.ok(hit, `expected ${message} at ${path}, got ${JSON.stringify(found.map((d) => [d.place.jsonPath, d.message]))}`);
      assert.equal(hit.place.file, 'prog.json');
    });
  }

  it('refuses a document nested without end, and quotes odd values short (found by the fuzz target)', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const doc = { name: 'A.main', nodes: [{ id: 1, name: 'a', op: 'CONST_STR', attributes: { value: deep } }], edges: [] };
    assert.throws(
      () => programFromJson(doc),
      (e: unknown) => e instanceof ApxmError && e.code === 'E_PROGRAM_INVALID' && /nests deeper than 256 levels/.test(e.message),
    );
    const odd = {
      name: 'A.main',
      nodes: [
        { id: 1, name: 'a', op: { toString: 1 } },
        { id: 'x'.repeat(100_000), name: 'b', op: 'PRINT' },
      ],
      edges: [],
    };
    assert.throws(
      () => programFromJson(odd),
      (e: unknown) => {
        assert.ok(e instanceof ApxmError && e.code === 'E_PROGRAM_INVALID');
        const msgs = (e.details?.diagnostics as { message: string }[]).map((d) => d.message);
        assert.ok(msgs.some((m) => /unknown operation \{"toString":1\}/.test(m)));
        assert.ok(
          msgs.every((m) => m.length < 300),
          'a 100 KB id is quoted short',
        );
        return true;
      },
    );
  });

  it('refuses control and bidirectional characters in names, at their JSON path', { timeout: 5_000 }, () => {
    const doc = {
      name: 'bundle\u0085',
      entry: 'A\u001b[2J.main',
      flows: [
        {
          name: 'A\u001b[2J.main',
          parameters: [{ name: 'ci\u202Ety', type_name: 'str' }],
          nodes: [
            { id: 1, name: 'a\u0007', op: 'CONST_STR', attributes: { value: 'values may hold \u001b' } },
            { id: 2, name: 'b', op: 'INV', attributes: { capability: 'search\u2066', params: {} } },
          ],
          edges: [{ from: 1, to: 2, dependency: 'Data' }],
        },
      ],
    };
    const found = problems(doc).map((d) => [d.place.jsonPath, d.message]);
    assert.deepEqual(
      found.map(([p]) => p),
      ['$.name', '$.flows[0].name', '$.flows[0].nodes[0].name', '$.flows[0].parameters[0].name'],
    );
    assert.equal(found[1][1], 'flow name "A\\x1b[2J.main" contains the control character U+001B (at index 1)');
    assert.equal(found[3][1], 'parameter name "ci\\u202ety" contains the control character U+202E (at index 2)');
    const inv = problems({ ...ok(), nodes: [{ id: 1, name: 'b', op: 'INV', attributes: { capability: 'search\u2066' } }], edges: [] });
    assert.deepEqual(
      inv.map((d) => d.place.jsonPath),
      ['$.nodes[0].attributes.capability'],
    );
    assert.match(inv[0].hint ?? '', /remove control characters/);
  });

  it('a node id past 2^53 - 1 is refused with the range, not as an integer it no longer is', { timeout: 5_000 }, () => {
    const doc = JSON.parse(
      '{"name": "A.main", "nodes": [{"id": 9007199254740993, "name": "a", "op": "CONST_STR", "attributes": {"value": "x"}}], "edges": []}',
    ) as unknown;
    const [p] = problems(doc);
    assert.equal(p.place.jsonPath, '$.nodes[0].id');
    assert.match(p.message, /node id must be a whole number from 0 to 2\^53 - 1 \(9007199254740991\), got 9007199254740992/);
  });

  it('suggests the closest op name', () => {
    const [d] = problems(ok({ nodes: [{ id: 1, name: 'a', op: 'AKS' }], edges: [] }));
    assert.match(d.hint ?? '', /ASK/);
  });

  it('names the nodes of a cycle', () => {
    const found = problems(
      ok({
        nodes: [
          { id: 1, name: 'a', op: 'MERGE' },
          { id: 2, name: 'b', op: 'MERGE' },
          { id: 3, name: 'c', op: 'MERGE' },
        ],
        edges: [
          { from: 1, to: 2, dependency: 'Data' },
          { from: 2, to: 3, dependency: 'Data' },
          { from: 3, to: 2, dependency: 'Data' },
        ],
      }),
    );
    const cyc = found.find((d) => d.code === 'E_PROGRAM_CYCLE');
    assert.ok(cyc);
    assert.match(cyc.message, /2 \(b\) → 3 \(c\)|3 \(c\) → 2 \(b\)/);
    assert.ok(['$.edges[1]', '$.edges[2]'].includes(cyc.place.jsonPath ?? ''), `the place is an edge of the cycle: ${cyc.place.jsonPath}`);
  });

  it('finds a cycle closing a 50,000-node chain without running out of stack', () => {
    const n = 50_000;
    const nodes = Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `n${i + 1}`, op: 'JUMP' }));
    const edges = Array.from({ length: n - 1 }, (_, i) => ({ from: i + 1, to: i + 2, dependency: 'Data' }));
    edges.push({ from: n, to: 1, dependency: 'Data' });
    const cyc = problems(ok({ nodes, edges })).find((d) => d.code === 'E_PROGRAM_CYCLE');
    assert.ok(cyc, 'the cycle is reported');
    assert.equal(cyc.place.jsonPath, `$.edges[${n - 1}]`, 'at the edge that closes it');
  });

  it('reports every problem at once', () => {
    const found = problems({ name: '', nodes: [{ id: 1, name: '', op: 'NOPE' }], edges: [{ from: 1, to: 5 }] });
    assert.ok(found.length >= 3, JSON.stringify(found));
  });

  it('rejects loop bodies that leak values past their LOOP_END', () => {
    const found = problems({
      name: 'L.main',
      nodes: [
        { id: 1, name: 's', op: 'LOOP_START', attributes: { count: 2 } },
        { id: 2, name: 'b', op: 'CONST_STR', attributes: { value: 'x' } },
        { id: 3, name: 'e', op: 'LOOP_END' },
        { id: 4, name: 'out', op: 'PRINT' },
      ],
      edges: [
        { from: 1, to: 2, dependency: 'Control' },
        { from: 2, to: 3, dependency: 'Data' },
        { from: 2, to: 4, dependency: 'Data' },
      ],
    });
    assert.ok(
      found.some((d) => /leaves the body of loop 1/.test(d.message) && d.place.jsonPath === '$.edges[2]'),
      JSON.stringify(found),
    );
  });

  it('checks FLOW_CALL targets and arity in a bundle', () => {
    const found = problems({
      entry: 'M.main',
      flows: [
        { name: 'Lib.f', parameters: [{ name: 'a', type_name: 'str' }], nodes: [{ id: 1, name: 'r', op: 'RETURN' }], edges: [] },
        {
          name: 'M.main',
          nodes: [
            { id: 1, name: 'c1', op: 'FLOW_CALL', attributes: { agent_name: 'Lib', flow_name: 'f' } },
            { id: 2, name: 'c2', op: 'FLOW_CALL', attributes: { agent_name: 'Lib', flow_name: 'missing' } },
          ],
          edges: [],
        },
      ],
    });
    assert.ok(found.some((d) => /passes 0 argument\(s\) but Lib.f takes 1/.test(d.message)));
    assert.ok(
      found.some(
        (d) =>
          d.code === 'E_PROGRAM_INVALID' && /not in this program/.test(d.message) && d.place.jsonPath === '$.flows[1].nodes[1].attributes',
      ),
    );
  });

  it('refuses timeout_ms and memory_mb outside their ranges at load, naming the range and the JSON path', () => {
    const doc = {
      name: 'A.main',
      nodes: [
        { id: 1, name: 'a', op: 'EXC', attributes: { code: '1', timeout_ms: 1e10, memory_mb: 0.5 } },
        { id: 2, name: 'b', op: 'EXC', attributes: { code: '1', memory_mb: 4096 } },
        { id: 3, name: 'c', op: 'INV', attributes: { capability: 't', timeout_ms: 'soon' } },
        { id: 4, name: 'd', op: 'EXC', attributes: { code: '1', timeout_ms: 2147483647, memory_mb: 1024 } },
      ],
      edges: [],
    };
    assert.deepEqual(
      problems(doc).map((d) => [d.place.jsonPath, d.message]),
      [
        ['$.nodes[0].attributes.timeout_ms', '"timeout_ms" of EXC node 1 must be a number from 1 to 2147483647, got 10000000000'],
        ['$.nodes[0].attributes.memory_mb', '"memory_mb" of EXC node 1 must be a number from 1 to 1024, got 0.5'],
        ['$.nodes[1].attributes.memory_mb', '"memory_mb" of EXC node 2 must be a number from 1 to 1024, got 4096'],
        ['$.nodes[2].attributes.timeout_ms', '"timeout_ms" of INV node 3 must be a number from 1 to 2147483647, got "soon"'],
      ],
    );
  });
  // Each FLOW_CALL searched the flow list and an unknown one listed every flow in its hint: a
  // program of n flows calling each other took n² steps and printed n² names.
  const callChain = (n: number, target: (i: number) => string) => ({
    entry: 'A.f0',
    flows: Array.from({ length: n }, (_, i) => ({
      name: `A.f${i}`,
      nodes: [
        { id: 1, name: 'c', op: 'FLOW_CALL', attributes: { agent_name: 'A', flow_name: i + 1 < n ? target(i + 1) : 'f0' } },
        { id: 2, name: 'r', op: 'RETURN' },
      ],
      edges: [{ from: 1, to: 2, dependency: 'Data' }],
    })),
  });

  it('loads 30,000 flows that each FLOW_CALL the next', { timeout: 20_000 }, () => {
    assert.equal(
      programFromJson(
        callChain(30_000, (i) => `f${i}`),
        'chain.json',
      ).flows.length,
      30_000,
    );
  });

  it('names at most 20 flows in the hint for an unknown FLOW_CALL', { timeout: 20_000 }, () => {
    const found = problems(callChain(100, (i) => `g${i}`));
    assert.equal(found.length, 99);
    assert.match(found[0]!.hint ?? '', /^define it or call one of: A\.f0, A\.f1, .* … \(80 more\)$/);
  });

  it('reads a program saved with a byte-order mark', { timeout: 5_000 }, () => {
    const text = `\ufeff${JSON.stringify(ok())}`;
    assert.equal(loadProgramFromJsonText(text, 'bom.json').flows[0]!.qualifiedName, 'A.main');
  });
});
