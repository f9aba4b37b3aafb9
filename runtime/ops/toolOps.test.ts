import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { program } from '../../test/support/graphBuilder.js';
import { makeRuntime, tool } from '../../test/support/harness.js';

describe('INV parameters', () => {
  it('fills {k} and {{name}} in one pass: an input that contains a placeholder reaches the tool as written', async () => {
    const rt = await makeRuntime();
    const seen: unknown[] = [];
    tool(rt, 'make', async () => 'left {{secret}} alone');
    tool(rt, 'echo', async (params) => {
      seen.push(params);
      return 'ok';
    });
    const r = await rt.execute(
      program({
        params: ['secret'],
        nodes: [
          [1, 'INV', { capability: 'make' }],
          [2, 'INV', { capability: 'echo', params: { a: '{{secret}}', b: 'got {0}', whole: '{0}' } }],
        ],
        edges: [[1, 2]],
      }),
      { args: { secret: 's3cr3t' } },
    );
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.deepEqual(seen, [{ a: 's3cr3t', b: 'got left {{secret}} alone', whole: 'left {{secret}} alone' }]);
    await rt.dispose();
  });
});
