// CONST_STR, PRINT, YIELD, JUMP, RETURN, MERGE, WAIT_ALL, FENCE, QMEM and UMEM.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { program } from '../../test/support/graphBuilder.js';
import { makeRuntime, recordEvents } from '../../test/support/harness.js';

describe('CONST_STR, PRINT, YIELD, JUMP, RETURN', () => {
  it('interpolates parameters, prints message then inputs, and returns the RETURN value', async () => {
    const rt = await makeRuntime();
    const log = recordEvents(rt);
    const r = await rt.execute(
      program({
        params: ['who'],
        nodes: [
          [1, 'CONST_STR', { value: 'hello {{who}}' }],
          [2, 'CONST_STR', { value: 'two' }],
          [3, 'PRINT', { message: 'said:' }],
          [4, 'YIELD'],
          [5, 'JUMP'],
          [6, 'RETURN'],
        ],
        edges: [
          [1, 3],
          [2, 3],
          [3, 4],
          [4, 5],
          [5, 6],
        ],
      }),
      { args: { who: 'Ada' } },
    );
    assert.equal(r.status, 'succeeded');
    assert.deepEqual(
      log.of('print').map((p) => p.text),
      ['said: hello Ada two'],
    );
    assert.equal(r.result, 'said: hello Ada two');
    assert.equal(r.outputs[1], 'hello Ada');
    await rt.dispose();
  });

  it('RETURN without inputs returns its value attribute', async () => {
    const rt = await makeRuntime();
    const r = await rt.execute(program({ nodes: [[1, 'RETURN', { value: { ok: true } }]] }));
    assert.deepEqual(r.result, { ok: true });
    await rt.dispose();
  });

  it('CONST_STR without a value is rejected when the program loads, at its JSON path', () => {
    assert.throws(
      () => program({ nodes: [[1, 'CONST_STR', {}]] }),
      (e: unknown) => {
        const d = (e as { details?: { diagnostics?: { place?: { jsonPath?: string }; message: string }[] } }).details?.diagnostics ?? [];
        return (
          d.some((x) => x.place?.jsonPath === '$.nodes[0].attributes.value' && /value/.test(x.message)) ||
          /\$\.nodes\[0\]/.test(String((e as { place?: { jsonPath?: string } }).place?.jsonPath))
        );
      },
    );
  });
});

describe('MERGE and WAIT_ALL', () => {
  const strategies: [string, Record<string, unknown>, unknown][] = [
    ['array', {}, ['a', 'b', 'c']],
    ['first', { strategy: 'first' }, 'a'],
    ['concat', { strategy: 'concat', separator: '+' }, 'a+b+c'],
    ['object', { strategy: 'object', keys: ['x', 'y'] }, { x: 'a', y: 'b', 2: 'c' }],
  ];
  for (const [name, attrs, expected] of strategies) {
    it(`MERGE ${name} waits for every input, in edge order`, async () => {
      const rt = await makeRuntime();
      const r = await rt.execute(
        program({
          nodes: [
            [1, 'CONST_STR', { value: 'a' }],
            [2, 'CONST_STR', { value: 'b' }],
            [3, 'CONST_STR', { value: 'c' }],
            [4, 'MERGE', attrs],
          ],
          edges: [
            [1, 4],
            [2, 4],
            [3, 4],
          ],
        }),
      );
      assert.deepEqual(r.result, expected);
      await rt.dispose();
    });
  }

  it('MERGE sum adds numbers and rejects an unknown strategy', async () => {
    const rt = await makeRuntime();
    const sum = await rt.execute(
      program({
        nodes: [
          [1, 'UMEM', { key: 'a', value: 2 }],
          [2, 'UMEM', { key: 'b', value: 40 }],
          [3, 'MERGE', { strategy: 'sum' }],
        ],
        edges: [
          [1, 3],
          [2, 3],
        ],
      }),
    );
    assert.equal(sum.outputs[3], 42);
    assert.throws(
      () =>
        program({
          nodes: [
            [1, 'CONST_STR', { value: 'a' }],
            [2, 'MERGE', { strategy: 'zip' }],
          ],
          edges: [[1, 2]],
        }),
      /unknown MERGE strategy "zip"/,
    );
    await rt.dispose();
  });

  it('WAIT_ALL collects every input and only then lets its dependants run', async () => {
    const rt = await makeRuntime();
    const log = recordEvents(rt);
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'CONST_STR', { value: 'x' }],
          [2, 'CONST_STR', { value: 'y' }],
          [3, 'WAIT_ALL'],
          [4, 'PRINT', { message: 'after' }],
        ],
        edges: [
          [1, 3],
          [2, 3],
          [3, 4],
        ],
      }),
    );
    assert.deepEqual(r.outputs[3], ['x', 'y']);
    assert.deepEqual(log.started().slice(-2), [3, 4]);
    await rt.dispose();
  });
});

