/**
 * Workspace tools: `apxm.capabilities.mjs` next to the program (or `--capabilities FILE`), whose
 * default export maps names to `{ description, parameters: <JSON schema>, handler(params, ctx) }`.
 * The module runs in a worker thread of its own, where a stuck handler can be stopped.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApxmError } from '../errors.js';
import { checkInputFile, PROGRAM_FILE_MAX_BYTES } from '../inputFile.js';
import { CapabilityRecord } from './capabilityRecord.js';
import type { CapabilitySystem } from './capabilitySystem.js';
import { CapabilityModuleHost } from './capabilityModuleHost.js';
import type { ModuleEntry } from './capabilityModuleWorker.js';
import type { JsonSchema } from './types.js';

export const CAPABILITY_MODULE_NAME = 'apxm.capabilities.mjs';

export function findCapabilityModule(programFile: string): string | undefined {
  const candidate = path.join(path.dirname(path.resolve(programFile)), CAPABILITY_MODULE_NAME);
  return existsSync(candidate) ? candidate : undefined;
}

const SHAPE =
  'export default { name: { description: "...", parameters: { type: "object", properties: {...} }, async handler(params, ctx) { ... } } }';

/**
 * Starts the module's thread, reads its tools and registers each one (their handlers run in that
 * thread, see capabilityModuleHost.ts); returns their names. The thread stops when the capability
 * system is disposed.
 */
export async function loadCapabilityModule(
  file: string,
  system: CapabilitySystem,
  options: { signal?: AbortSignal } = {},
): Promise<string[]> {
  const abs = path.resolve(file);
  if (!existsSync(abs))
    throw new ApxmError('E_CAPABILITY_MODULE', `capability module ${abs} does not exist`, {
      place: { file: abs },
      hint: 'check the --capabilities path',
    });
  // import() would block on a FIFO and read a device without end: stat it first (a path swapped
  // for a FIFO between this check and the import is not guarded against).
  checkInputFile(abs, {
    what: 'capability module',
    code: 'E_CAPABILITY_MODULE',
    maxBytes: PROGRAM_FILE_MAX_BYTES,
    missingHint: 'check the --capabilities path',
  });
  // The mtime query lets a long-lived host (the debugger) tell an edited module from the one it had.
  const host = new CapabilityModuleHost(abs, `${pathToFileURL(abs).href}?mtime=${statSync(abs).mtimeMs}`);
  const names: string[] = [];
  try {
    const loaded = await host.load(options.signal);
    if (loaded.exportKind !== 'object') {
      throw new ApxmError('E_CAPABILITY_MODULE', `capability module ${abs} has no default export object`, {
        place: { file: abs },
        hint: SHAPE,
      });
    }
    registerAll(abs, loaded.entries, host, system, names);
  } catch (err) {
    // A module that fails to load leaves none of its tools behind (so a fixed module can be loaded again).
    for (const n of names) system.unregister(n);
    host.dispose();
    throw err;
  }
  system.addDisposer(() => host.dispose());
  return names;
}

function registerAll(abs: string, entries: ModuleEntry[], host: CapabilityModuleHost, system: CapabilitySystem, names: string[]): void {
  for (const e of entries) {
    const name = e.name;
    const bad = (what: string) =>
      new ApxmError('E_CAPABILITY_MODULE', `${abs}: capability "${name}" ${what}`, { place: { file: abs }, hint: SHAPE });
    if (!e.isObject) throw bad('must be an object');
    if (!e.hasHandler) throw bad('has no handler function');
    if (e.descriptionType !== 'undefined' && e.descriptionType !== 'string') throw bad('has a description that is not a string');
    if (e.parameters.kind === 'bad') throw bad('has "parameters" that is not a JSON Schema object');
    if (e.parameters.kind === 'not-json') throw bad(`has "parameters" that are not JSON: ${e.parameters.problem}`);
    const record = new CapabilityRecord(e.description ?? '', (params, ctx) => host.call(name, params, ctx), {
      schema: e.parameters.kind === 'json' ? (e.parameters.value as JsonSchema) : undefined,
      timeoutMs: e.timeoutMs,
      source: { kind: 'module', file: abs },
    });
    try {
      system.register(name, record);
    } catch (err) {
      // An invalid name, schema or timeout is the module's fault like any other: E_CAPABILITY_MODULE (exit 2).
      const x = err as ApxmError;
      throw new ApxmError(x.code === 'E_CAPABILITY_DUPLICATE' ? x.code : 'E_CAPABILITY_MODULE', `${abs}: ${x.message}`, {
        place: { file: abs },
        hint: x.hint,
      });
    }
    names.push(name);
  }
}
