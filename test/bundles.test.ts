/**
 * The esbuild bundles (`npm run bundle`) are what a packaged extension runs: this builds them and
 * drives each process through its protocol — the debug adapter over DAP (including the EXC sandbox
 * worker it must find next to itself) and the language server over LSP.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launch, outputs, withClient } from './support/debugClient.js';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { BUNDLES } from './support/bundleFiles.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = path.join(ROOT, 'dist');

describe('bundles (dist/)', () => {
  before(() => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/bundle.mjs')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('builds one entry per process', () => {
    for (const f of BUNDLES) assert.ok(existsSync(path.join(DIST, f)), f);
  });

  it('each page stylesheet carries the shared shell and defines every --apxm-* variable it uses', { timeout: 5_000 }, () => {
    for (const name of ['graph', 'memory', 'timeline']) {
      const css = readFileSync(path.join(DIST, 'media', `${name}.css`), 'utf8');
      assert.ok(!css.includes('@import'), `${name}.css: the shared stylesheet is bundled, not fetched (the CSP allows no other file)`);
      assert.match(css, /height:\s*100vh/, `${name}.css: the page shell`);
      const defined = new Set([...css.matchAll(/(--apxm-[\w-]+)\s*:/g)].map((m) => m[1]));
      const used = new Set([...css.matchAll(/var\((--apxm-[\w-]+)/g)].map((m) => m[1]));
      assert.ok(used.size > 0, `${name}.css uses the shared variables`);
      for (const v of used) assert.ok(defined.has(v), `${name}.css uses ${v}, which media/shared/page.css does not define`);
    }
  });

  it('the bundled debug adapter runs a program with an EXC sandbox step and a workspace tool over DAP', { timeout: 60_000 }, async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-bundle-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'calc.ais');
    writeFileSync(
      file,
      'agent C { @entry flow main() -> str {\n  exc("return 6 * 7") -> answer\n  inv("shout", "{\\"text\\": \\"hi\\"}") -> loud\n  print("answer: " + answer + " " + loud)\n  return answer } }\n',
    );
    // The tool runs in the bundled capability-module thread, found next to the adapter.
    writeFileSync(path.join(dir, 'apxm.capabilities.mjs'), 'export default { shout: { handler: ({ text }) => text.toUpperCase() } };\n');
    // stopped by t.after even if the test times out
    await withClient(
      t,
      async (dc) => {
        const out = outputs(dc, 'stdout');
        await launch(dc, { program: file, noDebug: true }, { until: 'terminated' });
        assert.deepEqual(out, ['answer: 42 HI\n']);
      },
      path.join(DIST, 'debugAdapter.js'),
    );
  });

  it('the bundled language server answers initialize and publishes diagnostics', async () => {
    const child = spawn(process.execPath, [path.join(DIST, 'languageServer.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    conn.listen();
    try {
      const init = await conn.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
        processId: process.pid,
        rootUri: null,
        capabilities: {},
      });
      assert.ok(init.capabilities.hoverProvider);
      await conn.sendNotification('initialized', {});
      const uri = pathToFileURL(path.join(os.tmpdir(), 'bundle-check.ais')).href;
      const diagnostics = new Promise<{ diagnostics: { code: string }[] }>((resolve) =>
        conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: { code: string }[] }) => {
          if (p.uri === uri) resolve(p);
        }),
      );
      await conn.sendNotification('textDocument/didOpen', {
        textDocument: { uri, languageId: 'ais', version: 1, text: 'agent A { @entry flow main() -> str { return nope } }' },
      });
      assert.deepEqual(
        (await diagnostics).diagnostics.map((d) => d.code),
        ['AIS_UNDEFINED_VARIABLE'],
      );
      await conn.sendRequest('shutdown');
      await conn.sendNotification('exit');
    } finally {
      conn.dispose();
      child.kill();
    }
  });
});
