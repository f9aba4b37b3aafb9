/**
 * Run leases through the Runtime on a real SQLite file: who may continue a run, renewal while it
 * runs, release at its end, a run whose lease is taken from it; and the schema migration that
 * adds them, also when two connections migrate the same old file at once.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { program } from '../../test/support/graphBuilder.js';
import { tool } from '../../test/support/harness.js';
import { ApxmError } from '../errors.js';
import { Runtime } from '../runtime.js';
import { openBetterSqlite } from './betterSqliteDriver.js';
import { MIGRATIONS, SCHEMA_VERSION, migrate } from './migrations.js';
import { openStorage } from './openStorage.js';
import { displayStatus } from './runLease.js';
import type { SqlDriver } from './sqlDriver.js';
import type { RunLease, RunRecord } from './storage.js';

const dir = mkdtempSync(path.join(tmpdir(), 'apxm-lease-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const newDb = () => path.join(dir, `lease${n++}.sqlite`);

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  return r.pid!;
}

const oneNode = program({ name: 'L.main', nodes: [[1, 'CONST_STR', { value: 'done' }]] });
const record = (runId: string): RunRecord => ({ runId, program: 'l.json', entryFlow: 'L.main', status: 'running', startedAt: 1, args: {} });
const leaseOf = (token: string, o: Partial<RunLease> = {}): RunLease => {
  const now = Date.now();
  return { host: hostname(), pid: process.pid, token, startedAt: now, heartbeatAt: now, expiresAt: now + 60_000, ...o };
};

/** Leaves run `runId` in `db` held by `lease`, as a process that took it and then stopped would. */
async function seed(db: string, runId: string, lease: RunLease): Promise<void> {
  const s = await openStorage(db);
  try {
    s.runAcquire(record(runId), lease, Date.now());
  } finally {
    s.close();
  }
}

describe('run leases in the runtime', () => {
  it(
    "continuing a run a live process owns is refused, naming it; a dead owner's or an expired lease is taken over",
    { timeout: 20_000 },
    async () => {
      const db = newDb();
      await seed(db, 'live', leaseOf('someone'));
      await seed(db, 'dead', leaseOf('gone', { pid: deadPid() }));
      await seed(db, 'far-live', leaseOf('far', { host: 'another-host', pid: 1 }));
      await seed(db, 'far-expired', leaseOf('far2', { host: 'another-host', pid: 1, expiresAt: Date.now() - 1 }));
      const rt = await Runtime.create({ memoryConfig: { dbPath: db } });
      try {
        for (const runId of ['live', 'far-live']) {
          await assert.rejects(rt.execute(oneNode, { continueRun: runId }), (e: unknown) => {
            assert.ok(e instanceof ApxmError && e.code === 'E_RUN_BUSY', String(e));
            const who = runId === 'live' ? `pid ${process.pid} on host ${hostname()}` : 'pid 1 on host another-host';
            assert.ok(e.message.includes(`run ${runId} is being run by ${who} (since `), e.message);
            assert.ok(e.hint);
            return true;
          });
          assert.equal(rt.storage.runGet(runId)?.lease?.token, runId === 'live' ? 'someone' : 'far', 'the owner keeps it');
        }
        for (const runId of ['dead', 'far-expired']) {
          const r = await rt.execute(oneNode, { continueRun: runId });
          assert.deepEqual([r.runId, r.status], [runId, 'succeeded']);
          const after = rt.storage.runGet(runId)!;
          assert.equal(after.status, 'succeeded');
          assert.equal(after.lease, undefined, 'released at the end');
        }
        // a new run takes a lease too, released when it ends
        const fresh = await rt.execute(oneNode);
        assert.equal(rt.storage.runGet(fresh.runId)?.lease, undefined);
      } finally {
        await rt.dispose();
      }
    },
  );

  it(
    'renews the lease while the run is alive and releases it at the end; a run still in flight at dispose is released too',
    { timeout: 20_000 },
    async () => {
      const db = newDb();
      const rt = await Runtime.create({ memoryConfig: { dbPath: db, runLeaseMs: 150 } });
      let seen: RunLease | undefined;
      // the tool returns once it sees a renewal (a heartbeat after the lease was taken)
      tool(rt, 'watch', async (_p, ctx) => {
        for (;;) {
          const lease = rt.storage.runGet(ctx.runId)?.lease;
          if (lease && lease.heartbeatAt > lease.startedAt) {
            seen = lease;
            return 'renewed';
          }
          await new Promise((r) => setTimeout(r, 10));
        }
      });
      try {
        const r = await rt.execute(
          program({
            name: 'W.main',
            nodes: [
              [1, 'INV', { capability: 'watch' }],
              [2, 'RETURN'],
            ],
            edges: [[1, 2]],
          }),
        );
        assert.equal(r.status, 'succeeded', r.error?.message);
        assert.ok(seen && seen.expiresAt > seen.startedAt + 150, 'the expiry moved on with the heartbeat');
        assert.equal(seen.pid, process.pid);
        assert.equal(rt.storage.runGet(r.runId)?.lease, undefined);
        // dispose with a run in flight: its lease does not outlive the runtime
        tool(rt, 'forever', (_p, ctx) => new Promise((resolve) => ctx.signal?.addEventListener('abort', () => resolve('stopped'))));
        const h = rt.start(program({ name: 'F.main', nodes: [[1, 'INV', { capability: 'forever' }]] }));
        assert.equal(rt.storage.runGet(h.runId)?.lease?.pid, process.pid);
        await rt.dispose();
        const s = await openStorage(db, { readonly: true });
        try {
          assert.equal(s.runGet(h.runId)?.lease, undefined);
        } finally {
          s.close();
        }
        h.execution.cancel();
        await h.result;
      } finally {
        await rt.dispose();
      }
    },
  );

  it('a run whose lease another process took is cancelled with a warning, and leaves the run to it', { timeout: 20_000 }, async () => {
    const db = newDb();
    const rt = await Runtime.create({ memoryConfig: { dbPath: db, runLeaseMs: 120 } });
    const warnings: string[] = [];
    rt.events.on('warning', (w) => warnings.push(w.message));
    // another process takes the run over (as if this one had stalled past its expiry), then this one waits to be stopped
    tool(rt, 'usurp', async (_p, ctx) => {
      const mine = rt.storage.runGet(ctx.runId)!.lease!;
      rt.storage.runAcquire(record(ctx.runId), leaseOf('usurper', { pid: 1 }), Date.now(), mine.token);
      return new Promise((resolve) => ctx.signal?.addEventListener('abort', () => resolve('stopped')));
    });
    try {
      const r = await rt.execute(
        program({
          name: 'U.main',
          nodes: [
            [1, 'INV', { capability: 'usurp' }],
            [2, 'RETURN'],
          ],
          edges: [[1, 2]],
        }),
      );
      assert.equal(r.status, 'cancelled');
      assert.ok(
        warnings.some((w) => w.includes(`run ${r.runId} was taken over by another process`)),
        warnings.join(' | '),
      );
      const now = rt.storage.runGet(r.runId)!;
      assert.deepEqual([now.status, now.lease?.token], ['running', 'usurper'], "the loser writes no final record over the new owner's run");
    } finally {
      await rt.dispose();
    }
  });

  it('shows a running run as interrupted once its owner is gone', () => {
    const run = record('x');
    assert.equal(displayStatus({ ...run, lease: leaseOf('t') }), 'running');
    assert.equal(displayStatus({ ...run, lease: leaseOf('t', { pid: deadPid() }) }), 'interrupted');
    assert.equal(
      displayStatus({ ...run, lease: leaseOf('t', { host: 'elsewhere', pid: 1 }) }),
      'running',
      'another host: only the expiry tells',
    );
    assert.equal(displayStatus({ ...run, lease: leaseOf('t', { host: 'elsewhere', expiresAt: Date.now() - 1 }) }), 'interrupted');
    assert.equal(displayStatus(run), 'interrupted', 'no owner at all (recorded before leases)');
    assert.equal(displayStatus({ ...run, status: 'paused' }), 'paused');
  });
});

