/**
 * Template text from a `+` chain: literal parts are
 * copied, a flow parameter becomes `{{name}}` (the runtime fills it from the frame), any other
 * value becomes `{k}`, the k-th data input. The same node used twice gets one placeholder.
 */
import { flattenAdd, type Expression } from './ast.js';

export interface Template {
  text: string;
  /** Node ids, in placeholder order: the node's data inputs. */
  refs: number[];
}

/** `resolve` lowers a non-literal part: a node id, or a parameter's name. */
export function buildTemplate(e: Expression, resolve: (part: Expression) => number | string): Template {
  const parts = e.kind === 'Binary' && e.op === 'Add' ? flattenAdd(e) : [e];
  const pieces: string[] = [];
  const refs: number[] = [];
  const index = new Map<number, number>(); // node id → placeholder number (a lookup per part, not a scan)
  for (const p of parts) {
    if (p.kind === 'String') pieces.push(p.value);
    else if (p.kind === 'Number') pieces.push(p.raw);
    else if (p.kind === 'Bool') pieces.push(String(p.value));
    else if (p.kind === 'Null') pieces.push('null');
    else {
      const r = resolve(p);
      if (typeof r === 'string') pieces.push(`{{${r}}}`);
      else {
        let k = index.get(r);
        if (k === undefined) index.set(r, (k = refs.push(r) - 1));
        pieces.push(`{${k}}`);
      }
    }
  }
  return { text: pieces.join(''), refs };
}

/**
 * Quotes placeholders that stand outside JSON strings, so `"{\"n\": " + count + "}"` becomes
 * `{"n": "{0}"}`; the runtime replaces a string that is exactly one placeholder by the value
 * itself, so numbers stay numbers.
 */
export function quoteBarePlaceholders(json: string): string {
  // Copies runs by slice and tries the placeholder pattern only at '{' (sticky, no copy of the rest):
  // linear in the text, however long.
  const placeholder = /\{\{\s*[A-Za-z_][\w.]*\s*\}\}|\{\d+\}/y;
  const out: string[] = [];
  let copied = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    if (c !== 123 /* { */) continue;
    placeholder.lastIndex = i;
    const m = placeholder.exec(json);
    if (!m) continue;
    out.push(json.slice(copied, i), `"${m[0]}"`);
    i += m[0].length - 1;
    copied = i + 1;
  }
  out.push(json.slice(copied));
  return out.join('');
}
