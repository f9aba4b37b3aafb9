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
