import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { program } from '../../test/support/graphBuilder.js';
import { makeRuntime, recordEvents } from '../../test/support/harness.js';
import { ApxmError, type ErrorCode } from '../errors.js';
import type { Value } from '../values/value.js';
import { runSandboxed, type SandboxOptions } from './sandbox.js';

const MiB = 1024 * 1024;
const run = (code: string, options: Partial<SandboxOptions> = {}) =>
  runSandboxed(code, { inputs: [], timeoutMs: 5000, memoryLimitBytes: 32 * MiB, ...options });

async function rejectsWith(fn: () => Promise<unknown>, code: ErrorCode): Promise<ApxmError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ApxmError, `expected an ApxmError ${code}, got ${caught === undefined ? 'no error' : String(caught)}`);
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`);
  return caught;
}

describe('runSandboxed', () => {
  it('returns the value of the last expression', async () => {
    assert.deepEqual(await run('1 + 2'), { value: 3, logs: [] });
    assert.equal((await run('const xs = [1, 2, 3];\nxs.map((x) => x * x).join(",")')).value, '1,4,9');
    assert.deepEqual((await run('({ ok: true, list: [1, "two", null], nested: { a: 1.5 } })')).value, { ok: true, list: [1, 'two', null], nested: { a: 1.5 } });
  });

  it('runs code with `return` as the body of a function of `inputs`', async () => {
    assert.equal((await run('return inputs[0].n * 2', { inputs: [{ n: 21 }] })).value, 42);
    assert.deepEqual((await run('const [a, b] = inputs;\nif (a > b) return "first";\nreturn { larger: b };', { inputs: [1, 5] })).value, { larger: 5 });
  });

  it('sees the inputs as a copy: changes inside do not reach the caller', async () => {
    const inputs: Value[] = [{ n: 1, tags: ['a'] }, 'text'];
    const r = await run('inputs[0].n = 99; inputs[0].tags.push("b"); [inputs[0].n, inputs[0].tags.length, inputs[1], inputs.length]', { inputs });
    assert.deepEqual(r.value, [99, 2, 'text', 2]);
    assert.deepEqual(inputs, [{ n: 1, tags: ['a'] }, 'text']);
  });

  it('turns undefined into null', async () => {
    assert.equal((await run('undefined')).value, null);
    assert.equal((await run('return')).value, null);
  });

  it('captures console output line by line', async () => {
    const r = await run('console.log("hello", 1, { b: 2 });\nconsole.warn("careful");\nconsole.error([1, 2]);\nconsole.info(true);\n"done"');
    assert.equal(r.value, 'done');
    assert.deepEqual(r.logs, ['hello 1 {"b":2}', 'careful', '[1,2]', 'true']);
  });

  it('stops an infinite loop at the deadline with E_TIMEOUT', async () => {
    const err = await rejectsWith(() => run('while (true) {}', { timeoutMs: 200 }), 'E_TIMEOUT');
    assert.match(err.message, /ran past its 200 ms limit/);
    assert.match(err.hint ?? '', /timeout_ms/);
  });

  it('stops code that outgrows the memory limit with E_SANDBOX (before a generous deadline)', async () => {
    // An array of ever longer strings: each step doubles, so the limit is reached after a few steps.
    const err = await rejectsWith(
      () => run('const kept = [];\nlet s = "x";\nwhile (true) { s = s.repeat(2); kept.push(s); }', { memoryLimitBytes: 8 * MiB, timeoutMs: 10_000 }),
      'E_SANDBOX',
    );
    assert.equal(err.message, 'EXC code exceeded its 8 MB memory limit');
    assert.match(err.hint ?? '', /memory_mb/);
  });

  it('stops code that keeps many small strings alive with E_SANDBOX', async () => {
    const err = await rejectsWith(
      () => run('const rows = [];\nfor (let i = 0; ; i++) rows.push(Array.from({ length: 1000 }, (_, j) => "row " + i + ":" + j));', { memoryLimitBytes: 8 * MiB, timeoutMs: 10_000 }),
      'E_SANDBOX',
    );
    assert.match(err.message, /memory limit/);
  });

  it('still works after a run ran out of memory', async () => {
    await rejectsWith(() => run('let s = "x"; const k = []; while (true) { s = s.repeat(2); k.push(s); }', { memoryLimitBytes: 4 * MiB, timeoutMs: 10_000 }), 'E_SANDBOX');
    assert.equal((await run('6 * 7')).value, 42);
  });

  it('has no Node globals', async () => {
    const r = await run('[typeof require, typeof process, typeof module, typeof fetch, typeof setTimeout, typeof globalThis.Buffer]');
    assert.deepEqual(r.value, ['undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined']);
    const err = await rejectsWith(() => run('require("node:fs").readFileSync("/etc/passwd", "utf8")'), 'E_SANDBOX');
    assert.match(err.message, /ReferenceError/);
    assert.match(err.message, /require/);
  });

  it('reports a throw as E_SANDBOX with the thrown message', async () => {
    const err = await rejectsWith(() => run('throw new TypeError("bad input: " + inputs[0])', { inputs: ['x'] }), 'E_SANDBOX');
    assert.equal(err.message, 'EXC code threw TypeError: bad input: x');
    const str = await rejectsWith(() => run('throw "just a string"'), 'E_SANDBOX');
    assert.equal(str.message, 'EXC code threw just a string');
  });

  it('reports a syntax error as E_SANDBOX', async () => {
    const err = await rejectsWith(() => run('const = 1'), 'E_SANDBOX');
    assert.match(err.message, /SyntaxError/);
  });

  it('does not start when the signal is already aborted', async () => {
    const err = await rejectsWith(() => run('1', { signal: AbortSignal.abort() }), 'E_CANCELLED');
    assert.match(err.message, /cancelled before it started/);
  });
});

describe('EXC in a run', () => {
  it('runs the code on the node\'s inputs and returns its value', async () => {
    const rt = await makeRuntime();
    try {
      const log = recordEvents(rt);
      const r = await rt.execute(program({
        nodes: [[1, 'CONST_STR', { value: 'ship it' }], [2, 'EXC', { code: 'console.log("got", inputs[0]);\nreturn inputs[0] + "!"' }], [3, 'RETURN']],
        edges: [[1, 2], [2, 3]],
      }));
      assert.equal(r.status, 'succeeded', r.error?.message);
      assert.equal(r.result, 'ship it!');
      assert.ok(log.of('print').some((e) => e.text === 'got ship it'), 'console output is printed');
    } finally {
      await rt.dispose();
    }
  });

  it('fails the run with E_TIMEOUT when the code runs past timeout_ms', async () => {
    const rt = await makeRuntime();
    try {
      const r = await rt.execute(program({ nodes: [[1, 'EXC', { code: 'while (true) {}', timeout_ms: 150 }]] }));
      assert.equal(r.status, 'failed');
      assert.equal(r.error?.code, 'E_TIMEOUT');
      assert.equal(r.error?.nodeId, 1);
    } finally {
      await rt.dispose();
    }
  });

  it('fails the run with E_SANDBOX when the code throws', async () => {
    const rt = await makeRuntime();
    try {
      const r = await rt.execute(program({ nodes: [[1, 'EXC', { code: 'throw new Error("nope")' }]] }));
      assert.equal(r.status, 'failed');
      assert.equal(r.error?.code, 'E_SANDBOX');
      assert.match(r.error?.message ?? '', /nope/);
    } finally {
      await rt.dispose();
    }
  });
});
