import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundle, program } from '../../test/support/graphBuilder.js';
import { makeRuntime, recordEvents, tool } from '../../test/support/harness.js';

describe('BRANCH_ON_VALUE', () => {
  for (const [value, taken, skipped] of [
    [true, 3, 4],
    [false, 4, 3],
  ] as const) {
    it(`runs only the ${value} branch and skips what depends on the other`, async () => {
      const rt = await makeRuntime();
      const log = recordEvents(rt);
      const r = await rt.execute(
        program({
          nodes: [
            [1, 'BRANCH_ON_VALUE', { value }],
            [2, 'CONST_STR', { value: 'ctx' }],
            [3, 'CONST_STR', { value: 'yes' }],
            [4, 'CONST_STR', { value: 'no' }],
            [5, 'PRINT', { message: 'after yes' }],
            [6, 'PRINT', { message: 'after no' }],
            [7, 'MERGE', { strategy: 'first' }],
            [8, 'RETURN'],
          ],
          edges: [
            [1, 3, 'Control', 'true'],
            [1, 4, 'Control', 'false'],
            [2, 5],
            [3, 5],
            [2, 6],
            [4, 6],
            [5, 7],
            [6, 7],
            [7, 8],
          ],
        }),
      );
      assert.equal(r.status, 'succeeded');
      assert.equal(r.result, value ? 'after yes ctx yes' : 'after no ctx no');
      assert.ok(log.finished().includes(taken));
      const skippedIds = log.skipped();
      assert.ok(skippedIds.includes(skipped));
      assert.ok(skippedIds.includes(value ? 6 : 5), 'a node with a live input but a skipped one is skipped too');
      assert.equal(log.of('node:finished').length + skippedIds.length, 8);
      await rt.dispose();
    });
  }

  it('evaluates a condition attribute against its input', async () => {
    const rt = await makeRuntime();
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'CONST_STR', { value: '7' }],
          [2, 'BRANCH_ON_VALUE', { condition: '> 5' }],
          [3, 'CONST_STR', { value: 'big' }],
          [4, 'CONST_STR', { value: 'small' }],
          [5, 'MERGE', { strategy: 'first' }],
        ],
        edges: [
          [1, 2],
          [2, 3, 'Control', 'true'],
          [2, 4, 'Control', 'false'],
          [3, 5],
          [4, 5],
        ],
      }),
    );
    assert.equal(r.result, 'big');
    await rt.dispose();
  });
});

describe('SWITCH', () => {
  const router = (ticket: string) =>
    program({
      nodes: [
        [1, 'CONST_STR', { value: ticket }],
        [2, 'SWITCH', {}],
        [3, 'CONST_STR', { value: 'billing team' }],
        [4, 'CONST_STR', { value: 'bug team' }],
        [5, 'CONST_STR', { value: 'triage' }],
        [6, 'MERGE', { strategy: 'first' }],
        [7, 'RETURN'],
      ],
      edges: [
        [1, 2],
        [2, 3, 'Control', 'billing'],
        [2, 4, 'Control', 'bug'],
        [2, 5, 'Control', 'default'],
        [3, 6],
        [4, 6],
        [5, 6],
        [6, 7],
      ],
    });
  for (const [input, expected] of [
    ['billing', 'billing team'],
    ['Bug.', 'bug team'],
    ['weather', 'triage'],
  ]) {
    it(`routes ${JSON.stringify(input)} to ${expected} only`, async () => {
      const rt = await makeRuntime();
      const log = recordEvents(rt);
      const r = await rt.execute(router(input));
      assert.equal(r.result, expected);
      assert.equal(log.skipped().length, 2);
      await rt.dispose();
    });
  }
});

