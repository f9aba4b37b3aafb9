/** Collects the `{{name}}` variables a template uses, resolved in the node's scope. */
import { hasOwn, placeholderText, replacePlaceholders, WHOLE_PLACEHOLDER } from '../values/placeholders.js';
import { putKey, type Value } from '../values/value.js';
import type { OpContext } from './opContext.js';

const VAR = /\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g;

export function templateVars(ctx: Pick<OpContext, 'lookupVar'>, ...templates: (string | undefined)[]): Record<string, Value> {
  const vars: Record<string, Value> = {};
  for (const t of templates) {
    if (!t) continue;
    for (const m of t.matchAll(VAR)) {
      const v = ctx.lookupVar(m[1]);
      if (v !== undefined) putKey(vars, m[1], v);
    }
  }
  return vars;
}

/** Replaces `{{name}}` with values (strings raw, others compact JSON); unknown names stay as written. */
export function interpolate(text: string, vars: Record<string, Value>): string {
  return replacePlaceholders(text, (name) => (name !== undefined && hasOwn(vars, name) ? placeholderText(vars[name]) : undefined));
}

/**
 * Fills `{k}` with input k and `{{name}}` with a variable in the node's scope (what the AIS
 * lowering writes for values and flow parameters). A text that is exactly one placeholder gives
 * the value itself, not its text. `used` lists the inputs the text referenced.
 */
export function fillText(ctx: Pick<OpContext, 'lookupVar' | 'inputs'>, text: string): { value: Value; used: Set<number> } {
  const used = new Set<number>();
  if (!text.includes('{')) return { value: text, used };
  const resolve = (name: string | undefined, i: number): Value | undefined => {
    if (name !== undefined) return ctx.lookupVar(name);
    if (i >= ctx.inputs.length) return undefined;
    used.add(i);
    return ctx.inputs[i];
  };
  const whole = WHOLE_PLACEHOLDER.exec(text);
  if (whole) {
    const v = resolve(whole[1], whole[1] === undefined ? Number(whole[2]) : -1);
    return { value: v === undefined ? text : v, used };
  }
  const value = replacePlaceholders(text, (name, i) => {
    const v = resolve(name, i);
    return v === undefined ? undefined : placeholderText(v);
  });
  return { value, used };
}

/** fillText as text (non-string values as compact JSON). */
export function fillString(ctx: Pick<OpContext, 'lookupVar' | 'inputs'>, text: string): string {
  const { value } = fillText(ctx, text);
  return typeof value === 'string' ? value : JSON.stringify(value);
}