describe('schema migration 2 (run leases)', () => {
  /** A schema-1 file with one run, as an older runtime left it. */
  function schemaOne(file: string): void {
    const raw = openBetterSqlite(file);
    raw.exec('PRAGMA journal_mode = WAL');
    raw.exec(MIGRATIONS[0]);
    raw.exec('PRAGMA user_version = 1');
    raw.exec(
      `INSERT INTO runs(run_id, program, entry_flow, status, started_at, args) VALUES ('old', 'p.json', 'A.main', 'paused', 5, '{"x":1}')`,
    );
    raw.close();
  }

  it('upgrades a schema-1 file in place, keeping its runs', { timeout: 20_000 }, async () => {
    const file = newDb();
    schemaOne(file);
    const s = await openStorage(file);
    try {
      assert.equal(s.schemaVersion(), SCHEMA_VERSION);
      assert.deepEqual(s.runGet('old'), {
        runId: 'old',
        program: 'p.json',
        entryFlow: 'A.main',
        status: 'paused',
        startedAt: 5,
        args: { x: 1 },
      });
      assert.equal(s.runAcquire(record('old'), leaseOf('t'), Date.now()).lease?.token, 't');
    } finally {
      s.close();
    }
  });

  it('two connections opening the same old file at once migrate it once', { timeout: 20_000 }, () => {
    const file = newDb();
    schemaOne(file);
    const a = openBetterSqlite(file);
    const b = openBetterSqlite(file);
    try {
      // b migrates right after a has read the old version, before a's migration transaction starts
      let raced = false;
      const racing: SqlDriver = {
        ...a,
        prepare: (sql) => {
          const st = a.prepare(sql);
          if (sql !== 'PRAGMA user_version' || raced) return st;
          return {
            ...st,
            get: (...p) => {
              const v = st.get(...p);
              raced = true;
              migrate(b, file);
              return v;
            },
          };
        },
      };
      assert.equal(migrate(racing, file), SCHEMA_VERSION);
      assert.ok(raced);
      assert.equal((a.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, SCHEMA_VERSION);
    } finally {
      a.close();
      b.close();
    }
  });

  it(
    "a reading open leaves an old file as it is, refuses a missing one without creating it, and refuses an SQLite file that is not APXM's",
    { timeout: 20_000 },
    async () => {
      const file = newDb();
      schemaOne(file);
      const s = await openStorage(file, { readonly: true });
      try {
        assert.equal(s.runGet('old')?.status, 'paused');
        assert.equal(s.schemaVersion(), 1);
        assert.throws(() => s.runPut(record('new')), /readonly/);
      } finally {
        s.close();
      }
      const raw = openBetterSqlite(file);
      assert.equal((raw.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, 1);
      raw.close();
      const missing = path.join(dir, 'nope', 'typo.sqlite');
      await assert.rejects(
        openStorage(missing, { readonly: true }),
        (e: unknown) => e instanceof ApxmError && e.code === 'E_STORAGE' && e.message === `no database at ${missing}` && !!e.hint,
      );
      assert.ok(!existsSync(path.dirname(missing)), 'not even its directory');
      const other = newDb();
      const o = openBetterSqlite(other);
      o.exec('CREATE TABLE t(x)');
      o.close();
      await assert.rejects(openStorage(other, { readonly: true }), /not an APXM run database/);
    },
  );
});
