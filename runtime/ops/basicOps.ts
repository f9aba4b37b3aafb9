/** CONST_STR, PRINT, AGENT, YIELD. */
import { printFmt } from '../values/value.js';
import type { OpHandler } from './opContext.js';
import { interpolate, templateVars } from './templateVars.js';

export const constStr: OpHandler = (ctx) => {
  const value = ctx.attrs.string(['value', 'text', 'const'], { required: true, hint: 'set "value" to the string' }) as string;
  return value.includes('{{') ? interpolate(value, templateVars(ctx, value)) : value;
};

/** Prints the message then each input (spec §3.8); the printed text is also the op's output. */
export const print: OpHandler = (ctx) => {
  const raw = ctx.attrs.string(['message', 'template_str']) ?? '';
  const message = raw.includes('{{') ? interpolate(raw, templateVars(ctx, raw)) : raw;
  const parts = ctx.inputs.map(printFmt);
  const text = message && parts.length ? `${message} ${parts.join(' ')}` : message || parts.join(' ');
  ctx.emit('print', { runId: ctx.runId, nodeExecId: ctx.nodeExecId, text });
  return text;
};

/** AGENT nodes carry metadata only. */
export const agent: OpHandler = () => null;

/** A region's value: its first input. */
export const yieldOp: OpHandler = (ctx) => ctx.inputs[0] ?? null;
