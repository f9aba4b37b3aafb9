import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSuite } from './suiteRunner.js';

describe('the extension-host suite runner', () => {
  it('counts passes and failures, keeps going after a failure and runs afterEach after every test', { timeout: 10_000 }, async () => {
    const lines: string[] = [];
    const order: string[] = [];
    const result = await runSuite(
      [
        { name: 'fails', timeoutMs: 1_000, fn: async () => assert.equal(1, 2) },
        { name: 'passes', timeoutMs: 1_000, fn: async () => void order.push('passes') },
      ],
      (l) => lines.push(l),
      async () => void order.push('after'),
    );
    assert.equal(result.passed, 1);
    assert.equal(result.failed, 1);
    assert.equal(result.failures[0].name, 'fails');
    assert.match(result.failures[0].error, /Expected values to be strictly equal/);
    assert.deepEqual(order, ['after', 'passes', 'after']);
    assert.equal(lines.at(-1), 'integration: 1 passed, 1 failed');
    assert.ok(lines.includes('ok - passes'), lines.join('\n'));
  });

  it('fails a test that outlives its timeout, names it, and still runs afterEach', { timeout: 10_000 }, async () => {
    let cleaned = false;
    const never = new Promise<void>(() => undefined);
    const result = await runSuite(
      [{ name: 'hangs', timeoutMs: 50, fn: () => never }],
      () => undefined,
      async () => {
        cleaned = true;
      },
    );
    assert.equal(result.failed, 1);
    assert.match(result.failures[0].error, /'hangs' timed out after 50 ms/);
    assert.equal(cleaned, true);
  });
});
