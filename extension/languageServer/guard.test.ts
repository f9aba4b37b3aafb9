import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guarded, guardedVoid } from './guard.js';

describe('guarded handlers', () => {
  it('turn an exception into a logged error and the empty reply', async () => {
    const logs: string[] = [];
    const hover = guarded<number, string | null>(
      'hover',
      (m) => logs.push(m),
      null,
      (n) => {
        if (n > 1) throw new Error('bad tree');
        return `ok ${n}`;
      },
    );
    assert.equal(await hover(1), 'ok 1');
    assert.equal(await hover(2), null);
    const list = guarded<void, string[]>(
      'completion',
      (m) => logs.push(m),
      [],
      async () => Promise.reject(new Error('async bad')),
    );
    assert.deepEqual(await list(), []);
    assert.equal(logs.length, 2);
    assert.match(logs[0], /^hover failed: Error: bad tree/);
    assert.match(logs[1], /^completion failed: Error: async bad/);
  });

  it('log a failing notification handler without throwing', async () => {
    const logs: string[] = [];
    const onChange = guardedVoid(
      'didChange',
      (m) => logs.push(m),
      (_uri: string) => {
        throw new TypeError('boom');
      },
    );
    assert.doesNotThrow(() => onChange('file:///a.ais'));
    await new Promise((r) => setImmediate(r));
    assert.match(logs[0], /didChange failed: TypeError: boom/);
  });
});
