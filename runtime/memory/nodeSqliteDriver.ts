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

function loadModule(): { DatabaseSync: new (file: string) => DatabaseSync } {
  const require = createRequire(import.meta.url);
  return require('node:sqlite') as { DatabaseSync: new (file: string) => DatabaseSync };
}

export function openNodeSqlite(file: string): SqlDriver {
  const { DatabaseSync } = loadModule();
  const db = new DatabaseSync(file);
  return {
    kind: 'node:sqlite',
    exec: (sql) => db.exec(sql),
    prepare: (sql) => db.prepare(sql),
    close: () => db.close(),
  };
}
