/**
 * The few SQLite calls the storage needs, so better-sqlite3 (CI, CLI) and Node's built-in
 * node:sqlite (the VS Code extension host, whose Node ABI differs) are drop-ins for each other.
 */
export type SqlParam = string | number | bigint | null | Uint8Array;

export interface SqlStatement {
  run(...params: SqlParam[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: SqlParam[]): unknown;
  all(...params: SqlParam[]): unknown[];
}

export interface SqlDriver {
  /** `better-sqlite3` or `node:sqlite`. */
  readonly kind: string;
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
  close(): void;
}

/** BEGIN / COMMIT / ROLLBACK prepared once per connection: exec() parses its SQL on every call. */
const txStatements = new WeakMap<SqlDriver, { begin: SqlStatement; commit: SqlStatement; rollback: SqlStatement }>();

/** Runs `fn` in one IMMEDIATE transaction; rolls back on throw. Not re-entrant. */
export function inTransaction<T>(db: SqlDriver, fn: () => T): T {
  let tx = txStatements.get(db);
  if (!tx) {
    tx = { begin: db.prepare('BEGIN IMMEDIATE'), commit: db.prepare('COMMIT'), rollback: db.prepare('ROLLBACK') };
    txStatements.set(db, tx);
  }
  tx.begin.run();
  try {
    const out = fn();
    tx.commit.run();
    return out;
  } catch (e) {
    try {
      tx.rollback.run();
    } catch {
      // the failed statement may already have ended the transaction
    }
    throw e;
  }
}
