/**
 * Workspace tools: `apxm.capabilities.mjs` next to the program (or `--capabilities FILE`), whose
 * default export maps names to `{ description, parameters: <JSON schema>, handler(params, ctx) }`.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApxmError } from '../errors.js';
import { checkInputFile, PROGRAM_FILE_MAX_BYTES } from '../inputFile.js';
import { CapabilityRecord } from './capabilityRecord.js';
import type { CapabilitySystem } from './capabilitySystem.js';
import type { CapabilityHandler, JsonSchema } from './types.js';

export const CAPABILITY_MODULE_NAME = 'apxm.capabilities.mjs';

export function findCapabilityModule(programFile: string): string | undefined {
  const candidate = path.join(path.dirname(path.resolve(programFile)), CAPABILITY_MODULE_NAME);
  return existsSync(candidate) ? candidate : undefined;
}

const SHAPE = 'export default { name: { description: "...", parameters: { type: "object", properties: {...} }, async handler(params, ctx) { ... } } }';

/** Imports the module and registers every tool it exports; returns their names. */
export async function loadCapabilityModule(file: string, system: CapabilitySystem): Promise<string[]> {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw new ApxmError('E_CAPABILITY_MODULE', `capability module ${abs} does not exist`, { place: { file: abs }, hint: 'check the --capabilities path' });
  // import() would block on a FIFO and read a device without end: stat it first (a path swapped
  // for a FIFO between this check and the import is not guarded against).
  checkInputFile(abs, { what: 'capability module', code: 'E_CAPABILITY_MODULE', maxBytes: PROGRAM_FILE_MAX_BYTES, missingHint: 'check the --capabilities path' });
  let mod: { default?: unknown };
  try {
    // The mtime query re-imports an edited module in a long-lived host (the debugger).
    mod = (await import(`${pathToFileURL(abs).href}?mtime=${statSync(abs).mtimeMs}`)) as { default?: unknown };
  } catch (e) {
    throw new ApxmError('E_CAPABILITY_MODULE', `cannot load capability module ${abs}: ${(e as Error).message}`, { place: { file: abs }, hint: 'fix the module so `node` can import it', cause: e });
  }
  const table = mod.default;
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    throw new ApxmError('E_CAPABILITY_MODULE', `capability module ${abs} has no default export object`, { place: { file: abs }, hint: SHAPE });
  }
  const names: string[] = [];
  try {
    registerAll(abs, table as Record<string, unknown>, system, names);
  } catch (err) {
    // A module that fails to load leaves none of its tools behind (so a fixed module can be loaded again).
    for (const n of names) system.unregister(n);
    throw err;
  }
  return names;
}

function registerAll(abs: string, table: Record<string, unknown>, system: CapabilitySystem, names: string[]): void {
  for (const [name, entry] of Object.entries(table)) {
    const e = entry as { description?: unknown; parameters?: unknown; handler?: unknown; timeoutMs?: unknown } | null;
    const bad = (what: string) => new ApxmError('E_CAPABILITY_MODULE', `${abs}: capability "${name}" ${what}`, { place: { file: abs }, hint: SHAPE });
    if (typeof e !== 'object' || e === null) throw bad('must be an object');
    if (typeof e.handler !== 'function') throw bad('has no handler function');
    if (e.description !== undefined && typeof e.description !== 'string') throw bad('has a description that is not a string');
    if (e.parameters !== undefined && (typeof e.parameters !== 'object' || e.parameters === null)) throw bad('has "parameters" that is not a JSON Schema object');
    const record = new CapabilityRecord((e.description as string | undefined) ?? '', e.handler as CapabilityHandler, {
      schema: e.parameters as JsonSchema | undefined,
      timeoutMs: typeof e.timeoutMs === 'number' ? e.timeoutMs : undefined,
      source: { kind: 'module', file: abs },
    });
    try {
      system.register(name, record);
    } catch (err) {
      const x = err as ApxmError;
      throw new ApxmError(x.code, `${abs}: ${x.message}`, { place: { file: abs }, hint: x.hint });
    }
    names.push(name);
  }
}
