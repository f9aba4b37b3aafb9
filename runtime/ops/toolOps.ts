/** INV (invoke a capability with schema-checked JSON parameters) and EXC (sandboxed code). */
import { performance } from 'node:perf_hooks';
import { ApxmError, asApxmError, serializeError } from '../errors.js';
import { runSandboxed } from '../capabilities/sandbox.js';
import { EXC_MEMORY_MB_RANGE, TIMEOUT_MS_RANGE } from '../graph/attributeRanges.js';
import { isObject, tryParseJson, type Value, type ValueObject } from '../values/value.js';
import type { OpContext, OpHandler } from './opContext.js';
import { hasOwn, placeholderText, replacePlaceholders, WHOLE_PLACEHOLDER } from '../values/placeholders.js';
import { templateVars } from './templateVars.js';

/** Fills `{0}` (a whole string → the input value itself) and `{{name}}` in the string leaves of params. */
function fill(v: Value, ctx: OpContext, vars: Record<string, Value>): Value {
  if (typeof v === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(v.trim());
    if (whole?.[2] !== undefined) return ctx.inputs[Number(whole[2])] ?? null;
    if (whole?.[1] !== undefined && hasOwn(vars, whole[1])) return vars[whole[1]];
    return replacePlaceholders(v, (name, i) => {
      const x = name !== undefined ? (hasOwn(vars, name) ? vars[name] : undefined) : ctx.inputs[i];
      return x === undefined ? undefined : placeholderText(x);
    });
  }
  if (Array.isArray(v)) return v.map((x) => fill(x, ctx, vars));
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x, ctx, vars)]));
  return v;
}

/** Parameters from `params` (object), `params_json` (text), `arg_<name>` attributes, else the inputs. */
export function buildParams(ctx: OpContext, schemaProps: string[]): ValueObject {
  const attrs = ctx.node.attributes;
  let params: ValueObject = {};
  if (isObject(attrs.params ?? null)) params = { ...(attrs.params as ValueObject) };
  else if (typeof attrs.params_json === 'string' && attrs.params_json.trim()) {
    const parsed = tryParseJson(attrs.params_json);
    if (!isObject(parsed))
      throw new ApxmError('E_ATTRIBUTE', `"params_json" of INV node ${ctx.node.id} is not a JSON object`, {
        hint: 'write e.g. "params_json": "{\\"query\\": \\"weather\\"}", or use "params": {...}',
      });
    params = { ...parsed };
  }
  for (const [k, v] of Object.entries(attrs)) if (k.startsWith('arg_')) params[k.slice(4)] = v;
  const vars = templateVars(ctx, JSON.stringify(params));
  params = fill(params, ctx, vars) as ValueObject;
  if (Object.keys(params).length === 0 && ctx.inputs.length) {
    if (ctx.inputs.length === 1 && isObject(ctx.inputs[0])) return { ...(ctx.inputs[0] as ValueObject) };
    ctx.inputs.forEach((v, i) => (params[schemaProps[i] ?? `arg${i}`] = v));
  }
  return params;
}

export const inv: OpHandler = async (ctx) => {
  const name = ctx.attrs.string('capability', { required: true, hint: 'set "capability" to a registered tool name' }) as string;
  const caps = ctx.services.capabilities;
  const info = caps.get(name);
  const props =
    info && isObject((info.schema as Value) ?? null) && isObject(((info.schema as ValueObject).properties as Value) ?? null)
      ? Object.keys((info.schema as ValueObject).properties as ValueObject)
      : [];
  const params = buildParams(ctx, props);
  const timeoutMs = ctx.attrs.number('timeout_ms', TIMEOUT_MS_RANGE);
  ctx.emit('capability:call', { runId: ctx.runId, nodeExecId: ctx.nodeExecId, name, params });
  const t0 = performance.now();
  try {
    const result = await caps.invoke(name, params, {
      signal: ctx.signal,
      timeoutMs,
      runId: ctx.runId,
      nodeId: ctx.node.id,
      log: (text: string) => ctx.emit('print', { runId: ctx.runId, nodeExecId: ctx.nodeExecId, text: `[${name}] ${text}` }),
    });
    ctx.emit('capability:result', { runId: ctx.runId, nodeExecId: ctx.nodeExecId, name, result, durationMs: performance.now() - t0 });
    return result;
  } catch (e) {
    const err = asApxmError(e, 'E_CAPABILITY_FAILED');
    ctx.emit('capability:result', {
      runId: ctx.runId,
      nodeExecId: ctx.nodeExecId,
      name,
      error: serializeError(err),
      durationMs: performance.now() - t0,
    });
    throw err;
  }
};

/** Runs `code` in the WebAssembly sandbox with time and memory limits; `inputs` are visible to it. */
export const exc: OpHandler = async (ctx) => {
  const code = ctx.attrs.string('code');
  if (code === undefined) {
    // Upstream's EXC meant "raise `message`"; keep that reading for programs written for it.
    const message = ctx.attrs.string('message', { required: true, hint: 'set "code" to the JavaScript to run' }) as string;
    throw new ApxmError('E_USER_ERROR', message);
  }
  const timeoutMs = ctx.attrs.number('timeout_ms', TIMEOUT_MS_RANGE) ?? 5000;
  const memoryMb = ctx.attrs.number('memory_mb', EXC_MEMORY_MB_RANGE) ?? 32;
  const { value, logs } = await runSandboxed(code, {
    inputs: ctx.inputs,
    timeoutMs,
    memoryLimitBytes: memoryMb * 1024 * 1024,
    signal: ctx.signal,
  });
  for (const line of logs) ctx.emit('print', { runId: ctx.runId, nodeExecId: ctx.nodeExecId, text: line });
  return value;
};
