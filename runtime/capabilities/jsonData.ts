/**
 * The one check of "is this result JSON?" for EXC results and capability results: a walk that
 * applies `toJSON` as JSON.stringify does, copies the value as plain data, and stops at the first
 * value JSON cannot carry (nesting past 512 levels, BigInt, Symbol, function, circular reference, non-finite number, a Map,
 * Set or other non-plain object, a throwing `toJSON` or getter), naming it and its JSON path.
 *
 * `jsonData` must stay self-contained (no imports, no helpers, no nested functions): the EXC
 * sandbox evaluates its source text inside QuickJS, where the walk runs under the code's own
 * time and memory limits.
 */
import type { Value } from '../values/value.js';

export type JsonData = { ok: true; value: Value } | { ok: false; path: string; problem: string };

export function jsonData(root: unknown): JsonData {
  const tagOf = { call: (x: unknown) => Object.prototype.toString.call(x) };
  const ident = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
  const maxDepth = 512;
  const out: { [key: string]: unknown } = { value: null };
  /** Work items: visit `holder[key]` (its copy goes to `into[slot]`), or leave an object (`leave`). */
  type Item =
    | {
        holder: unknown;
        key: string | number;
        path: string;
        into: { [k: string]: unknown } | unknown[];
        slot: string | number;
        leave?: false;
      }
    | { leave: true };
  const stack: Item[] = [{ holder: { '': root }, key: '', path: '$', into: out, slot: 'value' }];
  const ancestors: unknown[] = [];
  const ancestorPaths: string[] = [];
  let problem = '';
  let where = '$';
  while (stack.length > 0) {
    const item = stack.pop() as Item;
    if (item.leave) {
      ancestors.pop();
      ancestorPaths.pop();
      continue;
    }
    where = item.path;
    let v: unknown;
    try {
      v = (item.holder as { [k: string]: unknown })[item.key];
      if (v !== null && (typeof v === 'object' || typeof v === 'function')) {
        const toJSON = (v as { toJSON?: unknown }).toJSON;
        if (typeof toJSON === 'function') v = toJSON.call(v, String(item.key));
      }
    } catch (e) {
      let text = 'a value that cannot be shown';
      try {
        text = e instanceof Error ? `${e.name}: ${e.message}` : typeof e === 'symbol' ? e.toString() : String(e);
      } catch {
        // keep the placeholder: the thrown value itself throws when turned into text
      }
      problem = `reading it (or its toJSON) threw ${text}`;
      break;
    }
    const t = typeof v;
    if (t === 'undefined') {
      // As in JSON: dropped from an object, null in an array or at the top.
      if (Array.isArray(item.into) || item.into === out) (item.into as { [k: string]: unknown })[item.slot] = null;
      continue;
    }
    if (t === 'string' || t === 'boolean' || v === null) {
      // `into.__proto__ = x` would set the copy's prototype and lose the key: define it instead
      if (item.slot === '__proto__')
        Object.defineProperty(item.into, '__proto__', { value: v, enumerable: true, writable: true, configurable: true });
      else (item.into as { [k: string]: unknown })[item.slot] = v;
      continue;
    }
    if (t === 'number') {
      if (!Number.isFinite(v)) {
        problem = `a non-finite number (${String(v as number)})`;
        break;
      }
      if (item.slot === '__proto__')
        Object.defineProperty(item.into, '__proto__', { value: v, enumerable: true, writable: true, configurable: true });
      else (item.into as { [k: string]: unknown })[item.slot] = v;
      continue;
    }
    if (t === 'bigint') {
      problem = `a BigInt (${String(v as bigint)}n)`;
      break;
    }
    if (t === 'symbol') {
      problem = `a Symbol (${(v as symbol).toString()})`;
      break;
    }
    if (t === 'function') {
      problem = 'a function';
      break;
    }
    // Bounds the walk's paths and its circularity search: 100,000 levels took seconds and then
    // failed as "keys cannot be listed" when the sandbox ran out of memory for the paths.
    if (ancestors.length >= maxDepth) {
      problem = `a value nested deeper than ${maxDepth} levels`;
      break;
    }
    const seen = ancestors.indexOf(v);
    if (seen >= 0) {
      problem = `a circular reference (back to ${ancestorPaths[seen]})`;
      break;
    }
    let copy: unknown[] | { [k: string]: unknown };
    const children: Item[] = [];
    try {
      if (Array.isArray(v)) {
        copy = [];
        const length = (v as unknown[]).length;
        for (let i = 0; i < length; i++) children.push({ holder: v, key: i, path: `${item.path}[${i}]`, into: copy, slot: i });
      } else {
        const tag = tagOf.call(v);
        if (tag !== '[object Object]') {
          problem = `a ${tag.slice(8, -1)} object (only plain objects and arrays are JSON)`;
          break;
        }
        copy = {};
        for (const k of Object.keys(v as object))
          children.push({
            holder: v,
            key: k,
            path: ident.test(k) ? `${item.path}.${k}` : `${item.path}[${JSON.stringify(k)}]`,
            into: copy,
            slot: k,
          });
      }
    } catch (e) {
      problem = `an object whose keys cannot be listed (${e instanceof Error ? e.message : 'it threw'})`;
      break;
    }
    if (item.slot === '__proto__')
      Object.defineProperty(item.into, '__proto__', { value: copy, enumerable: true, writable: true, configurable: true });
    else (item.into as { [k: string]: unknown })[item.slot] = copy;
    ancestors.push(v);
    ancestorPaths.push(item.path);
    stack.push({ leave: true });
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  if (problem) return { ok: false, path: where, problem };
  return { ok: true, value: out.value as Value };
}

/** "a BigInt (5n) at $.total": how a failed check reads in an error message. */
export function jsonProblemText(check: { path: string; problem: string }): string {
  return `${check.problem} at ${check.path}`;
}
