import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { program } from '../../test/support/graphBuilder.js';
import { makeRuntime, recordEvents } from '../../test/support/harness.js';
import type { Value } from '../values/value.js';
import { jsonData } from './jsonData.js';
import { runInWorker, runSandboxed, type SandboxOptions } from './sandbox.js';
import { rejectsWith } from '../../test/support/assertions.js';

const MiB = 1024 * 1024;
const run = (code: string, options: Partial<SandboxOptions> = {}) =>
  runSandboxed(code, { inputs: [], timeoutMs: 5000, memoryLimitBytes: 32 * MiB, ...options });

describe('runSandboxed', () => {
  it('returns the value of the last expression', async () => {
    assert.deepEqual(await run('1 + 2'), { value: 3, logs: [] });
    assert.equal((await run('const xs = [1, 2, 3];\nxs.map((x) => x * x).join(",")')).value, '1,4,9');
    assert.deepEqual((await run('({ ok: true, list: [1, "two", null], nested: { a: 1.5 } })')).value, {
      ok: true,
      list: [1, 'two', null],
      nested: { a: 1.5 },
    });
  });

  // The result's copy assigned each key, so a "__proto__" key set the copy's prototype instead and
  // vanished: JSON.parse('{"__proto__": …}') came back as {}.
  it('keeps a "__proto__" key of the result as data, in EXC and in a capability result', { timeout: 20_000 }, async () => {
    const code = 'JSON.parse(\'{"__proto__": {"x": 1}, "a": [{"__proto__": 2}]}\')';
    const want = '{"__proto__":{"x":1},"a":[{"__proto__":2}]}';
    assert.equal(JSON.stringify((await run(code)).value), want);
    const checked = jsonData(JSON.parse(want));
    assert.ok(checked.ok);
    assert.equal(JSON.stringify(checked.value), want);
    assert.equal(Object.getPrototypeOf(checked.value), Object.prototype);
  });

  it('refuses a result nested deeper than 512 levels, naming the depth and where', { timeout: 20_000 }, async () => {
    const code = 'let a = []; for (let i = 0; i < 100000; i++) a = [a]; return a;';
    const e = await rejectsWith(() => run(code, { timeoutMs: 60_000 }), 'E_SANDBOX');
    assert.match(e.message, /a value nested deeper than 512 levels at \$(\[0\]){512}$/);
    assert.ok(jsonData(JSON.parse(`${'['.repeat(512)}${']'.repeat(512)}`)).ok);
    assert.equal(JSON.stringify(jsonData(JSON.parse(`${'['.repeat(513)}${']'.repeat(513)}`))).includes('deeper than 512'), true);
  });

  it('runs code with `return` as the body of a function of `inputs`', async () => {
    assert.equal((await run('return inputs[0].n * 2', { inputs: [{ n: 21 }] })).value, 42);
    assert.deepEqual((await run('const [a, b] = inputs;\nif (a > b) return "first";\nreturn { larger: b };', { inputs: [1, 5] })).value, {
      larger: 5,
    });
  });

  it('runs code that only mentions `return` inside a string or a nested function as a script', async () => {
    assert.equal((await run('"return policy: " + inputs[0]', { inputs: ['30 days'] })).value, 'return policy: 30 days');
    assert.deepEqual((await run('inputs.map((x) => { return x * 2 })', { inputs: [1, 2] })).value, [2, 4]);
    assert.equal((await run('return inputs[0] * 2', { inputs: [21] })).value, 42);
  });

  it('sees the inputs as a copy: changes inside do not reach the caller', async () => {
    const inputs: Value[] = [{ n: 1, tags: ['a'] }, 'text'];
    const r = await run('inputs[0].n = 99; inputs[0].tags.push("b"); [inputs[0].n, inputs[0].tags.length, inputs[1], inputs.length]', {
      inputs,
    });
    assert.deepEqual(r.value, [99, 2, 'text', 2]);
    assert.deepEqual(inputs, [{ n: 1, tags: ['a'] }, 'text']);
  });

  it('turns undefined into null', async () => {
    assert.equal((await run('undefined')).value, null);
    assert.equal((await run('return')).value, null);
  });

  it('captures console output line by line', async () => {
    const r = await run(
      'console.log("hello", 1, { b: 2 });\nconsole.warn("careful");\nconsole.error([1, 2]);\nconsole.info(true);\n"done"',
    );
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
      () =>
        run('const kept = [];\nlet s = "x";\nwhile (true) { s = s.repeat(2); kept.push(s); }', {
          memoryLimitBytes: 8 * MiB,
          timeoutMs: 10_000,
        }),
      'E_SANDBOX',
    );
    assert.equal(err.message, 'EXC code exceeded its 8 MB memory limit');
    assert.match(err.hint ?? '', /memory_mb/);
  });

  it('stops code that keeps many small strings alive with E_SANDBOX', async () => {
    const err = await rejectsWith(
      () =>
        run('const rows = [];\nfor (let i = 0; ; i++) rows.push(Array.from({ length: 1000 }, (_, j) => "row " + i + ":" + j));', {
          memoryLimitBytes: 8 * MiB,
          timeoutMs: 10_000,
        }),
      'E_SANDBOX',
    );
    assert.match(err.message, /memory limit/);
  });

  it('stops code that accumulates many 1 MiB strings with E_SANDBOX (not at the deadline)', async () => {
    // QuickJS's own malloc limit misses this (it cannot see block sizes in this build); the cap on
    // the engine's WebAssembly memory catches it.
    const err = await rejectsWith(
      () => run("const a = [];\nfor (;;) a.push('x'.repeat(1 << 20));", { memoryLimitBytes: 16 * MiB, timeoutMs: 20_000 }),
      'E_SANDBOX',
    );
    assert.equal(err.message, 'EXC code exceeded its 16 MB memory limit');
  });

  it('stops code that catches its out-of-memory errors and carries on, at the deadline', async () => {
    const err = await rejectsWith(
      () => run("const a = [];\nfor (;;) { try { a.push('x'.repeat(1 << 20)); } catch {} }", { memoryLimitBytes: 8 * MiB, timeoutMs: 300 }),
      'E_TIMEOUT',
    );
    assert.match(err.message, /300 ms/);
  });

  it('counts console output against the memory limit', async () => {
    const err = await rejectsWith(
      () => run("const s = 'y'.repeat(1 << 20);\nfor (;;) console.log(s);", { memoryLimitBytes: 8 * MiB, timeoutMs: 20_000 }),
      'E_SANDBOX',
    );
    assert.match(err.message, /8 MB memory limit/);
  });

  it('still works after a run ran out of memory', async () => {
    await rejectsWith(
      () =>
        run('let s = "x"; const k = []; while (true) { s = s.repeat(2); k.push(s); }', { memoryLimitBytes: 4 * MiB, timeoutMs: 10_000 }),
      'E_SANDBOX',
    );
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

  it('stops a running infinite loop at once when the signal aborts, with E_CANCELLED', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await rejectsWith(() => run('while (true) {}', { timeoutMs: 30_000, signal: controller.signal }), 'E_CANCELLED');
    assert.equal(err.message, 'EXC was cancelled');
  });

  it('keeps the event loop running while the code runs', async () => {
    let ticks = 0;
    const interval = setInterval(() => ticks++, 10);
    try {
      const r = await run('const end = Date.now() + 300;\nlet n = 0;\nwhile (Date.now() < end) n++;\nn > 0');
      assert.equal(r.value, true);
    } finally {
      clearInterval(interval);
    }
    assert.ok(ticks > 0, 'a timer fired while EXC ran');
  });

  it('runs calls side by side: one call is still running when another finishes', { timeout: 20_000 }, async () => {
    // A barrier, not a stopwatch: the looping call only ends when the other one has finished, so
    // with calls run one after the other this never completes (the loop's own limit is 30 s).
    const first = new AbortController();
    const looping = run('while (true) {}', { timeoutMs: 30_000, signal: first.signal });
    const others = Promise.all([1, 2].map((n) => run('return inputs[0] * 10', { inputs: [n] })));
    const done = await others.finally(() => first.abort());
    assert.deepEqual(
      done.map((r) => r.value),
      [10, 20],
    );
    // Had the loop waited for the others instead, it would not have started before the abort.
    assert.equal((await rejectsWith(() => looping, 'E_CANCELLED')).message, 'EXC was cancelled');
  });

  it('awaits a promise result within the time limit', { timeout: 20_000 }, async () => {
    assert.equal((await run('Promise.resolve(5)')).value, 5);
    assert.deepEqual((await run('(async () => { await null; return { n: inputs[0] }; })()', { inputs: [7] })).value, { n: 7 });
    assert.equal((await run('const x = await Promise.resolve(inputs[0]);\nreturn x * 2', { inputs: [21] })).value, 42);
    assert.equal((await run('await null;\nreturn "top-level await"')).value, 'top-level await');
    const rejected = await rejectsWith(() => run('Promise.reject(new RangeError("no way"))'), 'E_SANDBOX');
    assert.equal(rejected.message, 'EXC code threw RangeError: no way');
    const never = await rejectsWith(() => run('new Promise(() => {})'), 'E_SANDBOX');
    assert.equal(never.message, 'EXC code returned a promise that never settles');
    const spins = await rejectsWith(() => run('(async () => { await null; while (true) {} })()', { timeoutMs: 200 }), 'E_TIMEOUT');
    assert.match(spins.message, /200 ms/);
  });

  it('fails a result that is not JSON with E_SANDBOX naming what and where', { timeout: 30_000 }, async () => {
    const cases: [string, string][] = [
      ['const a = { list: [1] }; a.list.push(a); a', 'a circular reference (back to $) at $.list[1]'],
      ['({ total: 10n })', 'a BigInt (10n) at $.total'],
      ['2n ** 70n', 'a BigInt (1180591620717411303424n) at $'],
      ['({ tag: Symbol("k") })', 'a Symbol (Symbol(k)) at $.tag'],
      ['[1, () => 2]', 'a function at $[1]'],
      ['({ "odd key": NaN })', 'a non-finite number (NaN) at $["odd key"]'],
      ['({ m: new Map([[1, 2]]) })', 'a Map object (only plain objects and arrays are JSON) at $.m'],
      ['({ x: { toJSON() { throw new Error("nope") } } })', 'reading it (or its toJSON) threw Error: nope at $.x'],
      ['({ get y() { throw new TypeError("getter") } })', 'reading it (or its toJSON) threw TypeError: getter at $.y'],
      ['Promise.resolve({ late: 1n })', 'a BigInt (1n) at $.late'],
    ];
    for (const [code, what] of cases) {
      const err = await rejectsWith(() => run(code), 'E_SANDBOX');
      assert.equal(err.message, `EXC code returned a value that is not JSON: ${what}`, code);
    }
    // JSON's own rules still apply: toJSON is used, undefined is dropped from objects and null in arrays.
    assert.deepEqual((await run('({ d: new Date(0), gone: undefined, list: [undefined], shared: [s = { a: 1 }, s] })')).value, {
      d: '1970-01-01T00:00:00.000Z',
      list: [null],
      shared: [{ a: 1 }, { a: 1 }],
    });
  });

  it('describes a thrown Symbol, BigInt, Proxy or plain value as it is', { timeout: 20_000 }, async () => {
    const threw = async (code: string) => (await rejectsWith(() => run(code), 'E_SANDBOX')).message;
    assert.equal(await threw('throw Symbol("s")'), 'EXC code threw Symbol(s)');
    assert.equal(await threw('throw 2n'), 'EXC code threw 2n');
    assert.equal(await threw('throw { a: 1 }'), 'EXC code threw {"a":1}');
    assert.equal(await threw('throw null'), 'EXC code threw null');
    assert.equal(await threw('throw new Proxy({ p: 1 }, {})'), 'EXC code threw {"p":1}');
    assert.equal(
      await threw('throw new Proxy({}, { get() { throw 1 } })'),
      'EXC code threw a value that is not JSON (reading it (or its toJSON) threw 1 at $)',
    );
    assert.equal(await threw('console.log(1n, Symbol("c"), undefined); throw 1'), 'EXC code threw 1');
  });

  it('logs values JSON cannot carry as they are', { timeout: 20_000 }, async () => {
    assert.deepEqual((await run('console.log(1n, Symbol("c"), undefined, NaN, [1]); 0')).logs, ['1n Symbol(c) undefined NaN [1]']);
  });

  it('reports a failure of the worker itself as E_SANDBOX', async () => {
    const opts: SandboxOptions = { inputs: [], timeoutMs: 5000, memoryLimitBytes: 32 * MiB };
    const worker = (source: string) => new URL(`data:text/javascript,${encodeURIComponent(source)}`);
    const thrown = await rejectsWith(() => runInWorker(worker('throw new Error("engine exploded")'), '1', opts), 'E_SANDBOX');
    assert.match(thrown.message, /^EXC sandbox failed: .*engine exploded/);
    const exited = await rejectsWith(() => runInWorker(worker('process.exit(3)'), '1', opts), 'E_SANDBOX');
    assert.match(exited.message, /exit code 3/);
    const garbled = await rejectsWith(
      () => runInWorker(worker('import { parentPort } from "node:worker_threads"; parentPort.postMessage(42)'), '1', opts),
      'E_SANDBOX',
    );
    assert.match(garbled.message, /unexpected reply/);
    const missing = await rejectsWith(() => runInWorker(new URL('./noSuchWorker.js', import.meta.url), '1', opts), 'E_SANDBOX');
    assert.match(missing.message, /^EXC sandbox failed/);
  });

  it('maps the worker running out of its JavaScript heap to the memory error', async () => {
    const worker = new URL(
      `data:text/javascript,${encodeURIComponent('const keep = []; for (;;) keep.push({ a: [1, 2, 3], b: "x" + keep.length });')}`,
    );
    const err = await rejectsWith(
      () => runInWorker(worker, '1', { inputs: [], timeoutMs: 20_000, memoryLimitBytes: 1 * MiB }),
      'E_SANDBOX',
    );
    assert.equal(err.message, 'EXC code exceeded its 1 MB memory limit');
  });

  it('terminates a worker that outlives its deadline from outside, with E_TIMEOUT', async () => {
    // A worker that never polls its own deadline (as if stuck in one long allocation).
    const worker = new URL(`data:text/javascript,${encodeURIComponent('for (;;) {}')}`);
    const err = await rejectsWith(() => runInWorker(worker, '1', { inputs: [], timeoutMs: 100, memoryLimitBytes: 32 * MiB }), 'E_TIMEOUT');
    assert.match(err.message, /ran past its 100 ms limit/);
  });

  it('does not start when the signal is already aborted', async () => {
    const err = await rejectsWith(() => run('1', { signal: AbortSignal.abort() }), 'E_CANCELLED');
    assert.match(err.message, /cancelled before it started/);
  });
});

