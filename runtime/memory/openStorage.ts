/**
 * Opens the storage for a location. `auto` prefers better-sqlite3 and falls back to node:sqlite
 * when the native module cannot load (the VS Code extension host runs another Node ABI than the
 * one it was built for); an in-memory location falls back to the plain-memory backend last.
 *
 * `readonly` (commands that only read: `apxm runs`, `trace export`, replay) never creates the
 * file, never migrates it and never writes to it, so it works on a file the user may not write.
 */
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApxmError } from '../errors.js';
import { describeKind } from '../inputFile.js';
import { openBetterSqlite } from './betterSqliteDriver.js';
import { MemoryStorage } from './memoryStorage.js';
import { nodeSqliteAvailable, openNodeSqlite } from './nodeSqliteDriver.js';
import type { SqlDriver } from './sqlDriver.js';
import { SqliteStorage } from './sqliteStorage.js';
import type { StorageBackend } from './storage.js';

export type BackendChoice = 'auto' | 'better-sqlite3' | 'node:sqlite' | 'memory';

export interface OpenStorageOptions {
  backend?: BackendChoice;
  /** Open an existing file read-only: no file is created, no migration runs, nothing is written. */
  readonly?: boolean;
  /** Refuse a missing file instead of creating it (implied by `readonly`). */
  mustExist?: boolean;
}

type Open = (file: string, options: { readonly?: boolean }) => SqlDriver;

const dbError = (location: string, message: string, hint: string, cause?: unknown) =>
  new ApxmError('E_STORAGE', message, { place: { file: location }, hint, ...(cause !== undefined ? { cause } : {}) });

export async function openStorage(location = ':memory:', options: OpenStorageOptions = {}): Promise<StorageBackend> {
  const backend = options.backend ?? 'auto';
  if (backend === 'memory') return new MemoryStorage();
  const readonly = Boolean(options.readonly) && location !== ':memory:';
  if (location !== ':memory:') checkLocation(location, { readonly, mustExist: readonly || Boolean(options.mustExist) });
  const attempts: string[] = [];
  const tryDriver = (name: string, open: Open): SqlDriver | undefined => {
    try {
      return open(location, { readonly });
    } catch (e) {
      attempts.push(`${name}: ${driverProblem(e)}`);
      return undefined;
    }
  };
  let open: Open | undefined;
  let driver: SqlDriver | undefined;
  if (backend === 'auto' || backend === 'better-sqlite3') driver = tryDriver('better-sqlite3', (open = openBetterSqlite));
  if (!driver && (backend === 'auto' || backend === 'node:sqlite')) {
    if (nodeSqliteAvailable()) driver = tryDriver('node:sqlite', (open = openNodeSqlite));
    else attempts.push(`node:sqlite: not available in Node ${process.versions.node} (needs 22.5 or later)`);
  }
  if (!driver) {
    if (location === ':memory:' && backend === 'auto') return withSkipped(new MemoryStorage(), attempts);
    const abiMismatch = attempts.some((a) => a.includes(ABI_MISMATCH));
    throw new ApxmError('E_STORAGE', `cannot open the memory database ${location} (${attempts.join('; ')})`, {
      place: { file: location },
      hint: 'check that the path is writable; in VS Code the node:sqlite backend needs a host on Node 22.5 or later',
      // the debugger turns this into its own advice (which Node runs the adapter)
      details: { attempts, abiMismatch },
    });
  }
  try {
    return withSkipped(new SqliteStorage(driver, location, { readonly }), attempts);
  } catch (e) {
    driver.close();
    if (readonly && open && isWalWithoutShm(e)) return openSnapshot(location, open);
    throw notADatabase(location, e);
  }
}

const ABI_MISMATCH = 'built for another Node';

/**
 * One line on why a driver did not open, never the raw native-module text ("was compiled against
 * a different Node.js version using NODE_MODULE_VERSION …", several lines long).
 */
