/**
 * The capability explorer's catalogue: origins (host, workspace module, MCP server), per-session
 * stats counted from real runs, the workspace catalogue without a session (trusted, untrusted,
 * broken module), and explorer invocations checked against the schema before the call.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { program } from '../../test/support/graphBuilder.js';
import { makeRuntime, tool } from '../../test/support/harness.js';
import { CapabilitySystem } from '../capabilities/capabilitySystem.js';
import { CapabilityRecord } from '../capabilities/capabilityRecord.js';
import { loadCapabilityModule } from '../capabilities/workspaceModule.js';
import { CapabilityStats, catalogOf, workspaceCatalog } from './capabilityCatalog.js';
import { invokeChecked, invokeProblem } from './capabilityInvoke.js';
import { pointerToJsonPath, schemaViolations } from '../values/jsonSchema.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const echoServer = path.join(repoRoot, 'test', 'fixtures', 'mcp', 'echoServer.mjs');

const tmpDirs: string[] = [];
after(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});
function tmpDir(files: Record<string, string>): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'apxm-catalog-'));
  tmpDirs.push(d);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(d, name), text);
  return d;
}

const MODULE = `export default {
  greet: { description: 'Say hello', parameters: { type: 'object', properties: { who: { type: 'string' } }, required: ['who'] }, async handler({ who }) { return 'hello ' + who; } },
  boom: { description: 'Always fails', async handler() { throw new Error('kaboom'); } },
};`;

describe('capability catalogue', () => {
  it('names each capability’s origin: host code, the workspace module, an MCP server', { timeout: 30_000 }, async () => {
    const dir = tmpDir({
      'apxm.capabilities.mjs': MODULE,
      'apxm.config.json': JSON.stringify({ mcpServers: { fx: { command: process.execPath, args: [echoServer] } } }),
    });
    const cat = await workspaceCatalog(dir, { trusted: true });
    assert.deepEqual(cat.problems, []);
    const by = new Map(cat.capabilities.map((c) => [c.name, c]));
    assert.equal(by.get('greet')?.origin, 'workspace');
    assert.equal(by.get('greet')?.file, path.join(dir, 'apxm.capabilities.mjs'));
    assert.equal(by.get('greet')?.description, 'Say hello');
    assert.deepEqual(by.get('greet')?.schema, { type: 'object', properties: { who: { type: 'string' } }, required: ['who'] });
    assert.equal(by.get('fx.echo')?.origin, 'mcp:fx');
    assert.equal(by.get('fx.echo')?.file, path.join(dir, 'apxm.config.json'));
    assert.deepEqual(by.get('fx.echo')?.schema, { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] });
    const host = new CapabilitySystem();
    host.register('lookup', new CapabilityRecord('from code', () => 1));
    assert.equal(catalogOf(host).capabilities[0].origin, 'host');
  });

  it('untrusted: neither the module nor the MCP servers are loaded, and each says why', { timeout: 30_000 }, async () => {
    const marker = path.join(os.tmpdir(), `apxm-catalog-ran-${process.pid}`);
    const dir = tmpDir({
      // importing this module would write the marker: it must not run
      'apxm.capabilities.mjs': `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'ran'); export default {};`,
      'apxm.config.json': JSON.stringify({ mcpServers: { fx: { command: process.execPath, args: [echoServer] } } }),
    });
    const cat = await workspaceCatalog(dir, { trusted: false });
    assert.deepEqual(cat.capabilities, []);
    assert.deepEqual(
      cat.problems.map((p) => [p.origin, p.untrusted]),
      [
        ['workspace', true],
        ['mcp:fx', true],
      ],
    );
    assert.match(cat.problems[0].message, /not trusted/);
    assert.throws(() => rmSync(marker), /ENOENT/);
  });

  it('a broken module is a problem of its origin, and the MCP tools are still listed', { timeout: 30_000 }, async () => {
    const dir = tmpDir({
      'apxm.capabilities.mjs': 'export default 42;',
      'apxm.config.json': JSON.stringify({ mcpServers: { fx: { command: process.execPath, args: [echoServer] } } }),
    });
    const cat = await workspaceCatalog(dir, { trusted: true });
    assert.equal(cat.problems.length, 1);
    assert.equal(cat.problems[0].origin, 'workspace');
    assert.match(cat.problems[0].message, /no default export object/);
    assert.ok(cat.capabilities.some((c) => c.name === 'fx.add'));
  });

  it('counts calls, latency and errors per capability from a run’s events', { timeout: 30_000 }, async () => {
    const rt = await makeRuntime();
    try {
      tool(rt, 'ok', () => ({ fine: true }));
      tool(rt, 'bad', () => {
        throw new Error('no luck');
      });
      const stats = new CapabilityStats();
      const changed: string[] = [];
      stats.onChange = (n) => changed.push(n);
      stats.attach(rt.events);
      const r = await rt.execute(
        program({
          nodes: [
            [1, 'INV', { capability: 'ok' }],
            [2, 'INV', { capability: 'ok' }],
            [3, 'TRY_CATCH', {}],
            [4, 'INV', { capability: 'bad' }],
          ],
          edges: [
            [1, 2, 'Control'],
            [3, 4, 'Control', 'try'],
          ],
        }),
      );
      assert.ok(r, 'the run settled');
      const cat = catalogOf(rt.capabilitySystem(), stats);
      const by = new Map(cat.capabilities.map((c) => [c.name, c.stats]));
      assert.equal(by.get('ok')?.calls, 2);
      assert.equal(by.get('ok')?.errors, 0);
      assert.equal(typeof by.get('ok')?.lastLatencyMs, 'number');
      assert.equal(by.get('bad')?.calls, 1);
      assert.equal(by.get('bad')?.errors, 1);
      assert.match(by.get('bad')?.lastError ?? '', /no luck/);
      assert.ok(changed.includes('ok') && changed.includes('bad'));
    } finally {
      await rt.dispose();
    }
  });
});

describe('explorer invocations', () => {
  it('bad parameters are refused before the call, each at its JSON path with the fix', { timeout: 30_000 }, async () => {
    const dir = tmpDir({ 'apxm.capabilities.mjs': MODULE });
    const system = new CapabilitySystem();
    try {
      await loadCapabilityModule(path.join(dir, 'apxm.capabilities.mjs'), system);
      const missing = invokeProblem(system, 'greet', {});
      assert.equal(missing?.code, 'E_CAPABILITY_ARGS');
      assert.equal(missing?.jsonPath, '$.params.who');
      assert.match(missing?.hint ?? '', /add "who": a string/);
      const wrong = await invokeChecked(system, 'greet', { who: 7 });
      assert.ok('error' in wrong);
      assert.equal(wrong.error.jsonPath, '$.params.who');
      assert.equal(wrong.durationMs, 0);
      assert.match(wrong.error.hint ?? '', /give a string/);
      const ok = await invokeChecked(system, 'greet', { who: 'Ada' });
      assert.deepEqual('result' in ok && ok.result, 'hello Ada');
      const failed = await invokeChecked(system, 'boom', {});
      assert.ok('error' in failed);
      assert.equal(failed.error.code, 'E_CAPABILITY_FAILED');
      assert.match(failed.error.message, /kaboom/);
      const unknown = await invokeChecked(system, 'gret', {});
      assert.ok('error' in unknown);
      assert.match(unknown.error.hint ?? '', /did you mean "greet"/);
    } finally {
      await system.dispose();
    }
  });

  it('schema violations name nested paths, extra keys and allowed values', { timeout: 10_000 }, () => {
    const schema = {
      type: 'object',
      properties: { trip: { type: 'object', properties: { legs: { type: 'array', items: { enum: ['air', 'rail'] } } } } },
      additionalProperties: false,
    };
    const v = schemaViolations(schema, { trip: { legs: ['air', 'boat'] }, extra: 1 }, '$.params');
    const by = new Map(v.map((x) => [x.jsonPath, x]));
    assert.match(by.get('$.params.extra')?.fix ?? '', /remove it \(the parameters are "trip"\)/);
    assert.match(by.get('$.params.trip.legs[1]')?.fix ?? '', /one of "air", "rail"/);
    assert.equal(pointerToJsonPath('/a b/0/c~1d'), '$["a b"][0]["c/d"]');
    assert.deepEqual(schemaViolations(schema, { trip: { legs: [] } }), []);
  });
});
