/** Node's built-in node:sqlite (Node ≥ 22.5) behind SqlDriver. */
import { createRequire } from 'node:module';
import type { SqlDriver, SqlStatement } from './sqlDriver.js';

interface DatabaseSync {
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
  close(): void;
}

export function nodeSqliteAvailable(): boolean {
  try {
    loadModule();
    return true;
  } catch {
    return false;
  }
}

type DatabaseSyncClass = new (file: string, options?: { readOnly?: boolean }) => DatabaseSync;

function loadModule(): { DatabaseSync: DatabaseSyncClass } {
  const require = createRequire(import.meta.url);
  return require('node:sqlite') as { DatabaseSync: DatabaseSyncClass };
}

/** `readonly`: never creates the file nor writes to it (openStorage checks first that it exists). */
export function openNodeSqlite(file: string, options: { readonly?: boolean } = {}): SqlDriver {
  const { DatabaseSync } = loadModule();
  const db = new DatabaseSync(file, options.readonly ? { readOnly: true } : {});
  return {
    kind: 'node:sqlite',
    exec: (sql) => db.exec(sql),
    prepare: (sql) => db.prepare(sql),
    close: () => db.close(),
  };
}
