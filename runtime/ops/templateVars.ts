/** Collects the `{{name}}` variables a template uses, resolved in the node's scope. */
import type { Value } from '../values/value.js';
import type { OpContext } from './opContext.js';

const VAR = /\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g;

export function templateVars(ctx: Pick<OpContext, 'lookupVar'>, ...templates: (string | undefined)[]): Record<string, Value> {
  const vars: Record<string, Value> = {};
  for (const t of templates) {
    if (!t) continue;
    for (const m of t.matchAll(VAR)) {
      const v = ctx.lookupVar(m[1]);
      if (v !== undefined) vars[m[1]] = v;
    }
  }
  return vars;
}

/** Replaces `{{name}}` with values (strings raw, others compact JSON); unknown names stay as written. */
export function interpolate(text: string, vars: Record<string, Value>): string {
  return text.replace(VAR, (whole, name: string) => {
    if (!Object.prototype.hasOwnProperty.call(vars, name)) return whole;
    const v = vars[name];
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}