describe('LOOP_START / LOOP_END', () => {
  it("runs the body once per item and collects each iteration's value", async () => {
    const rt = await makeRuntime();
    const log = recordEvents(rt);
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'LOOP_START', { items: ['a', 'b', 'c'] }],
          [2, 'CONST_STR', { value: 'item {{item}} #{{index}}' }],
          [3, 'LOOP_END'],
          [4, 'RETURN'],
        ],
        edges: [
          [1, 2, 'Control'],
          [2, 3],
          [3, 4],
        ],
      }),
    );
    assert.equal(r.status, 'succeeded');
    assert.deepEqual(r.result, ['item a #0', 'item b #1', 'item c #2']);
    assert.equal(log.of('node:finished').filter((e) => e.nodeId === 2).length, 3);
    assert.equal(
      new Set(
        log
          .of('node:finished')
          .filter((e) => e.nodeId === 2)
          .map((e) => e.frameId),
      ).size,
      3,
      'each iteration is its own frame',
    );
    await rt.dispose();
  });

  it('iterates over an input array and uses values from before the loop', async () => {
    const rt = await makeRuntime();
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'MERGE'],
          [10, 'CONST_STR', { value: 'x' }],
          [11, 'CONST_STR', { value: 'y' }],
          [2, 'CONST_STR', { value: 'prefix' }],
          [3, 'LOOP_START'],
          [4, 'MERGE', { strategy: 'concat', separator: ':' }],
          [5, 'LOOP_END'],
        ],
        edges: [
          [10, 1],
          [11, 1],
          [1, 3],
          [3, 4],
          [2, 4],
          [4, 5],
        ],
      }),
    );
    assert.deepEqual(r.result, ['x:prefix', 'y:prefix']);
    await rt.dispose();
  });

  it('stops a while-loop when its condition fails', async () => {
    const rt = await makeRuntime();
    let calls = 0;
    tool(rt, 'count', () => ++calls);
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'LOOP_START', { while: '< 3', max_iterations: 10 }],
          [2, 'INV', { capability: 'count' }],
          [3, 'LOOP_END'],
        ],
        edges: [
          [1, 2, 'Control'],
          [2, 3],
        ],
      }),
    );
    assert.deepEqual(r.result, [1, 2, 3]);
    await rt.dispose();
  });

  it('refuses more iterations than max_iterations with a clear error', async () => {
    const rt = await makeRuntime();
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'LOOP_START', { count: 5, max_iterations: 2 }],
          [2, 'CONST_STR', { value: 'x' }],
          [3, 'LOOP_END'],
        ],
        edges: [
          [1, 2, 'Control'],
          [2, 3],
        ],
      }),
    );
    assert.equal(r.status, 'failed');
    assert.match(r.error?.message ?? '', /max_iterations/);
    await rt.dispose();
  });

  it('runs nested loops', async () => {
    const rt = await makeRuntime();
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'LOOP_START', { items: [1, 2], label: 'outer' }],
          [2, 'LOOP_START', { items: ['a', 'b'], label: 'inner' }],
          [3, 'CONST_STR', { value: '{{item}}' }],
          [4, 'LOOP_END', { label: 'inner' }],
          [5, 'LOOP_END', { label: 'outer' }],
        ],
        edges: [
          [1, 2, 'Control'],
          [2, 3, 'Control'],
          [3, 4],
          [4, 5],
        ],
      }),
    );
    assert.deepEqual(r.result, [
      ['a', 'b'],
      ['a', 'b'],
    ]);
    await rt.dispose();
  });
});

