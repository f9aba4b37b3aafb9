import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CapabilityCatalog, locateCapability, probeCapabilityModule } from './capabilityCatalog.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function moduleIn(source: string, dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-lscap-'))): string {
  if (!dirs.includes(dir)) dirs.push(dir);
  const file = path.join(dir, 'apxm.capabilities.mjs');
  writeFileSync(file, source);
  return file;
}

const TWO = `export default {
  weather: { description: 'Weather of a city', async handler() { return 1; } },
  'stock_price': { async handler() { return 2; } },
};
`;

describe('CapabilityCatalog', () => {
  it('lists the names and descriptions of the module next to the document', async () => {
    const file = moduleIn(TWO);
    const logs: string[] = [];
    const catalog = new CapabilityCatalog((m) => logs.push(m));
    const got = await catalog.forDocument(path.join(path.dirname(file), 'prog.ais'));
    assert.deepEqual(
      got.map((e) => [e.name, e.description, e.file]),
      [
        ['weather', 'Weather of a city', file],
        ['stock_price', '', file],
      ],
    );
    assert.deepEqual(logs, []);
  });

  it('prefers the document folder over a workspace folder, and reloads a module whose mtime changed', async () => {
    const workspace = path.dirname(
      moduleIn(`export default { shared: { description: 'from the workspace', handler() {} }, onlyRoot: { handler() {} } };`),
    );
    const sub = path.join(workspace, 'sub');
    mkdirSync(sub);
    const near = moduleIn(`export default { shared: { description: 'near', handler() {} } };`, sub);
    const catalog = new CapabilityCatalog(() => {});
    catalog.setWorkspaceFolders([workspace]);
    const doc = path.join(sub, 'p.ais');
    assert.deepEqual(
      (await catalog.forDocument(doc)).map((e) => `${e.name}:${e.description}`),
      ['shared:near', 'onlyRoot:'],
    );
    writeFileSync(near, `export default { renamed: { handler() {} } };`);
    utimesSync(near, new Date(), new Date(Date.now() + 5000));
    assert.deepEqual(
      (await catalog.forDocument(doc)).map((e) => e.name),
      ['renamed', 'shared', 'onlyRoot'],
    );
  });

  it('gives nothing, and logs once, for a module that throws, has no default export, or hangs', { timeout: 30_000 }, async () => {
    // the module that hangs is stopped at 500 ms; the others get time enough to load on a loaded machine
    const cases = [
      { src: 'throw new Error("boom");', timeoutMs: 10_000, log: /boom/ },
      { src: 'export const x = 1;', timeoutMs: 10_000, log: /no default export/ },
      { src: 'while (true) {}', timeoutMs: 500, log: /longer than 500 ms/ },
    ];
    for (const c of cases) {
      const logs: string[] = [];
      const catalog = new CapabilityCatalog((m) => logs.push(m), c.timeoutMs);
      const file = moduleIn(c.src);
      const doc = path.join(path.dirname(file), 'p.ais');
      assert.deepEqual(await catalog.forDocument(doc), []);
      assert.deepEqual(await catalog.forDocument(doc), [], 'cached: not run again');
      assert.equal(logs.length, 1, logs.join('\n'));
      assert.match(logs[0], c.log);
    }
  });

  it('in an untrusted workspace never imports the module (its code does not run), and does once trusted', { timeout: 20_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-lscap-'));
    const marker = path.join(dir, 'ran.txt');
    moduleIn(`import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'x');\n${TWO}`, dir);
    const catalog = new CapabilityCatalog(() => undefined);
    catalog.setTrusted(false);
    assert.deepEqual(await catalog.forDocument(path.join(dir, 'prog.ais')), []);
    assert.equal(existsSync(marker), false, 'the module ran in an untrusted workspace');
    catalog.setTrusted(true);
    assert.equal((await catalog.forDocument(path.join(dir, 'prog.ais'))).length, 2);
    assert.equal(existsSync(marker), true);
  });

  it('without a document file or module gives nothing', async () => {
    const catalog = new CapabilityCatalog(() => {});
    assert.deepEqual(await catalog.forDocument(undefined), []);
    await assert.rejects(probeCapabilityModule(path.join(os.tmpdir(), 'does-not-exist-apxm.mjs'), 2000));
  });

  it('locates a capability in its module for go to definition', () => {
    const file = moduleIn(TWO);
    assert.deepEqual(locateCapability({ name: 'stock_price', description: '', file }), {
      start: { line: 2, character: 3 },
      end: { line: 2, character: 14 },
    });
    assert.deepEqual(locateCapability({ name: 'weather', description: '', file }), {
      start: { line: 1, character: 2 },
      end: { line: 1, character: 9 },
    });
  });
});
