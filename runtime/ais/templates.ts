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
  let text = '';
  const refs: number[] = [];
  for (const p of parts) {
    if (p.kind === 'String') text += p.value;
    else if (p.kind === 'Number') text += p.raw;
    else if (p.kind === 'Bool') text += String(p.value);
    else if (p.kind === 'Null') text += 'null';
    else {
      const r = resolve(p);
      if (typeof r === 'string') text += `{{${r}}}`;
      else {
        let k = refs.indexOf(r);
        if (k < 0) k = refs.push(r) - 1;
        text += `{${k}}`;
      }
    }
  }
  return { text, refs };
}

/**
 * Quotes placeholders that stand outside JSON strings, so `"{\"n\": " + count + "}"` becomes
 * `{"n": "{0}"}`; the runtime replaces a string that is exactly one placeholder by the value
 * itself, so numbers stay numbers.
 */
export function quoteBarePlaceholders(json: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const ch = json[i];
    if (inString) {
      out += ch;
      if (ch === '\\') out += json[++i] ?? '';
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
      continue;
    }
    const m = /^(\{\{\s*[A-Za-z_][\w.]*\s*\}\}|\{\d+\})/.exec(json.slice(i));
    if (m) {
      out += `"${m[1]}"`;
      i += m[1].length - 1;
      continue;
    }
    out += ch;
  }
  return out;
}
