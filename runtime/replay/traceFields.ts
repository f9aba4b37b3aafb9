/**
 * Typed reads of trace JSON that fail at the exact place: recordings come from databases and
 * files a user can edit, so a bad field is named by its JSON path, never a crash further on.
 */
import { isObject, type Value, type ValueObject } from '../values/value.js';

/** Throws the caller's error for `path` (a JSON path such as `$.events[3].payload.messages`). */
export type FailAt = (path: string, problem: string) => never;

const kind = (v: Value | undefined): string =>
  v === undefined
    ? 'nothing'
    : v === null
      ? 'null'
      : Array.isArray(v)
        ? 'an array'
        : typeof v === 'object'
          ? 'an object'
          : `${typeof v} ${JSON.stringify(v).slice(0, 40)}`;

export class TraceFields {
  constructor(private readonly fail: FailAt) {}

  object(v: Value | undefined, path: string): ValueObject {
    if (!isObject(v)) this.fail(path, `expected an object, found ${kind(v)}`);
    return v;
  }

  array(v: Value | undefined, path: string): Value[] {
    if (!Array.isArray(v)) this.fail(path, `expected an array, found ${kind(v)}`);
    return v;
  }

  string(o: ValueObject, key: string, path: string): string {
    const v = o[key];
    if (typeof v !== 'string') this.fail(`${path}.${key}`, `expected a string, found ${kind(v)}`);
    return v;
  }

  number(o: ValueObject, key: string, path: string): number {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${path}.${key}`, `expected a number, found ${kind(v)}`);
    return v;
  }

  /** A number, or undefined when the key is absent or null. */
  optionalNumber(o: ValueObject, key: string, path: string): number | undefined {
    return o[key] === undefined || o[key] === null ? undefined : this.number(o, key, path);
  }

  /** An integer or null (frame and node ids of run-level events). */
  idOrNull(o: ValueObject, key: string, path: string): number | null {
    const v = o[key];
    if (v === null) return null;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(`${path}.${key}`, `expected an integer or null, found ${kind(v)}`);
    return v;
  }

  oneOf<T extends string>(o: ValueObject, key: string, path: string, allowed: readonly T[]): T {
    const v = this.string(o, key, path);
    if (!allowed.includes(v as T)) this.fail(`${path}.${key}`, `expected one of ${allowed.join(', ')}, found ${JSON.stringify(v)}`);
    return v as T;
  }
}
