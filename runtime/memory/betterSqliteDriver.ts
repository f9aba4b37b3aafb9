/** better-sqlite3 behind SqlDriver; loaded lazily so a Node ABI mismatch can fall back to node:sqlite. */
import { createRequire } from 'node:module';
import type { SqlDriver, SqlStatement } from './sqlDriver.js';

interface BetterSqliteDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): SqlStatement;
  close(): void;
}

type DatabaseClass = new (file: string, opts?: object) => BetterSqliteDatabase;

/**
 * The first failure to load the native module (better-sqlite3 loads it on the first `new
 * Database`), thrown again on every later open: Node loads an addon once per process, so a second
 * attempt says only "Module did not self-register" instead of why (an ABI mismatch) — and each
 * debug session in VS Code's extension host opens anew.
 */
let addonError: Error | undefined;

/** `readonly`: never creates the file nor writes to it. */
export function openBetterSqlite(file: string, options: { readonly?: boolean } = {}): SqlDriver {
  if (addonError !== undefined) throw addonError;
  const Database = createRequire(import.meta.url)('better-sqlite3') as DatabaseClass;
  let db: BetterSqliteDatabase;
  try {
    db = new Database(file, options.readonly ? { readonly: true, fileMustExist: true } : {});
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_DLOPEN_FAILED') addonError = e as Error;
    throw e;
  }
  return {
    kind: 'better-sqlite3',
    exec: (sql) => void db.exec(sql),
    prepare: (sql) => db.prepare(sql),
    close: () => db.close(),
  };
}