describe('UMEM, QMEM and FENCE', () => {
  it('writes and searches STM within a run, with a k limit', async () => {
    const rt = await makeRuntime();
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'UMEM', { key: 'note:b', value: 'second' }],
          [2, 'UMEM', { key: 'note:a', value: 'first' }],
          [3, 'UMEM', { key: 'other', value: 'x' }],
          [4, 'FENCE'],
          [5, 'QMEM', { query: 'note', memory_tier: 'stm', limit: 1 }],
          [6, 'QMEM', { query: 'note', memory_tier: 'stm' }],
        ],
        edges: [
          [1, 4],
          [2, 4],
          [3, 4],
          [4, 5],
          [4, 6],
        ],
      }),
    );
    assert.equal(r.status, 'succeeded');
    assert.deepEqual(r.outputs[5], [{ key: 'note:a', value: 'first', score: 1 }]);
    assert.deepEqual(
      (r.outputs[6] as { key: string }[]).map((h) => h.key),
      ['note:a', 'note:b'],
    );
    await rt.dispose();
  });

  it('keeps LTM in the SQLite file across runtimes and finds it by key and by words', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-ltm-'));
    try {
      const dbPath = path.join(dir, 'memory.sqlite');
      const first = await makeRuntime({ memoryConfig: { dbPath } });
      const log = recordEvents(first);
      const w = await first.execute(
        program({
          nodes: [
            [1, 'CONST_STR', { value: 'Lisbon has yellow trams' }],
            [2, 'UMEM', { key: 'city:lisbon', memory_tier: 'ltm' }],
          ],
          edges: [[1, 2]],
        }),
      );
      assert.equal(w.status, 'succeeded');
      assert.deepEqual(
        log
          .of('memory:write')
          .filter((e) => e.tier === 'ltm')
          .map((e) => [e.key, e.value]),
        [['city:lisbon', 'Lisbon has yellow trams']],
      );
      await first.dispose();

      const second = await makeRuntime({ memoryConfig: { dbPath } });
      const r = await second.execute(
        program({
          nodes: [
            [1, 'QMEM', { query: 'city:', memory_tier: 'ltm' }],
            [2, 'QMEM', { query: 'yellow trams', memory_tier: 'ltm', mode: 'text' }],
            [3, 'QMEM', { query: 'city', memory_tier: 'ltm', k: 0 }],
          ],
        }),
      );
      assert.deepEqual(
        (r.outputs[1] as { key: string; value: unknown }[]).map((h) => [h.key, h.value]),
        [['city:lisbon', 'Lisbon has yellow trams']],
      );
      assert.deepEqual(
        (r.outputs[2] as { key: string }[]).map((h) => h.key),
        ['city:lisbon'],
      );
      assert.deepEqual(r.outputs[3], []);
      await second.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records episodic UMEM writes and finds them with QMEM on the episodic tier', async () => {
    const rt = await makeRuntime();
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'UMEM', { key: 'lesson', memory_tier: 'episodic', value: 'retry later' }],
          [2, 'FENCE'],
          [3, 'QMEM', { query: 'lesson', memory_tier: 'episodic' }],
        ],
        edges: [
          [1, 2],
          [2, 3],
        ],
      }),
    );
    const hits = r.outputs[3] as { value: { payload: unknown; node_id: number } }[];
    assert.equal(hits.length, 1);
    assert.equal(hits[0].value.payload, 'retry later');
    assert.equal(hits[0].value.node_id, 1);
    await rt.dispose();
  });

  it('rejects an unknown tier and a missing query when the program loads', () => {
    assert.throws(() => program({ nodes: [[1, 'UMEM', { key: 'k', value: 1, memory_tier: 'disk' }]] }), /unknown memory tier "disk"/);
    assert.throws(() => program({ nodes: [[1, 'QMEM', {}]] }), /query/);
  });
});