describe('EXC in a run', () => {
  it("runs the code on the node's inputs and returns its value", async () => {
    const rt = await makeRuntime();
    try {
      const log = recordEvents(rt);
      const r = await rt.execute(
        program({
          nodes: [
            [1, 'CONST_STR', { value: 'ship it' }],
            [2, 'EXC', { code: 'console.log("got", inputs[0]);\nreturn inputs[0] + "!"' }],
            [3, 'RETURN'],
          ],
          edges: [
            [1, 2],
            [2, 3],
          ],
        }),
      );
      assert.equal(r.status, 'succeeded', r.error?.message);
      assert.equal(r.result, 'ship it!');
      assert.ok(
        log.of('print').some((e) => e.text === 'got ship it'),
        'console output is printed',
      );
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

  it('cancels the run while the code is still running', async () => {
    const rt = await makeRuntime();
    try {
      const ac = new AbortController();
      rt.events.on('node:started', (e) => e.nodeId === 1 && setTimeout(() => ac.abort(), 50));
      const t0 = Date.now();
      const r = await rt.execute(
        program({
          nodes: [
            [1, 'EXC', { code: 'while (true) {}', timeout_ms: 30_000 }],
            [2, 'RETURN'],
          ],
          edges: [[1, 2]],
        }),
        { signal: ac.signal },
      );
      assert.equal(r.status, 'cancelled');
      assert.equal(r.error?.code, 'E_CANCELLED');
      assert.ok(Date.now() - t0 < 20_000, 'the run did not wait for the EXC deadline');
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