describe('TRY_CATCH', () => {
  it('runs the catch region with the error when the try region fails, skipping the rest of the try region', async () => {
    const rt = await makeRuntime();
    const log = recordEvents(rt);
    tool(rt, 'flaky', () => {
      throw new Error('service unavailable');
    });
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'TRY_CATCH'],
          [2, 'INV', { capability: 'flaky' }],
          [3, 'PRINT', { message: 'never' }],
          [4, 'PRINT', { message: 'recovered from' }],
          [5, 'MERGE', { strategy: 'first' }],
          [6, 'RETURN'],
        ],
        edges: [
          [1, 2, 'Control', 'try'],
          [2, 3],
          [1, 4, 'Data', 'catch'],
          [3, 5],
          [4, 5],
          [5, 6],
        ],
      }),
    );
    assert.equal(r.status, 'succeeded');
    assert.match(String(r.result), /^recovered from .*service unavailable/);
    assert.ok(log.skipped().includes(3));
    const failed = log.of('node:failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0].handled, true);
    await rt.dispose();
  });

  it('skips the catch region when the try region succeeds', async () => {
    const rt = await makeRuntime();
    const log = recordEvents(rt);
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'TRY_CATCH'],
          [2, 'CONST_STR', { value: 'fine' }],
          [3, 'CONST_STR', { value: 'handler' }],
          [4, 'MERGE', { strategy: 'first' }],
        ],
        edges: [
          [1, 2, 'Control', 'try'],
          [1, 3, 'Control', 'catch'],
          [2, 4],
          [3, 4],
        ],
      }),
    );
    assert.equal(r.result, 'fine');
    assert.deepEqual(log.skipped(), [3]);
    await rt.dispose();
  });

  it('catches ERR and a GUARD halt', async () => {
    const rt = await makeRuntime();
    for (const failing of [
      [2, 'ERR', { message: 'custom failure' }],
      [2, 'GUARD', { condition: 'not_empty' }],
    ] as const) {
      const r = await rt.execute(
        program({
          nodes: [
            [1, 'TRY_CATCH'],
            failing as unknown as [number, string, Record<string, unknown>],
            [3, 'CONST_STR', { value: 'handled' }],
            [4, 'MERGE', { strategy: 'first' }],
          ],
          edges: [
            [1, 2, 'Control', 'try'],
            [1, 3, 'Control', 'catch'],
            [2, 4],
            [3, 4],
          ],
        }),
      );
      assert.equal(r.status, 'succeeded', failing[1]);
      assert.equal(r.result, 'handled');
    }
    await rt.dispose();
  });
});

describe('GUARD', () => {
  it('passes its subject through, halts, or skips downstream', async () => {
    const rt = await makeRuntime();
    const run = (value: string, onFail: string) =>
      rt.execute(
        program({
          nodes: [
            [1, 'CONST_STR', { value }],
            [2, 'GUARD', { condition: '== go', on_fail: onFail }],
            [3, 'PRINT', { message: 'then' }],
          ],
          edges: [
            [1, 2],
            [2, 3],
          ],
        }),
      );
    assert.equal((await run('go', 'halt')).result, 'then go');
    const halted = await run('stop', 'halt');
    assert.equal(halted.status, 'failed');
    assert.equal(halted.error?.code, 'E_GUARD_HALT');
    const skipped = await run('stop', 'skip');
    assert.equal(skipped.status, 'succeeded');
    assert.equal(skipped.stats.nodesSkipped, 1);
    await rt.dispose();
  });
});

describe('FLOW_CALL', () => {
  it("binds inputs to the callee's parameters in order and returns its RETURN value", async () => {
    const rt = await makeRuntime();
    const log = recordEvents(rt);
    const p = bundle('Main.main', [
      {
        name: 'Lib.join',
        params: ['left', 'right'],
        nodes: [
          [1, 'CONST_STR', { value: '{{left}}-{{right}}' }],
          [2, 'RETURN'],
        ],
        edges: [[1, 2]],
      },
      {
        name: 'Main.main',
        isEntry: true,
        nodes: [
          [1, 'CONST_STR', { value: 'A' }],
          [2, 'CONST_STR', { value: 'B' }],
          [3, 'FLOW_CALL', { agent_name: 'Lib', flow_name: 'join' }],
          [4, 'RETURN'],
        ],
        edges: [
          [2, 3],
          [1, 3],
          [3, 4],
        ],
      },
    ]);
    const r = await rt.execute(p);
    assert.equal(r.result, 'B-A');
    const frames = log.of('frame:entered');
    assert.equal(frames.length, 2);
    assert.equal(frames[1].flow, 'Lib.join');
    assert.equal(frames[1].callerNodeId, 3);
    await rt.dispose();
  });

  it('stops runaway recursion at the depth limit', async () => {
    const rt = await makeRuntime({ schedulerConfig: { maxFlowDepth: 5 } });
    const p = bundle('Loop.main', [
      { name: 'Loop.main', isEntry: true, nodes: [[1, 'FLOW_CALL', { agent_name: 'Loop', flow_name: 'main' }]] },
    ]);
    const r = await rt.execute(p);
    assert.equal(r.status, 'failed');
    assert.match(r.error?.message ?? '', /depth/);
    await rt.dispose();
  });
});
