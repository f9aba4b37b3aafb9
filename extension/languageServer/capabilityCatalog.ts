/**
 * Capability (tool) names for completion and hover, from the workspace's `apxm.capabilities.mjs`
 * (next to the document, else at the root of a workspace folder), as the runtime would find it.
 *
 * The module is user code: it is imported in a worker thread that is terminated after a timeout,
 * so a module that hangs, crashes or prints cannot stall or corrupt the server's stdio channel.
 * Results are cached per module file and modification time.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Range as LspRange } from 'vscode-languageserver';
import { CAPABILITY_MODULE_NAME } from '../../runtime/capabilities/workspaceModule.js';

export interface CapabilityEntry {
  name: string;
  description: string;
  /** The module that exports it. */
  file: string;
}

/** Runs in the worker: imports the module and posts `{ entries }` or `{ error }` (plain data only). */
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.url).then((mod) => {
  const table = mod && mod.default;
  if (typeof table !== 'object' || table === null || Array.isArray(table)) throw new Error('no default export object');
  const entries = Object.entries(table).map(([name, e]) => ({ name, description: e && typeof e.description === 'string' ? e.description : '' }));
  parentPort.postMessage({ entries });
}).catch((e) => parentPort.postMessage({ error: String(e && e.message || e) }));
`;

interface ProbeReply {
  entries?: { name: string; description: string }[];
  error?: string;
}

/** Imports `file` in a worker and lists its capabilities; rejects on error or after `timeoutMs`. */
export function probeCapabilityModule(file: string, timeoutMs: number): Promise<CapabilityEntry[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(PROBE, {
      eval: true,
      workerData: { url: pathToFileURL(file).href },
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    // Drain what the module prints: it must never reach the server's stdout.
    worker.stdout.resume();
    worker.stderr.resume();
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`loading ${file} took longer than ${timeoutMs} ms`))), timeoutMs);
    worker.on('message', (m: ProbeReply) =>
      finish(() => {
        if (m.entries) resolve(m.entries.map((e) => ({ name: String(e.name), description: String(e.description), file })));
        else reject(new Error(m.error ?? 'unknown error'));
      }),
    );
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`the module exited (code ${code}) while loading`))));
  });
}

/** The client's notification that the user trusted the workspace: its modules may be imported from then on. */
export const WORKSPACE_TRUSTED = 'apxm/workspaceTrusted';

export class CapabilityCatalog {
  private readonly cache = new Map<string, { mtimeMs: number; entries: Promise<CapabilityEntry[]> }>();
  private folders: string[] = [];
  /** Importing a module runs its code: only in a trusted workspace (Restricted Mode lists no capabilities). */
  private trusted = true;

  constructor(
    private readonly log: (message: string) => void,
    private readonly timeoutMs = 3000,
  ) {}

  setWorkspaceFolders(folders: string[]): void {
    this.folders = folders;
  }

  setTrusted(trusted: boolean): void {
    this.trusted = trusted;
  }

  /** The modules that apply to a document, nearest first. */
  modulesFor(documentFile: string | undefined): string[] {
    const dirs = [...(documentFile ? [path.dirname(documentFile)] : []), ...this.folders];
    const out: string[] = [];
    for (const d of dirs) {
      const f = path.join(d, CAPABILITY_MODULE_NAME);
      if (!out.includes(f) && mtimeOf(f) !== undefined) out.push(f);
    }
    return out;
  }

  /** Capabilities visible to a document (a name from a nearer module wins). Never rejects. */
  async forDocument(documentFile: string | undefined): Promise<CapabilityEntry[]> {
    const byName = new Map<string, CapabilityEntry>();
    if (!this.trusted) return [];
    for (const f of this.modulesFor(documentFile)) {
      for (const e of await this.load(f)) if (!byName.has(e.name)) byName.set(e.name, e);
    }
    return [...byName.values()];
  }

  private load(file: string): Promise<CapabilityEntry[]> {
    const mtimeMs = mtimeOf(file);
    if (mtimeMs === undefined) return Promise.resolve([]);
    const hit = this.cache.get(file);
    if (hit && hit.mtimeMs === mtimeMs) return hit.entries;
    // A failure is cached too (until the file changes), so a broken module is not re-run per keystroke.
    const entries = probeCapabilityModule(file, this.timeoutMs).catch((e: unknown) => {
      this.log(`cannot list the capabilities of ${file}: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    });
    this.cache.set(file, { mtimeMs, entries });
    return entries;
  }
}

function mtimeOf(file: string): number | undefined {
  try {
    const s = statSync(file);
    return s.isFile() ? s.mtimeMs : undefined;
  } catch {
    return undefined;
  }
}

/** Where `entry` is defined in its module (the line of its `name:` key), for "go to definition". */
export function locateCapability(entry: CapabilityEntry): LspRange | undefined {
  let text: string;
  try {
    text = readFileSync(entry.file, 'utf8');
  } catch {
    return undefined;
  }
  const key = new RegExp(`(^|[\\s{,])(["']?)(${entry.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})\\2\\s*:`, 'm').exec(text);
  if (!key) return undefined;
  const start = key.index + key[1].length + key[2].length;
  const before = text.slice(0, start);
  const line = before.split(/\r\n|\r|\n/).length - 1;
  const character = start - Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r')) - 1;
  return { start: { line, character }, end: { line, character: character + entry.name.length } };
}
