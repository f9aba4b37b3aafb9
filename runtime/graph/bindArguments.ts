/** Binds run arguments to the entry flow's parameters by name, converting by declared type. */
import { ApxmError } from '../errors.js';
import { editDistance } from './opCatalogue.js';
import { toValue, type Value } from '../values/value.js';
import type { FlowGraph } from './types.js';

function signature(flow: FlowGraph): string {
  return `${flow.qualifiedName}(${flow.parameters.map((p) => `${p.name}: ${p.typeName}`).join(', ')})`;
}

function convert(flow: FlowGraph, name: string, type: string, raw: unknown): Value {
  const t = type.toLowerCase();
  if (typeof raw !== 'string') return toValue(raw);
  const bad = (what: string) => new ApxmError('E_ARG_UNKNOWN', `argument "${name}" of ${signature(flow)} must be ${what}, got ${JSON.stringify(raw)}`, { hint: `pass e.g. --arg ${name}=${what === 'a number' ? '3' : what === 'true or false' ? 'true' : '{"a":1}'}` });
  if (t === 'int' || t === 'integer' || t === 'i64' || t === 'number' || t === 'float' || t === 'f64') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || ((t === 'int' || t === 'integer' || t === 'i64') && !Number.isInteger(n))) throw bad(t.startsWith('f') || t === 'number' ? 'a number' : 'an integer');
    return n;
  }
  if (t === 'bool' || t === 'boolean') {
    if (raw === 'true' || raw === 'false') return raw === 'true';
    throw bad('true or false');
  }
  if (t === 'json' || t === 'object' || t === 'array' || t.startsWith('list') || t.startsWith('[')) {
    try {
      return toValue(JSON.parse(raw));
    } catch {
      throw bad('JSON');
    }
  }
  return raw;
}

export function bindArguments(flow: FlowGraph, args: Record<string, unknown>): Record<string, Value> {
  const out: Record<string, Value> = {};
  const known = new Set(flow.parameters.map((p) => p.name));
  for (const name of Object.keys(args)) {
    if (known.has(name)) continue;
    const close = flow.parameters.map((p) => p.name).sort((a, b) => editDistance(name, a) - editDistance(name, b))[0];
    throw new ApxmError('E_ARG_UNKNOWN', `unknown argument "${name}": ${signature(flow)} has no such parameter`, {
      hint: close ? `did you mean "${close}"?` : `${flow.qualifiedName} takes no arguments`,
    });
  }
  const missing = flow.parameters.filter((p) => args[p.name] === undefined);
  if (missing.length) {
    throw new ApxmError('E_ARG_MISSING', `missing argument${missing.length > 1 ? 's' : ''} ${missing.map((p) => `"${p.name}"`).join(', ')} for ${signature(flow)}`, {
      hint: `pass ${missing.map((p) => `--arg ${p.name}=<${p.typeName}>`).join(' ')}`,
    });
  }
  for (const p of flow.parameters) out[p.name] = convert(flow, p.name, p.typeName, args[p.name]);
  return out;
}
