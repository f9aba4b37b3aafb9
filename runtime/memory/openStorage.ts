/**
 * Opens the storage for a location. `auto` prefers better-sqlite3 and falls back to node:sqlite
 * when the native module cannot load (the VS Code extension host runs another Node ABI than the
 * one it was built for); an in-memory location falls back to the plain-memory backend last.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ApxmError } from '../errors.js';
import { openBetterSqlite } from './betterSqliteDriver.js';
import { MemoryStorage } from './memoryStorage.js';
import { nodeSqliteAvailable, openNodeSqlite } from './nodeSqliteDriver.js';
import type { SqlDriver } from './sqlDriver.js';
import { SqliteStorage } from './sqliteStorage.js';
import type { StorageBackend } from './storage.js';

export type BackendChoice = 'auto' | 'better-sqlite3' | 'node:sqlite' | 'memory';

export interface OpenStorageOptions {
  backend?: BackendChoice;
}

export async function openStorage(location = ':memory:', options: OpenStorageOptions = {}): Promise<StorageBackend> {
  const backend = options.backend ?? 'auto';
  if (backend === 'memory') return new MemoryStorage();
  if (location !== ':memory:') mkdirSync(path.dirname(path.resolve(location)), { recursive: true });
  const attempts: string[] = [];
  const tryDriver = (name: string, open: (f: string) => SqlDriver): SqlDriver | undefined => {
    try {
      return open(location);
    } catch (e) {
      attempts.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
      return undefined;
    }
  };
  let driver: SqlDriver | undefined;
  if (backend === 'auto' || backend === 'better-sqlite3') driver = tryDriver('better-sqlite3', openBetterSqlite);
  if (!driver && (backend === 'auto' || backend === 'node:sqlite')) {
    if (nodeSqliteAvailable()) driver = tryDriver('node:sqlite', openNodeSqlite);
    else attempts.push(`node:sqlite: not available in Node ${process.versions.node} (needs 22.5 or later)`);
  }
  if (!driver) {
    if (location === ':memory:' && backend === 'auto') return new MemoryStorage();
    throw new ApxmError('E_STORAGE', `cannot open the memory database ${location} (${attempts.join('; ')})`, {
      hint: 'check that the path is writable; in VS Code the node:sqlite backend needs a host on Node 22.5 or later',
    });
  }
  try {
    return new SqliteStorage(driver, location);
  } catch (e) {
    driver.close();
    if (e instanceof ApxmError) throw e;
    throw new ApxmError('E_STORAGE', `cannot use ${location} as an APXM memory database: ${(e as Error).message}`, {
      hint: 'point memoryConfig.dbPath (--db) at a new file; this one is not an SQLite database or is corrupt',
      cause: e,
    });
  }
}
