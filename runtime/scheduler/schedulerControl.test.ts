/** The scheduler's control surface: pause, step one chosen node, resume, and what a debugger reads and edits while it holds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { program } from '../../test/support/graphBuilder.js';
import { makeRuntime, recordEvents, sleep } from '../../test/support/harness.js';

describe('scheduler control', () => {
  it('starts paused, steps exactly one op at a time, then resumes', { timeout: 20_000 }, async () => {
    const rt = await makeRuntime();
    const log = recordEvents(rt);
    const handle = rt.start(
      program({
        nodes: [
          [1, 'CONST_STR', { value: 'a' }],
          [2, 'CONST_STR', { value: 'b' }],
          [3, 'MERGE'],
          [4, 'RETURN'],
        ],
        edges: [
          [1, 3],
          [2, 3],
          [3, 4],
        ],
      }),
      { startPaused: true },
    );
    await sleep(1);
    assert.equal(log.started().length, 0);
    assert.equal(log.of('scheduler:paused')[0].reason, 'entry');
    assert.deepEqual(
      handle.execution.control
        .readyNodes()
        .map((n) => n.nodeId)
        .sort(),
      [1, 2],
    );
    const stepped = await handle.execution.control.step({ frameId: 1, nodeId: 2 });
    assert.equal(stepped?.nodeId, 2);
    assert.deepEqual(log.started(), [2]);
    await handle.execution.control.step();
    assert.deepEqual(log.started(), [2, 1]);
    handle.execution.control.resume();
    const r = await handle.result;
    assert.deepEqual(r.result, ['a', 'b']);
    await rt.dispose();
  });

  it('holds before a node the hook selects (a breakpoint) and runs it once after resume', { timeout: 20_000 }, async () => {
    const rt = await makeRuntime();
    const log = recordEvents(rt);
    let hits = 0;
    const pausedOnce = new Promise<void>((resolve) => rt.events.once('scheduler:paused', () => resolve()));
    const handle = rt.start(
      program({
        nodes: [
          [1, 'CONST_STR', { value: 'a' }],
          [2, 'PRINT', { message: 'm' }],
          [3, 'RETURN'],
        ],
        edges: [
          [1, 2],
          [2, 3],
        ],
      }),
      {
        hooks: { shouldPause: (n) => n.nodeId === 2 && ++hits > 0 },
      },
    );
    await pausedOnce;
    const paused = log.of('scheduler:paused')[0];
    assert.equal(paused.reason, 'breakpoint');
    assert.equal(paused.node?.nodeId, 2);
    assert.deepEqual(log.started(), [1]);
    handle.execution.control.resume();
    const r = await handle.result;
    assert.equal(r.status, 'succeeded');
    assert.equal(log.started().filter((n) => n === 2).length, 1);
    await rt.dispose();
  });

  it(
    'while held: frame outputs, the call chain, and the input of a node that waits changed before it starts',
    { timeout: 20_000 },
    async () => {
      const rt = await makeRuntime();
      try {
        const handle = rt.start(
          program({
            nodes: [
              [1, 'CONST_STR', { value: 'a' }],
              [2, 'CONST_STR', { value: 'b' }],
              [3, 'MERGE'],
              [4, 'RETURN'],
            ],
            edges: [
              [1, 3],
              [2, 3],
              [3, 4],
            ],
          }),
          { startPaused: true },
        );
        const control = handle.execution.control;
        assert.equal(control.isPaused, true);
        await control.step({ frameId: 1, nodeId: 1 });
        await control.step({ frameId: 1, nodeId: 2 });
        assert.deepEqual(control.frameOutputs(1), { 1: 'a', 2: 'b' });
        assert.deepEqual(
          control.readyNodes().map((n) => n.nodeId),
          [3],
        );
        const chain = control.frameChain(1);
        assert.equal(chain.length, 1);
        assert.equal(chain[0].frameId, 1);
        assert.equal(chain[0].callerNodeId, undefined);
        assert.equal(control.overrideInput(1, 3, 1, 'B'), true);
        // a node that ran already, and an input index it does not have, are refused
        assert.equal(control.overrideInput(1, 1, 0, 'x'), false);
        assert.equal(control.overrideInput(1, 3, 5, 'x'), false);
        control.resume();
        assert.equal(control.isPaused, false);
        const r = await handle.result;
        assert.deepEqual(r.result, ['a', 'B']);
      } finally {
        await rt.dispose();
      }
    },
  );
});
