import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CapabilityRecord } from './capabilityRecord.js';
import { CapabilitySystem } from './capabilitySystem.js';
import { CAPABILITY_MODULE_NAME, findCapabilityModule, loadCapabilityModule } from './workspaceModule.js';
import { rejectsWith } from '../../test/support/assertions.js';

const examplesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');

const tmpDirs: string[] = [];
after(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

function tmpDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'apxm-capmod-'));
  tmpDirs.push(d);
  return d;
}

/** Writes `source` to a fresh directory as `name` and returns its absolute path. */
function writeModule(source: string, name = CAPABILITY_MODULE_NAME): string {
  const file = path.join(tmpDir(), name);
  writeFileSync(file, source);
  return file;
}

describe('loadCapabilityModule', () => {
  it('registers every tool of the default export with its schema, timeout and the module as source', async () => {
    const file = writeModule(`
      export default {
        greet: {
          description: 'Say hello',
          parameters: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
          timeoutMs: 2500,
          async handler({ name }, ctx) { ctx.log('greeting ' + name); return 'hello ' + name; },
        },
        now: { handler: () => ({ year: 2024 }) },
      };
    `);
    const sys = new CapabilitySystem();
    const names = await loadCapabilityModule(file, sys);
    assert.deepEqual(names, ['greet', 'now']);
    assert.deepEqual(sys.get('greet'), {
      name: 'greet',
      description: 'Say hello',
      schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
      timeoutMs: 2500,
      source: { kind: 'module', file },
    });
    assert.deepEqual(sys.get('now'), {
      name: 'now',
      description: '',
      schema: { type: 'object' },
      timeoutMs: 30_000,
      source: { kind: 'module', file },
    });
    const logs: string[] = [];
    assert.equal(await sys.invoke('greet', { name: 'Ada' }, { log: (m) => logs.push(m) }), 'hello Ada');
    assert.deepEqual(logs, ['greeting Ada']);
    assert.deepEqual(await sys.invoke('now', {}), { year: 2024 });
    await rejectsWith(() => sys.invoke('greet', {}), 'E_CAPABILITY_ARGS');
  });

  it('resolves a relative path to an absolute source file', async () => {
    const file = writeModule('export default { t: { handler: () => 1 } };');
    const sys = new CapabilitySystem();
    await loadCapabilityModule(path.relative(process.cwd(), file), sys);
    assert.deepEqual(sys.get('t')?.source, { kind: 'module', file });
  });

  it('refuses a module without a default export, naming the file', async () => {
    const file = writeModule('export const greet = { handler: () => 1 };');
    const sys = new CapabilitySystem();
    const err = await rejectsWith(() => loadCapabilityModule(file, sys), 'E_CAPABILITY_MODULE');
    assert.equal(err.message, `capability module ${file} has no default export object`);
    assert.equal(err.place?.file, file);
    assert.match(err.hint ?? '', /export default/);
    assert.deepEqual(sys.listCapabilityNames(), []);
  });

  it('refuses a default export that is an array', async () => {
    const file = writeModule('export default [{ handler: () => 1 }];');
    const err = await rejectsWith(() => loadCapabilityModule(file, new CapabilitySystem()), 'E_CAPABILITY_MODULE');
    assert.match(err.message, /has no default export object/);
  });

  it('refuses an entry without a handler, naming the file and the tool', async () => {
    const file = writeModule(`export default { broken: { description: 'no handler here' } };`);
    const err = await rejectsWith(() => loadCapabilityModule(file, new CapabilitySystem()), 'E_CAPABILITY_MODULE');
    assert.equal(err.message, `${file}: capability "broken" has no handler function`);
    assert.equal(err.place?.file, file);
  });

  it('refuses entries with a bad description or parameters', async () => {
    const desc = writeModule('export default { t: { description: 42, handler() {} } };');
    assert.match(
      (await rejectsWith(() => loadCapabilityModule(desc, new CapabilitySystem()), 'E_CAPABILITY_MODULE')).message,
      /description that is not a string/,
    );
    const params = writeModule('export default { t: { parameters: "object", handler() {} } };');
    assert.match(
      (await rejectsWith(() => loadCapabilityModule(params, new CapabilitySystem()), 'E_CAPABILITY_MODULE')).message,
      /"parameters" that is not a JSON Schema object/,
    );
    const notObject = writeModule('export default { t: null };');
    assert.match(
      (await rejectsWith(() => loadCapabilityModule(notObject, new CapabilitySystem()), 'E_CAPABILITY_MODULE')).message,
      /capability "t" must be an object/,
    );
  });

  it('reports a module with a syntax error as E_CAPABILITY_MODULE naming the file', async () => {
    const file = writeModule('export default { oops: { handler( } };');
    const err = await rejectsWith(() => loadCapabilityModule(file, new CapabilitySystem()), 'E_CAPABILITY_MODULE');
    assert.ok(err.message.startsWith(`cannot load capability module ${file}: `), err.message);
    assert.ok(err.cause instanceof SyntaxError);
    assert.equal(err.place?.file, file);
  });

  it('reports a module that throws while loading', async () => {
    const file = writeModule('throw new Error("config missing"); export default {};');
    const err = await rejectsWith(() => loadCapabilityModule(file, new CapabilitySystem()), 'E_CAPABILITY_MODULE');
    assert.match(err.message, /config missing/);
  });

  it('reports a missing module file', async () => {
    const file = path.join(tmpDir(), 'nothing-here.mjs');
    const err = await rejectsWith(() => loadCapabilityModule(file, new CapabilitySystem()), 'E_CAPABILITY_MODULE');
    assert.equal(err.message, `capability module ${file} does not exist`);
  });

  it('reports a name clash with an already registered tool as E_CAPABILITY_DUPLICATE naming the file', async () => {
    const file = writeModule('export default { fresh: { handler: () => "fresh" }, greet: { handler: () => "from module" } };');
    const sys = new CapabilitySystem();
    sys.register('greet', new CapabilityRecord('from code', () => 'from code'));
    const err = await rejectsWith(() => loadCapabilityModule(file, sys), 'E_CAPABILITY_DUPLICATE');
    assert.ok(err.message.startsWith(`${file}: `), err.message);
    assert.match(err.message, /"greet" is already registered \(from code\)/);
    assert.equal(err.place?.file, file);
    assert.equal(await sys.invoke('greet', {}), 'from code', 'the existing tool is untouched');
    assert.deepEqual(sys.listCapabilityNames(), ['greet'], 'a failed load leaves none of its tools behind');
  });

  it('leaves no tools behind when a later entry is invalid', async () => {
    const file = writeModule('export default { good: { handler: () => 1 }, bad: { description: "x" } };');
    const sys = new CapabilitySystem();
    await rejectsWith(() => loadCapabilityModule(file, sys), 'E_CAPABILITY_MODULE');
    assert.deepEqual(sys.listCapabilityNames(), []);
  });

  it('reports an invalid tool name, parameter schema or timeout as a module error naming the file', async () => {
    const name = writeModule('export default { "has space": { handler: () => 1 } };');
    const err = await rejectsWith(() => loadCapabilityModule(name, new CapabilitySystem()), 'E_CAPABILITY_MODULE');
    assert.ok(err.message.startsWith(`${name}: invalid capability name`), err.message);
    const schema = writeModule('export default { t: { parameters: { type: "not-a-type" }, handler: () => 1 } };');
    assert.match(
      (await rejectsWith(() => loadCapabilityModule(schema, new CapabilitySystem()), 'E_CAPABILITY_MODULE')).message,
      /capability "t" has an invalid parameter schema/,
    );
    const notJson = writeModule('export default { t: { parameters: { type: "object", default: 1n }, handler: () => 1 } };');
    assert.match(
      (await rejectsWith(() => loadCapabilityModule(notJson, new CapabilitySystem()), 'E_CAPABILITY_MODULE')).message,
      /"parameters" that are not JSON: a BigInt \(1n\) at \$\.default/,
    );
    const timeout = writeModule('export default { t: { timeoutMs: 1e10, handler: () => 1 } };');
    assert.match(
      (await rejectsWith(() => loadCapabilityModule(timeout, new CapabilitySystem()), 'E_CAPABILITY_MODULE')).message,
      /invalid timeout 10000000000/,
    );
  });

  it('re-imports a module after it was edited', async () => {
    const file = writeModule('export default { v: { handler: () => 1 } };');
    const first = new CapabilitySystem();
    await loadCapabilityModule(file, first);
    assert.equal(await first.invoke('v', {}), 1);
    writeFileSync(file, 'export default { v: { handler: () => 2 } };');
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    const second = new CapabilitySystem();
    await loadCapabilityModule(file, second);
    assert.equal(await second.invoke('v', {}), 2);
  });
});

