/** JSON Schema validation with ajv, for ASK's output_schema: a list of readable problems. */
import { Ajv, type ErrorObject } from 'ajv';

const ajv = new Ajv({ allErrors: true, strict: false });
const cache = new Map<string, ReturnType<typeof ajv.compile>>();

export function validateAgainstSchema(schema: unknown, value: unknown): string[] {
  const key = JSON.stringify(schema);
  let validate = cache.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(schema as object);
    } catch (e) {
      return [`the schema itself is invalid: ${(e as Error).message}`];
    }
    cache.set(key, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}

/** Problems with a schema itself (undefined when ajv accepts it). */
export function schemaProblem(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return 'a JSON Schema must be an object';
  try {
    const key = JSON.stringify(schema);
    if (!cache.has(key)) cache.set(key, ajv.compile(schema));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** One way a value breaks its schema: where (a JSON path from `$`), what, and how to fix it. */
export interface SchemaViolation {
  jsonPath: string;
  message: string;
  fix: string;
}

// verbose: each error carries the sub-schema it broke, from which the fix names the allowed keys and types
const verboseAjv = new Ajv({ allErrors: true, strict: false, verbose: true });
const verboseCache = new Map<string, ReturnType<typeof verboseAjv.compile>>();

/** `/a/0/b~1c` → `$.a[0]["b/c"]`. */
export function pointerToJsonPath(pointer: string, base = '$'): string {
  if (!pointer) return base;
  let out = base;
  for (const raw of pointer.slice(1).split('/')) out += childPath(raw.replace(/~1/g, '/').replace(/~0/g, '~'));
  return out;
}

function childPath(key: string): string {
  if (/^(0|[1-9][0-9]*)$/.test(key)) return `[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** What a schema asks for, in a few words: `a string`, `one of "a", "b"`, `an object`. */
function wanted(schema: unknown): string {
  if (typeof schema !== 'object' || schema === null) return 'a value';
  const s = schema as { type?: unknown; enum?: unknown[]; const?: unknown };
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (s.const !== undefined) return JSON.stringify(s.const);
  const types = Array.isArray(s.type) ? s.type : typeof s.type === 'string' ? [s.type] : [];
  if (!types.length) return 'a value';
  return types.map((t) => (t === 'integer' ? 'an integer' : t === 'object' || t === 'array' ? `an ${t}` : `a ${String(t)}`)).join(' or ');
}

/**
 * Every way `value` breaks `schema` (none: it matches), each at its JSON path with a fix: for the
 * parameter forms of the capability explorer, which must say which field to change and how.
 */
export function schemaViolations(schema: unknown, value: unknown, base = '$'): SchemaViolation[] {
  const key = JSON.stringify(schema);
  let validate = verboseCache.get(key);
  if (!validate) {
    try {
      validate = verboseAjv.compile(schema as object);
    } catch (e) {
      return [
        { jsonPath: base, message: `the schema itself is invalid: ${(e as Error).message}`, fix: 'fix the capability’s parameter schema' },
      ];
    }
    verboseCache.set(key, validate);
  }
  if (validate(value)) return [];
  const out: SchemaViolation[] = [];
  for (const e of validate.errors ?? []) {
    const at = pointerToJsonPath(e.instancePath, base);
    const parent = (e.parentSchema ?? {}) as { properties?: Record<string, unknown> };
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'required') {
      const name = String(params.missingProperty);
      out.push({ jsonPath: at + childPath(name), message: 'is missing', fix: `add "${name}": ${wanted(parent.properties?.[name])}` });
    } else if (e.keyword === 'additionalProperties') {
      const name = String(params.additionalProperty);
      const allowed = Object.keys(parent.properties ?? {});
      out.push({
        jsonPath: at + childPath(name),
        message: 'is not a parameter of this schema',
        fix: allowed.length ? `remove it (the parameters are ${allowed.map((a) => `"${a}"`).join(', ')})` : 'remove it',
      });
    } else if (e.keyword === 'type' || e.keyword === 'enum' || e.keyword === 'const') {
      out.push({ jsonPath: at, message: e.message ?? 'has the wrong type', fix: `give ${wanted(parent)}` });
    } else {
      out.push({
        jsonPath: at,
        message: e.message ?? 'is invalid',
        fix: `change it so that it ${e.message ?? `matches ${JSON.stringify(e.schema)}`}`,
      });
    }
  }
  return out;
}
