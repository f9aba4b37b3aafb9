/**
 * Binds run arguments to the entry flow's parameters by name, converting by declared type. The
 * CLI's `--arg name=value` (always text) and the debugger's launch `args` (JSON values) both come
 * through here, so both follow the same rules:
 * - int: an integer written in decimal (`42`, `-7`), within ±(2^53 − 1) so it is exact; no
 *   fraction, exponent, hex or spaces. From JSON, a number that is such an integer.
 * - float (also `number`, `f64`): a finite decimal number (`0.5`, `-3`, `1e-3`); no hex, no
 *   Infinity or NaN. From JSON, a finite number.
 * - bool: `true` or `false`.
 * - json (also `object`, `array`, `list…`, `[…]`): JSON text; from JSON, any value.
 * - anything else (`str`…): the text as given.
 * Every name must be a declared parameter, `__proto__` and `constructor` included.
 */
import { ApxmError } from '../errors.js';
import { editDistance } from './opCatalogue.js';
import { putKey, toValue, type Value } from '../values/value.js';
import type { FlowGraph } from './types.js';

type ArgKind = 'int' | 'float' | 'bool' | 'json' | 'text';

function kindOf(typeName: string): ArgKind {
  const t = typeName.toLowerCase();
  if (t === 'int' || t === 'integer' || t === 'i64' || t === 'i32') return 'int';
  if (t === 'float' || t === 'f64' || t === 'f32' || t === 'number') return 'float';
  if (t === 'bool' || t === 'boolean') return 'bool';
  if (t === 'json' || t === 'object' || t === 'array' || t.startsWith('list') || t.startsWith('[')) return 'json';
  return 'text';
}

const INT_TEXT = /^[+-]?\d+$/;
const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function signature(flow: FlowGraph): string {
  return `${flow.qualifiedName}(${flow.parameters.map((p) => `${p.name}: ${p.typeName}`).join(', ')})`;
}

/** `--arg` as the shell needs it: single quotes around anything but plain words. */
function example(name: string, value: string): string {
  return /^[\w.+-]+$/.test(value) ? `--arg ${name}=${value}` : `--arg ${name}='${value}'`;
}

function shown(raw: unknown): string {
  const s = JSON.stringify(raw) ?? String(raw);
  return s.length > 60 ? s.slice(0, 57) + '…' : s;
}

/**
 * One argument converted by its declared type, or an E_ARG_UNKNOWN error saying what it must be.
 * Exported so a front end (VS Code's argument prompt) checks a value by the same rules.
 */
export function convertArgument(flow: FlowGraph, name: string, typeName: string, raw: unknown): Value {
  const bad = (what: string, hint: string) =>
    new ApxmError('E_ARG_UNKNOWN', `argument "${name}" of ${signature(flow)} must be ${what}, got ${shown(raw)}`, { hint });
  switch (kindOf(typeName)) {
    case 'int': {
      const hint = `pass a whole number, e.g. ${example(name, '42')}; for a larger or fractional number declare the parameter float (or str)`;
      if (typeof raw === 'number') {
        if (Number.isSafeInteger(raw)) return raw + 0; // + 0: -0 becomes 0
        throw bad(
          Number.isInteger(raw) ? `an integer between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}` : 'an integer',
          hint,
        );
      }
      if (typeof raw !== 'string' || !INT_TEXT.test(raw)) throw bad('an integer written in decimal digits', hint);
      const n = Number(raw);
      if (!Number.isSafeInteger(n)) throw bad(`an integer between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`, hint);
      return n + 0;
    }
    case 'float': {
      const hint = `pass a decimal number, e.g. ${example(name, '0.5')} or ${example(name, '-3')}`;
      if (typeof raw === 'number') {
        if (Number.isFinite(raw)) return raw;
        throw bad('a finite number', hint);
      }
      if (typeof raw !== 'string' || !FLOAT_TEXT.test(raw)) throw bad('a decimal number', hint);
      const n = Number(raw);
      if (!Number.isFinite(n)) throw bad('a finite number', hint);
      return n;
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw bad('true or false', `pass ${example(name, 'true')} or ${example(name, 'false')}`);
    case 'json': {
      if (typeof raw !== 'string') return toValue(raw);
      try {
        return toValue(JSON.parse(raw));
      } catch (e) {
        throw bad(
          `JSON (${(e as Error).message})`,
          `pass JSON text in single quotes, e.g. ${example(name, '["a","b"]')} or ${example(name, '{"k":1}')}`,
        );
      }
    }
    case 'text':
      return typeof raw === 'string' ? raw : toValue(raw);
  }
}

export function bindArguments(flow: FlowGraph, args: Record<string, unknown>): Record<string, Value> {
  const names = flow.parameters.map((p) => p.name);
  const known = new Set(names);
  for (const name of Object.keys(args)) {
    if (known.has(name)) continue;
    const close = [...names].sort((a, b) => editDistance(name, a) - editDistance(name, b))[0];
    throw new ApxmError('E_ARG_UNKNOWN', `unknown argument ${JSON.stringify(name)}: ${signature(flow)} has no such parameter`, {
      hint: close ? `did you mean "${close}"?` : `${flow.qualifiedName} takes no arguments`,
    });
  }
  // hasOwn: `constructor` and `toString` exist on every object; only given arguments count.
  const missing = flow.parameters.filter((p) => !Object.hasOwn(args, p.name) || args[p.name] === undefined);
  if (missing.length) {
    throw new ApxmError(
      'E_ARG_MISSING',
      `missing argument${missing.length > 1 ? 's' : ''} ${missing.map((p) => `"${p.name}"`).join(', ')} for ${signature(flow)}`,
      {
        hint: `pass ${missing.map((p) => `--arg ${p.name}=<${p.typeName}>`).join(' ')}`,
      },
    );
  }
  const out: Record<string, Value> = {};
  for (const p of flow.parameters) putKey(out, p.name, convertArgument(flow, p.name, p.typeName, args[p.name]));
  return out;
}

/**
 * `name=value` flags (`--arg`, `--answer`) as an object without a prototype, so `__proto__=x`
 * is a name like any other (on a plain object the assignment was silently dropped). A name given
 * twice is an error rather than a silent "last one wins".
 */
export function parseNameValueFlags(list: readonly string[] | undefined, flag: string): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0)
      throw new ApxmError('E_ARG_UNKNOWN', `${flag} expects name=value, got ${shown(item)}`, { hint: `e.g. ${flag} city=Lisbon` });
    const name = item.slice(0, eq);
    if (Object.hasOwn(out, name)) throw new ApxmError('E_ARG_UNKNOWN', `${flag} ${name} is given twice`, { hint: `give each name once` });
    out[name] = item.slice(eq + 1);
  }
  return out;
}
