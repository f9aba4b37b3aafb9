/** CONST_STR, PRINT, AGENT, YIELD. */
import { printFmt } from '../values/value.js';
import type { OpHandler } from './opContext.js';
import { fillText } from './templateVars.js';

/** A constant; `{k}` and `{{name}}` in it are filled (the AIS lowering builds strings this way). */
export const constStr: OpHandler = (ctx) => {
  const raw = ctx.attrs.raw('value');
  if (raw !== undefined && raw !== null && typeof raw !== 'string') return raw;
  const value = ctx.attrs.string(['value', 'text', 'const'], { required: true, hint: 'set "value" to the string' }) as string;
  return fillText(ctx, value).value;
};

/** Prints the message then each input it does not reference; the printed text is also the op's output. */
export const print: OpHandler = (ctx) => {
  const raw = ctx.attrs.string(['message', 'template_str']) ?? '';
  const { value, used } = fillText(ctx, raw);
  const message = typeof value === 'string' ? value : printFmt(value);
  const parts = ctx.inputs.filter((_, i) => !used.has(i)).map(printFmt);
  const text = message && parts.length ? `${message} ${parts.join(' ')}` : message || parts.join(' ');
  ctx.emit('print', { runId: ctx.runId, nodeExecId: ctx.nodeExecId, text });
  return text;
};

/** AGENT nodes carry metadata only. */
export const agent: OpHandler = () => null;

/** A region's value: its first input. */
export const yieldOp: OpHandler = (ctx) => ctx.inputs[0] ?? null;
