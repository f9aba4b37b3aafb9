/** MERGE, WAIT_ALL, FENCE. Skipped inputs (untaken branches) are left out by the scheduler. */
import { ApxmError } from '../errors.js';
import { putKey, type Value } from '../values/value.js';
import type { OpHandler } from './opContext.js';

export const merge: OpHandler = (ctx) => {
  const strategy = ctx.attrs.string('strategy') ?? 'array';
  const inputs = ctx.inputs;
  switch (strategy) {
    case 'first':
      return inputs[0] ?? null;
    case 'concat': {
      const sep = ctx.attrs.string('separator') ?? '';
      return inputs.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(sep);
    }
    case 'sum':
      return inputs.reduce<number>((acc, v) => acc + (typeof v === 'number' ? v : 0), 0);
    case 'object': {
      const names = ctx.attrs.stringArray('keys') ?? [];
      const out: Record<string, Value> = {};
      inputs.forEach((v, i) => putKey(out, names[i] ?? String(i), v));
      return out;
    }
    case 'array':
      return inputs;
    default:
      throw new ApxmError('E_ATTRIBUTE', `unknown MERGE strategy "${strategy}"`, {
        hint: 'use "array", "first", "concat", "sum" or "object"',
      });
  }
};

export const waitAll: OpHandler = (ctx) => ctx.inputs;

/** A memory barrier: everything recorded so far is written before anything after it runs. */
export const fence: OpHandler = (ctx) => {
  ctx.services.recorder?.flush();
  return ctx.inputs[0] ?? null;
};