describe('capability modules run in a thread of their own', () => {
  it('stops a handler stuck in a synchronous loop at its timeout; the next call gets a fresh thread', { timeout: 20_000 }, async () => {
    const file = writeModule(`let calls = 0;
export default {
  spin: { timeoutMs: 300, handler() { for (;;) {} } },
  count: { handler: () => ++calls },
};`);
    const sys = new CapabilitySystem();
    try {
      await loadCapabilityModule(file, sys);
      assert.equal(await sys.invoke('count', {}), 1);
      const err = await rejectsWith(() => sys.invoke('spin', {}), 'E_TIMEOUT');
      assert.match(err.message, /"spin" did not finish within 300 ms/);
      // The stuck thread was terminated: the module was imported again, so its counter restarted.
      assert.equal(await sys.invoke('count', {}), 1);
    } finally {
      await sys.dispose();
    }
  });

  it('stops a handler stuck in a synchronous loop when the call is cancelled', { timeout: 20_000 }, async () => {
    const marker = path.join(tmpDir(), 'spinning');
    const file = writeModule(`import { writeFileSync } from 'node:fs';
export default { spin: { handler() { writeFileSync(${JSON.stringify(marker)}, 'x'); for (;;) {} } }, ok: { handler: () => 'ok' } };`);
    const sys = new CapabilitySystem();
    try {
      await loadCapabilityModule(file, sys);
      const controller = new AbortController();
      const poll = setInterval(() => existsSync(marker) && controller.abort(), 10);
      try {
        await rejectsWith(() => sys.invoke('spin', {}, { signal: controller.signal, timeoutMs: 60_000 }), 'E_CANCELLED');
      } finally {
        clearInterval(poll);
      }
      assert.equal(await sys.invoke('ok', {}), 'ok');
    } finally {
      await sys.dispose();
    }
  });

  it('keeps the thread (and the calls it runs) when an abandoned handler gives it back', { timeout: 20_000 }, async () => {
    const file = writeModule(`let loads = (globalThis.loads ?? 0) + 1;
export default {
  hang: { handler: () => new Promise(() => {}) },
  slow: { handler: () => new Promise((resolve) => setTimeout(() => resolve(loads), 2500)) },
};`);
    const sys = new CapabilitySystem();
    try {
      await loadCapabilityModule(file, sys);
      const slow = sys.invoke('slow', {});
      await rejectsWith(() => sys.invoke('hang', {}, { timeoutMs: 100 }), 'E_TIMEOUT');
      assert.equal(await slow, 1, 'the other call finished on the same thread');
    } finally {
      await sys.dispose();
    }
  });

  it('fails a BigInt or circular result with its JSON path', { timeout: 20_000 }, async () => {
    const file = writeModule(`export default {
  big: { handler: () => ({ rows: [{ id: 9007199254740993n }] }) },
  loop: { handler: () => { const a = { b: {} }; a.b.back = a; return a; } },
  fn: { handler: () => [Symbol.iterator] },
};`);
    const sys = new CapabilitySystem();
    try {
      await loadCapabilityModule(file, sys);
      assert.equal(
        (await rejectsWith(() => sys.invoke('big', {}), 'E_CAPABILITY_FAILED')).message,
        'capability "big" returned a value that is not JSON: a BigInt (9007199254740993n) at $.rows[0].id',
      );
      assert.equal(
        (await rejectsWith(() => sys.invoke('loop', {}), 'E_CAPABILITY_FAILED')).message,
        'capability "loop" returned a value that is not JSON: a circular reference (back to $) at $.b.back',
      );
      assert.equal(
        (await rejectsWith(() => sys.invoke('fn', {}), 'E_CAPABILITY_FAILED')).message,
        'capability "fn" returned a value that is not JSON: a Symbol (Symbol(Symbol.iterator)) at $[0]',
      );
    } finally {
      await sys.dispose();
    }
  });

  // A thrown plain object read "[object Object]", and a thrown message was passed on whole however long.
  it('reports what a handler threw as one bounded line', { timeout: 20_000 }, async () => {
    const file = writeModule(`export default {
  obj: { handler: () => { throw { message: 'quota exceeded', status: 429 }; } },
  data: { handler: () => { throw { status: 503 }; } },
  long: { handler: () => { throw new Error('x'.repeat(1_000_000)); } },
};`);
    const sys = new CapabilitySystem();
    try {
      await loadCapabilityModule(file, sys);
      assert.match((await rejectsWith(() => sys.invoke('obj', {}), 'E_CAPABILITY_FAILED')).message, /failed: quota exceeded$/);
      assert.match((await rejectsWith(() => sys.invoke('data', {}), 'E_CAPABILITY_FAILED')).message, /failed: \{"status":503\}$/);
      const long = (await rejectsWith(() => sys.invoke('long', {}), 'E_CAPABILITY_FAILED')).message;
      assert.ok(long.length < 2100, `message of ${long.length} characters`);
      assert.match(long, /x… \(998000 more characters\)$/);
    } finally {
      await sys.dispose();
    }
  });

  it('cancels the load of a module whose top level never finishes', { timeout: 20_000 }, async () => {
    const file = writeModule('for (;;) {}\nexport default {};');
    const sys = new CapabilitySystem();
    const err = await rejectsWith(() => loadCapabilityModule(file, sys, { signal: AbortSignal.timeout(200) }), 'E_CANCELLED');
    assert.match(err.message, /loading .* was cancelled/);
    assert.deepEqual(sys.listCapabilityNames(), []);
  });
});

