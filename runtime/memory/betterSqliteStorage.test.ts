import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ApxmError } from '../errors.js';
import { openBetterSqlite } from './betterSqliteDriver.js';
import { SCHEMA_VERSION } from './migrations.js';
import { openStorage } from './openStorage.js';
import { storageConformance } from './storageConformance.js';

const dir = mkdtempSync(path.join(tmpdir(), 'apxm-storage-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

storageConformance('better-sqlite3 (in memory)', () => openStorage(':memory:', { backend: 'better-sqlite3' }));
storageConformance('better-sqlite3 (file)', () => openStorage(path.join(dir, `c${n++}.sqlite`), { backend: 'better-sqlite3' }));

describe('SQLite file storage', () => {
  it('keeps LTM, episodes, runs and queues across reopen, in WAL mode', async () => {
    const file = path.join(dir, 'nested', 'dir', 'persist.sqlite');
    const a = await openStorage(file);
    assert.equal(a.kind, 'better-sqlite3');
    a.ltmPut('fact', 'the sky is blue');
    a.episodicAppend([{ runId: 'r', frameId: null, nodeId: null, eventType: 'run_start', payload: {}, timestamp: 1 }]);
    a.queuePush('q', 1);
    a.close();
    a.close(); // idempotent
    const b = await openStorage(file);
    assert.equal(b.ltmGet('fact')?.value, 'the sky is blue');
    assert.equal(b.ltmSearchText('sky', 5)[0].key, 'fact');
    assert.equal(b.episodicCount('r'), 1);
    assert.equal(b.queueList('q').length, 1);
    assert.equal(b.schemaVersion(), SCHEMA_VERSION);
    b.close();
    const raw = openBetterSqlite(file);
    assert.equal((raw.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
    raw.close();
  });

  it('two connections never claim the same task', async () => {
    const file = path.join(dir, 'claims.sqlite');
    const a = await openStorage(file);
    const b = await openStorage(file);
    for (let i = 0; i < 20; i++) a.queuePush('work', i);
    const claimed: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = (i % 2 ? a : b).queueClaim('work', `agent${i % 2}`, 60_000);
      claimed.push(t!.data as number);
    }
    assert.deepEqual(
      [...claimed].sort((x, y) => x - y),
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.equal(a.queueClaim('work', 'x', 60_000), undefined);
    a.close();
    b.close();
  });

  it('a write that fails leaves earlier writes intact', async () => {
    const file = path.join(dir, 'atomic.sqlite');
    const s = await openStorage(file);
    s.ltmPut('a', 1);
    assert.throws(() =>
      s.ltmPutMany([
        { key: 'b', value: 2 },
        { key: 'c', value: undefined as never },
      ]),
    );
    assert.equal(s.ltmGet('a')?.value, 1);
    assert.equal(s.ltmGet('b'), undefined, 'the failed batch is rolled back as a whole');
    s.close();
  });

  it('refuses a file that is not a database, naming it', async () => {
    const file = path.join(dir, 'not-a-db.sqlite');
    writeFileSync(file, 'hello, this is text and not SQLite at all'.repeat(100));
    await assert.rejects(
      openStorage(file),
      (e: unknown) => e instanceof ApxmError && e.code === 'E_STORAGE' && e.message.includes(file) && !!e.hint,
    );
  });

  it('refuses a database from a newer runtime', async () => {
    const file = path.join(dir, 'future.sqlite');
    const raw = openBetterSqlite(file);
    raw.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    await assert.rejects(openStorage(file), /newer than this runtime/);
  });

  it("falls back to the in-memory backend only for ':memory:' when asked for 'memory'", async () => {
    const s = await openStorage(':memory:', { backend: 'memory' });
    assert.equal(s.kind, 'memory');
    s.close();
  });
});
