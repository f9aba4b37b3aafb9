/**
 * The schema, versioned with PRAGMA user_version. The pending migrations run in one transaction
 * that reads the version again once it holds the write lock, so two processes opening an old file
 * at once migrate it once; a database newer than this runtime is refused rather than guessed at.
 */
import { ApxmError } from '../errors.js';
import { inTransaction, type SqlDriver } from './sqlDriver.js';

export const MIGRATIONS: readonly string[] = [
  // 1: LTM with full-text and key-substring indexes, the episodic log, runs, checkpoints, queues.
  `
  CREATE TABLE ltm (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    value TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE VIRTUAL TABLE ltm_text USING fts5(key_words, body, tokenize = 'unicode61 remove_diacritics 2');
  CREATE VIRTUAL TABLE ltm_vocab USING fts5vocab(ltm_text, 'row');
  CREATE VIRTUAL TABLE ltm_keys USING fts5(key, tokenize = 'trigram');
  -- Run ids are interned to small integers: episodic rows stay small and their index cheap.
  CREATE TABLE run_keys (
    key INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL UNIQUE
  );
  -- Append-only: rows go only with their run (runDelete), so a run's seqs only grow.
  CREATE TABLE episodic (
    seq INTEGER PRIMARY KEY,
    run_key INTEGER NOT NULL REFERENCES run_keys(key),
    frame_id INTEGER,
    node_id INTEGER,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    timestamp INTEGER NOT NULL
  );
  CREATE INDEX episodic_run ON episodic(run_key, seq);
  CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    program TEXT NOT NULL,
    entry_flow TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    args TEXT NOT NULL,
    result TEXT,
    error TEXT
  );
  CREATE INDEX runs_started ON runs(started_at DESC);
  CREATE TABLE checkpoints (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    node_id INTEGER NOT NULL,
    message TEXT NOT NULL,
    display_data TEXT NOT NULL,
    status TEXT NOT NULL,
    human_input TEXT,
    snapshot TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    resumed_at INTEGER
  );
  CREATE TABLE queue_tasks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL UNIQUE,
    queue TEXT NOT NULL,
    data TEXT NOT NULL,
    status TEXT NOT NULL,
    claimed_by TEXT,
    claim_token TEXT,
    lease_until INTEGER,
    result TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX queue_pending ON queue_tasks(queue, status, seq);
  `,
  // 2: the lease of the process that runs a run (owner host, pid, random token, start), renewed while it runs.
  `
  ALTER TABLE runs ADD COLUMN lease_token TEXT;
  ALTER TABLE runs ADD COLUMN lease_host TEXT;
  ALTER TABLE runs ADD COLUMN lease_pid INTEGER;
  ALTER TABLE runs ADD COLUMN lease_started_at INTEGER;
  ALTER TABLE runs ADD COLUMN lease_heartbeat_at INTEGER;
  ALTER TABLE runs ADD COLUMN lease_until INTEGER;
  `,
  // 3: LTM pages most recently updated first (the memory inspector's sort) walk an index, not a sort of the table.
  `
  CREATE INDEX ltm_updated ON ltm(updated_at DESC, key);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersionOf(db: SqlDriver): number {
  return Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
}

/** Refuses a database written by a newer runtime. */
export function checkNotNewer(version: number, location: string): void {
  if (version > SCHEMA_VERSION) {
    throw new ApxmError('E_STORAGE', `${location} has schema version ${version}, newer than this runtime's ${SCHEMA_VERSION}`, {
      place: location === ':memory:' ? undefined : { file: location },
      hint: 'upgrade the APXM runtime, or point --db (memoryConfig.dbPath) at another file',
    });
  }
}

export function migrate(db: SqlDriver, location: string): number {
  const found = schemaVersionOf(db);
  checkNotNewer(found, location);
  if (found === SCHEMA_VERSION) return SCHEMA_VERSION;
  inTransaction(db, () => {
    // read again under the write lock: another connection may have migrated since
    const current = schemaVersionOf(db);
    checkNotNewer(current, location);
    for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  });
  return SCHEMA_VERSION;
}