describe('findCapabilityModule', () => {
  it('finds apxm.capabilities.mjs next to the program file', () => {
    const dir = tmpDir();
    const programFile = path.join(dir, 'program.json');
    writeFileSync(programFile, '{}');
    assert.equal(findCapabilityModule(programFile), undefined);
    writeFileSync(path.join(dir, CAPABILITY_MODULE_NAME), 'export default {};');
    assert.equal(findCapabilityModule(programFile), path.join(dir, 'apxm.capabilities.mjs'));
  });

  it('resolves a relative program path', () => {
    const found = findCapabilityModule(path.relative(process.cwd(), path.join(examplesDir, 'trip-planner.json')));
    assert.equal(found, path.join(examplesDir, 'apxm.capabilities.mjs'));
  });
});

describe('examples/apxm.capabilities.mjs', () => {
  it('loads the example tools; fetch_source fails for the wiki and works for other sources', async () => {
    const sys = new CapabilitySystem();
    const file = path.join(examplesDir, 'apxm.capabilities.mjs');
    const names = await loadCapabilityModule(file, sys);
    assert.deepEqual([...names].sort(), ['changelog', 'ci_status', 'fetch_source']);
    assert.deepEqual(sys.get('fetch_source')?.source, { kind: 'module', file });
    const err = await rejectsWith(() => sys.invoke('fetch_source', { source: 'wiki' }), 'E_CAPABILITY_FAILED');
    assert.match(err.message, /wiki is unreachable/);
    assert.equal(await sys.invoke('fetch_source', { source: 'news' }), 'Latest from news: three short items about the topic.');
    assert.deepEqual(await sys.invoke('ci_status', { branch: 'main' }), { branch: 'main', status: 'green', checks: 412, failed: 0 });
    await rejectsWith(() => sys.invoke('changelog', {}), 'E_CAPABILITY_ARGS');
  });
});
