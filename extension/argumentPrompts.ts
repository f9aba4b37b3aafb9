/**
 * The first-time launch without launch.json: which entry arguments to ask for, how each prompt is
 * worded and checked (by the runtime's own conversion, bindArguments.ts), and the launch
 * configuration that saves the answers. No `vscode` import: launchPrompts.ts shows it, tests call it.
 */
import path from 'node:path';
import { asApxmError } from '../runtime/errors.js';
import { convertArgument } from '../runtime/graph/bindArguments.js';
import type { Diagnostic } from '../runtime/graph/diagnostics.js';
import type { FlowGraph, FlowParameter } from '../runtime/graph/types.js';
import type { Value } from '../runtime/values/value.js';

/** One input box: for `param` of `flow`. */
export interface ArgumentPrompt {
  name: string;
  typeName: string;
  /** Shown as the input box's title: `city (str) — argument of TripPlanner.main`. */
  title: string;
  /** Under the box: what to type and where it goes. */
  prompt: string;
  placeHolder: string;
  /** The last value typed for this parameter of this program, if any. */
  value?: string;
}

/** The entry parameters a launch gives no value for, in declaration order (none for a replay: it runs with the recorded arguments). */
export function missingParameters(flow: FlowGraph, config: { args?: unknown; replay?: unknown }): FlowParameter[] {
  if (config.replay !== undefined) return [];
  const given =
    config.args !== null && typeof config.args === 'object' && !Array.isArray(config.args) ? (config.args as Record<string, unknown>) : {};
  return flow.parameters.filter((p) => !Object.hasOwn(given, p.name) || given[p.name] === undefined);
}

const EXAMPLE: Record<string, string> = { int: '42', float: '0.5', bool: 'true or false', json: '["a", "b"] or {"k": 1}' };

function exampleFor(typeName: string): string {
  const t = typeName.toLowerCase();
  if (['int', 'integer', 'i64', 'i32'].includes(t)) return EXAMPLE.int;
  if (['float', 'f64', 'f32', 'number'].includes(t)) return EXAMPLE.float;
  if (t === 'bool' || t === 'boolean') return EXAMPLE.bool;
  if (['json', 'object', 'array'].includes(t) || t.startsWith('list') || t.startsWith('[')) return EXAMPLE.json;
  return 'text, as typed';
}

export function argumentPrompt(flow: FlowGraph, param: FlowParameter, programFile: string, last?: string): ArgumentPrompt {
  return {
    name: param.name,
    typeName: param.typeName,
    title: `${param.name} (${param.typeName}) — argument of ${flow.qualifiedName}`,
    prompt: `APXM: value of "${param.name}" for ${path.basename(programFile)} (${param.typeName}: ${exampleFor(param.typeName)}). Escape cancels the launch.`,
    placeHolder: exampleFor(param.typeName),
    ...(last !== undefined ? { value: last } : {}),
  };
}

/** The typed text as the runtime converts it: the value, or the message to show under the box (no CLI flags in it). */
export function checkArgument(flow: FlowGraph, param: FlowParameter, text: string): { value: Value } | { problem: string } {
  try {
    return { value: convertArgument(flow, param.name, param.typeName, text) };
  } catch (e) {
    // the runtime's hint names `--arg`: the message alone says what is wanted
    const m = asApxmError(e).message.replace(/^argument "[^"]*" of [^(]*\([^)]*\) must be /, 'must be ');
    return { problem: `${param.name} ${m}` };
  }
}

/** A launch.json `program`: `${workspaceFolder}/…` when the file is inside the folder, else the absolute path. */
export function programForLaunchJson(programFile: string, workspaceFolder: string | undefined): string {
  if (!workspaceFolder) return programFile;
  const rel = path.relative(workspaceFolder, programFile);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return programFile;
  return '${workspaceFolder}/' + rel.split(path.sep).join('/');
}

/** The configuration that saves a prompted launch; its name is made unique among `existing`. */
export function savedConfiguration(
  programFile: string,
  args: Record<string, unknown>,
  workspaceFolder: string | undefined,
  existing: readonly { name?: unknown }[] = [],
): Record<string, unknown> {
  const base = `Debug ${path.basename(programFile)}`;
  const names = new Set(existing.map((c) => c.name));
  let name = base;
  for (let i = 2; names.has(name); i++) name = `${base} (${i})`;
  return { type: 'apxm', request: 'launch', name, program: programForLaunchJson(programFile, workspaceFolder), args };
}

/** What stops a launch because the program does not load: the first error's text and place (the Problems view lists them all). */
export interface ProgramProblem {
  message: string;
  file?: string;
  line?: number;
  column?: number;
  count: number;
}

export function programProblem(e: unknown, programFile: string): ProgramProblem {
  const err = asApxmError(e);
  const diags = ((err.details?.diagnostics as Diagnostic[] | undefined) ?? []).filter((d) => d.severity === 'error');
  const first = diags[0] ?? { message: err.message, place: err.place };
  const place = first.place;
  const at = place?.line !== undefined ? ` (line ${place.line}${place.column !== undefined ? `:${place.column}` : ''})` : '';
  return {
    message: `${path.basename(programFile)} does not load: ${first.message}${at}`,
    ...(place?.file ? { file: place.file } : {}),
    ...(place?.line !== undefined ? { line: place.line } : {}),
    ...(place?.column !== undefined ? { column: place.column } : {}),
    count: Math.max(1, diags.length),
  };
}
