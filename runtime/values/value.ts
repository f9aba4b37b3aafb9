/**
 * The runtime value: plain JSON. Objects keep insertion order, so prompts and displays are
 * deterministic (upstream used a hash map).
 */
export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };
export type ValueObject = { [key: string]: Value };

export function isObject(v: Value | undefined): v is ValueObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether a JSON-like value nests deeper than `limit` (checked without recursion, so any depth is safe). */
export function nestsDeeperThan(x: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[x, 0]];
  while (stack.length) {
    const [v, d] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (d >= limit) return true;
    for (const c of Array.isArray(v) ? v : Object.values(v)) if (c !== null && typeof c === 'object') stack.push([c, d + 1]);
  }
  return false;
}

/** A value quoted for an error message: compact JSON, cut to `max` characters, never throwing. */
export function quoteForMessage(x: unknown, max = 60): string {
  let text: string;
  try {
    text = JSON.stringify(x) ?? String(x);
  } catch {
    text = Array.isArray(x) ? '[…]' : typeof x === 'object' ? '{…}' : '?';
  }
  return text.length > max ? text.slice(0, max) + '…' : text;
}

/**
 * `o[k] = v` for a key that comes from a program or its data: a "__proto__" key (JSON.parse makes it an
 * own property) stays a key instead of replacing the object's prototype.
 */
export function putKey(o: { [key: string]: Value }, k: string, v: Value): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/** Converts any JS value into a Value (undefined → null, Map/Set/Date/bigint normalised). */
export function toValue(x: unknown): Value {
  if (x === undefined || x === null) return null;
  switch (typeof x) {
    case 'boolean':
    case 'string':
      return x;
    case 'number':
      return Number.isFinite(x) ? x : String(x);
    case 'bigint':
      return Number(x);
    case 'object': {
      if (Array.isArray(x)) return x.map(toValue);
      if (x instanceof Date) return x.toISOString();
      if (x instanceof Map) return Object.fromEntries([...x].map(([k, v]) => [String(k), toValue(v)]));
      if (x instanceof Set) return [...x].map(toValue);
      const out: ValueObject = {};
      for (const [k, v] of Object.entries(x)) if (v !== undefined) putKey(out, k, toValue(v));
      return out;
    }
    case 'symbol':
      return x.toString();
    default:
      return Function.prototype.toString.call(x); // a function: its source text
  }
}

/** Rust f64 Display: shortest round-trip digits, never exponent notation. */
export function displayNumber(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : n < 0 ? '-inf' : 'NaN';
  const s = String(n);
  if (!/e/i.test(s)) return s;
  const [mant, expStr] = s.split(/e/i);
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const pointAt = (mant.replace('-', '').indexOf('.') === -1 ? mant.replace('-', '').length : mant.replace('-', '').indexOf('.')) + exp;
  let out: string;
  if (pointAt <= 0) out = '0.' + '0'.repeat(-pointAt) + digits;
  else if (pointAt >= digits.length) out = digits + '0'.repeat(pointAt - digits.length);
  else out = digits.slice(0, pointAt) + '.' + digits.slice(pointAt);
  return (neg ? '-' : '') + out;
}

/** display(v): strings quoted without escaping, arrays/objects bracketed. */
export function display(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return displayNumber(v);
  if (typeof v === 'string') return `"${v}"`;
  if (Array.isArray(v)) return '[' + v.map(display).join(', ') + ']';
  return (
    '{' +
    Object.entries(v)
      .map(([k, x]) => `"${k}": ${display(x)}`)
      .join(', ') +
    '}'
  );
}

/** json(v): compact JSON. */
export function json(v: Value): string {
  return JSON.stringify(v);
}

/** print_fmt(v): what PRINT shows. */
export function printFmt(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return displayNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(printFmt).join('');
  return JSON.stringify(v);
}

/** Human-friendly text of a value for templates: strings raw, others compact JSON. */
export function textOf(v: Value): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return displayNumber(v);
  return JSON.stringify(v);
}

/** True for null, "", [] and {} (GUARD's notion of empty). */
export function isEmptyValue(v: Value): boolean {
  if (v === null) return true;
  if (typeof v === 'string') return v.length === 0;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

/** Parses JSON into a Value, or returns undefined. */
export function tryParseJson(text: string): Value | undefined {
  try {
    return toValue(JSON.parse(text));
  } catch {
    return undefined;
  }
}
