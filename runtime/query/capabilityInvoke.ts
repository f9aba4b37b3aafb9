/**
 * One capability call from the explorer ("Invoke..."): the parameters are checked against the
 * capability's schema before anything runs, and every outcome is a value (the result, or an error
 * with its code, the JSON path at fault and the fix), never a throw.
 */
import type { CapabilitySystem } from '../capabilities/capabilitySystem.js';
import { editDistance } from '../graph/opCatalogue.js';
import { asApxmError } from '../errors.js';
import type { Value, ValueObject } from '../values/value.js';
import { schemaViolations, type SchemaViolation } from '../values/jsonSchema.js';

export interface InvokeError {
  code: string;
  message: string;
  hint?: string;
  /** The parameter at fault, e.g. `$.params.version` (bad parameters only). */
  jsonPath?: string;
  /** Every schema violation (bad parameters only); `jsonPath` and `message` name the first. */
  violations?: SchemaViolation[];
}

export type InvokeOutcome = { result: Value; durationMs: number } | { error: InvokeError; durationMs: number };

/** Why `params` cannot be sent to `name` (undefined: they can). Paths are from `$.params`. */
export function invokeProblem(system: CapabilitySystem, name: string, params: ValueObject): InvokeError | undefined {
  const info = system.get(name);
  if (!info) {
    const names = system.listCapabilityNames();
    const near = names.filter((n) => editDistance(n.toLowerCase(), name.toLowerCase()) <= 2);
    return {
      code: 'E_CAPABILITY_NOT_FOUND',
      message: `no capability named "${name}"`,
      hint: near.length
        ? `did you mean ${near.map((n) => `"${n}"`).join(' or ')}?`
        : names.length
          ? `registered: ${names.join(', ')}`
          : 'no capabilities are registered',
    };
  }
  const violations = schemaViolations(info.schema, params, '$.params');
  if (!violations.length) return undefined;
  const [first] = violations;
  return {
    code: 'E_CAPABILITY_ARGS',
    message: `${first.jsonPath} ${first.message}${violations.length > 1 ? ` (and ${violations.length - 1} more)` : ''}`,
    hint: violations.map((v) => `${v.jsonPath}: ${v.fix}`).join('; '),
    jsonPath: first.jsonPath,
    violations,
  };
}

/** Checks, then calls `name` with `params`; `durationMs` is the call's own time (0 when it was refused). */
export async function invokeChecked(
  system: CapabilitySystem,
  name: string,
  params: ValueObject,
  options: {
    signal?: AbortSignal;
    log?: (text: string) => void;
    /** Hears each call that ran (not one refused before it): its time and, if it failed, its message. */
    onCalled?: (durationMs: number, error?: string) => void;
  } = {},
): Promise<InvokeOutcome> {
  const problem = invokeProblem(system, name, params);
  if (problem) return { error: problem, durationMs: 0 };
  const t0 = performance.now();
  try {
    const result = await system.invoke(name, params, { signal: options.signal, runId: 'explorer', log: options.log });
    const durationMs = Math.round(performance.now() - t0);
    options.onCalled?.(durationMs);
    return { result, durationMs };
  } catch (e) {
    const err = asApxmError(e, 'E_CAPABILITY_FAILED');
    options.onCalled?.(performance.now() - t0, err.message);
    return {
      error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) },
      durationMs: Math.round(performance.now() - t0),
    };
  }
}
