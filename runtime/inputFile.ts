/**
 * The one way the runtime reads a file the user names: programs (.ais, .json, .apxmobj), trace
 * files for replay, workspace and MCP configuration, capability modules. Each is checked before it
 * is read: a regular file (a FIFO would block the process forever, /dev/zero would be read until
 * memory runs out) no larger than the cap of its kind, and at most cap + 1 bytes are read.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { ApxmError, type ErrorCode } from './errors.js';

const MiB = 1024 * 1024;

/**
 * Caps by kind. Programs: the examples are a few KB and a generated flow of 100 000 nodes is about
 * 20 MB of JSON; 64 MiB keeps parsing under a second or two and the heap within a few hundred MB.
 * Trace files hold every LLM reply of a run and can be larger. Configuration is a few lines.
 */
export const PROGRAM_FILE_MAX_BYTES = 64 * MiB;
export const TRACE_FILE_MAX_BYTES = 256 * MiB;
export const CONFIG_FILE_MAX_BYTES = 4 * MiB;

export interface InputFileKind {
  /** How messages name the file: "program", "trace file", "workspace config"... */
  what: string;
  code: ErrorCode;
  maxBytes: number;
  /** The fix when the file is missing, and the message (default `no such file: <file>`). */
  missingHint?: string;
  missingMessage?: (file: string) => string;
  /** Merged into the error's details (e.g. `reason` for the trace reader). */
  details?: (reason: 'not-found' | 'not-a-file' | 'too-large' | 'unreadable') => Record<string, unknown>;
}

export const CONFIG_FILE: InputFileKind = { what: 'configuration', code: 'E_CONFIG', maxBytes: CONFIG_FILE_MAX_BYTES };

export const PROGRAM_FILE: InputFileKind = {
  what: 'program',
  code: 'E_PROGRAM_READ',
  maxBytes: PROGRAM_FILE_MAX_BYTES,
  missingHint: 'check the path (it is relative to the current directory)',
};

// O_NONBLOCK: if the path became a FIFO after the stat, open returns at once instead of waiting
// for a writer; the fstat of the open descriptor then refuses it.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const CHUNK = 64 * 1024;

function fail(
  file: string,
  kind: InputFileKind,
  reason: 'not-found' | 'not-a-file' | 'too-large' | 'unreadable',
  message: string,
  hint: string,
  cause?: unknown,
): ApxmError {
  return new ApxmError(kind.code, message, {
    place: { file },
    hint,
    ...(kind.details ? { details: kind.details(reason) } : {}),
    ...(cause ? { cause } : {}),
  });
}

/** What a path that is not a regular file is, in words. */
export function describeKind(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

function formatBytes(n: number): string {
  return n >= MiB ? `${(n / MiB).toFixed(n % MiB === 0 ? 0 : 1)} MiB` : `${n} bytes`;
}

function tooLarge(file: string, kind: InputFileKind, size: string): ApxmError {
  return fail(
    file,
    kind,
    'too-large',
    `${file} is ${size}; a ${kind.what} file may be at most ${formatBytes(kind.maxBytes)}`,
    `check that this is the ${kind.what} you meant; a ${kind.what} this large is not written by hand (split it, or generate a smaller one)`,
  );
}

/** Refuses what is not a regular file within the cap (from a stat of the path or of the open descriptor). */
function checkStats(file: string, kind: InputFileKind, s: Stats): void {
  if (!s.isFile()) {
    throw fail(
      file,
      kind,
      'not-a-file',
      `${file} is ${describeKind(s)}, not a ${kind.what} file`,
      `give the path of a regular ${kind.what} file; pipes, devices and directories are not read`,
    );
  }
  if (s.size > kind.maxBytes) throw tooLarge(file, kind, formatBytes(s.size));
}

function statError(file: string, kind: InputFileKind, e: unknown): ApxmError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return fail(
      file,
      kind,
      'not-found',
      kind.missingMessage?.(file) ?? `no such file: ${file}`,
      kind.missingHint ?? 'check the path (it is relative to the current directory)',
      e,
    );
  }
  return fail(file, kind, 'unreadable', `cannot read ${file}: ${(e as Error).message}`, 'check the file permissions', e);
}

/** Checks the path without reading it (for a module that `import()` will read). */
export function checkInputFile(file: string, kind: InputFileKind): void {
  let s: Stats;
  try {
    s = statSync(file);
  } catch (e) {
    throw statError(file, kind, e);
  }
  checkStats(file, kind, s);
}

/** Reads a regular file of at most `kind.maxBytes` bytes. */
export async function readInputFile(file: string, kind: InputFileKind): Promise<Buffer> {
  let s: Stats;
  try {
    s = await stat(file);
  } catch (e) {
    throw statError(file, kind, e);
  }
  checkStats(file, kind, s);
  let handle;
  try {
    handle = await open(file, OPEN_FLAGS);
  } catch (e) {
    throw statError(file, kind, e);
  }
  try {
    checkStats(file, kind, await handle.stat());
    const chunks: Buffer[] = [];
    let total = 0;
    // Read to the end but never past the cap (a file may grow, or report size 0 like /proc files).
    while (total <= kind.maxBytes) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, kind.maxBytes + 1 - total));
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      total += bytesRead;
    }
    if (total > kind.maxBytes) throw tooLarge(file, kind, `larger than ${formatBytes(kind.maxBytes)}`);
    return Buffer.concat(chunks, total);
  } catch (e) {
    throw e instanceof ApxmError ? e : statError(file, kind, e);
  } finally {
    await handle.close();
  }
}

/** `readInputFile` for synchronous callers (configuration and trace files). */
export function readInputFileSync(file: string, kind: InputFileKind): Buffer {
  checkInputFile(file, kind);
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (e) {
    throw statError(file, kind, e);
  }
  try {
    checkStats(file, kind, fstatSync(fd));
    const chunks: Buffer[] = [];
    let total = 0;
    while (total <= kind.maxBytes) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, kind.maxBytes + 1 - total));
      const bytesRead = readSync(fd, buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      total += bytesRead;
    }
    if (total > kind.maxBytes) throw tooLarge(file, kind, `larger than ${formatBytes(kind.maxBytes)}`);
    return Buffer.concat(chunks, total);
  } catch (e) {
    throw e instanceof ApxmError ? e : statError(file, kind, e);
  } finally {
    closeSync(fd);
  }
}

/**
 * A JSON input file (configuration, trace) as text: `readInputFileSync`, decoded as UTF-8, without the
 * byte-order mark Windows editors save (JSON.parse refuses it as an invisible character).
 */
export function readJsonTextSync(file: string, kind: InputFileKind): string {
  const text = readInputFileSync(file, kind).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
