/** better-sqlite3 behind SqlDriver; loaded lazily so a Node ABI mismatch can fall back to node:sqlite. */
import { createRequire } from 'node:module';
import type { SqlDriver, SqlStatement } from './sqlDriver.js';

interface BetterSqliteDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): SqlStatement;
  close(): void;
}

/** `readonly`: never creates the file nor writes to it. */
export function openBetterSqlite(file: string, options: { readonly?: boolean } = {}): SqlDriver {
  const require = createRequire(import.meta.url);
  const Database = require('better-sqlite3') as new (file: string, opts?: object) => BetterSqliteDatabase;
  const db = new Database(file, options.readonly ? { readonly: true, fileMustExist: true } : {});
  return {
    kind: 'better-sqlite3',
    exec: (sql) => void db.exec(sql),
    prepare: (sql) => db.prepare(sql),
    close: () => db.close(),
  };
}