export function driverProblem(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const abi = /NODE_MODULE_VERSION (\d+)[\s\S]*?requires\s+NODE_MODULE_VERSION (\d+)/.exec(message);
  if (abi) return `${ABI_MISMATCH} (its native module has ABI ${abi[1]}; Node ${process.versions.node} here needs ABI ${abi[2]})`;
  if (/Cannot find module|MODULE_NOT_FOUND/.test(message) || (e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND')
    return 'not installed';
  return message.split('\n')[0] ?? message;
}

/** Records on a storage the backends tried before it and why they did not open. */
function withSkipped<T extends StorageBackend>(storage: T, attempts: string[]): T {
  if (attempts.length) (storage as { skipped?: readonly string[] }).skipped = [...attempts];
  return storage;
}

/** A path that cannot be a database: a directory, a file under a non-directory, or (to read) a missing file. */
function checkLocation(location: string, { readonly, mustExist }: { readonly: boolean; mustExist: boolean }): void {
  let stat;
  try {
    stat = statSync(location, { throwIfNoEntry: false });
  } catch (e) {
    // ENOTDIR: a parent of the path is a file
    throw dbError(
      location,
      `cannot use ${location} as a database: ${(e as Error).message}`,
      'pass --db a file path whose parent is a directory',
    );
  }
  if (stat?.isDirectory())
    throw dbError(
      location,
      `${location} is a directory, not a database file`,
      'pass --db a file inside it, e.g. --db ' + path.join(location, 'runs.sqlite'),
    );
  // opening a named pipe would wait for a writer forever, and a device is no database
  if (stat && !stat.isFile())
    throw dbError(
      location,
      `${location} is ${describeKind(stat)}, not a database file`,
      'pass --db the path of a SQLite file (or a new path)',
    );
  if (stat) {
    // a writer needs the file and its directory (WAL keeps -wal and -shm files next to it); SQLite would open it and fail at the first write
    if (!readonly) checkWritable(location);
    return;
  }
  if (mustExist)
    throw dbError(location, `no database at ${location}`, 'pass the --db file the run was recorded in (this command never creates one)');
  try {
    mkdirSync(path.dirname(path.resolve(location)), { recursive: true });
  } catch (e) {
    throw dbError(
      location,
      `cannot create the database ${location}: ${(e as Error).message}`,
      'pass --db a path in a directory you can write',
    );
  }
}

function checkWritable(location: string): void {
  for (const p of [location, path.dirname(path.resolve(location))]) {
    try {
      accessSync(p, constants.W_OK);
    } catch {
      throw dbError(
        location,
        `${location} is read-only: ${p === location ? 'the file' : 'its directory ' + p} cannot be written`,
        'run, resume and queue push write to the database: make it writable, or use a copy; apxm runs, trace export and --replay only read it',
      );
    }
  }
}

function notADatabase(location: string, e: unknown): ApxmError {
  if (e instanceof ApxmError) return e;
  const errno = (e as NodeJS.ErrnoException).code;
  if (errno === 'EACCES' || errno === 'EPERM')
    return dbError(location, `cannot read ${location}: ${(e as Error).message}`, 'check the permissions of the file and its directory', e);
  return dbError(
    location,
    `cannot use ${location} as an APXM memory database: ${(e as Error).message}`,
    'point memoryConfig.dbPath (--db) at a new file; this one is not an SQLite database or is corrupt',
    e,
  );
}

/**
 * A WAL database can only be read where SQLite can create its -shm index next to it: in a
 * read-only directory whose database was closed cleanly (no -shm left) the read fails with
 * SQLITE_READONLY_DIRECTORY or SQLITE_CANTOPEN.
 */
function isWalWithoutShm(e: unknown): boolean {
  const { code, errcode, message } = e as { code?: string; errcode?: number; message?: string };
  return (
    code === 'SQLITE_READONLY_DIRECTORY' ||
    code === 'SQLITE_CANTOPEN' ||
    errcode === 1544 ||
    errcode === 14 ||
    /readonly database|unable to open database/.test(message ?? '')
  );
}

/**
 * Reads such a database from a private copy (with its -wal, so committed writes not yet
 * checkpointed are there): a snapshot taken now, deleted on close.
 */
function openSnapshot(location: string, open: Open): StorageBackend {
  const dir = mkdtempSync(path.join(tmpdir(), 'apxm-readonly-'));
  const copy = path.join(dir, path.basename(location));
  let driver: SqlDriver | undefined;
  try {
    copyFileSync(location, copy);
    if (existsSync(`${location}-wal`)) copyFileSync(`${location}-wal`, `${copy}-wal`);
    driver = open(copy, {});
    const storage = new SqliteStorage(driver, location, { readonly: true });
    const close = storage.close.bind(storage);
    storage.close = () => {
      close();
      rmSync(dir, { recursive: true, force: true });
    };
    return storage;
  } catch (e) {
    driver?.close();
    rmSync(dir, { recursive: true, force: true });
    throw notADatabase(location, e);
  }
}
