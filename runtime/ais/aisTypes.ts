/**
 * The few value types the AIS checker reasons about. Type names in source are free text; anything
 * it does not know (token, handle, response, goal, any, user names) is compatible with everything.
 */
export type AisType = 'str' | 'number' | 'bool' | 'array' | 'unknown';

const NAMES: Record<string, AisType> = {
  str: 'str',
  string: 'str',
  text: 'str',
  number: 'number',
  num: 'number',
  int: 'number',
  integer: 'number',
  float: 'number',
  double: 'number',
  f64: 'number',
  i64: 'number',
  bool: 'bool',
  boolean: 'bool',
  array: 'array',
  list: 'array',
};

/** `str` → 'str', `str[]`/`list<str>` → 'array', `token` → 'unknown'. */
export function typeOfName(name: string | undefined): AisType {
  if (!name) return 'unknown';
  const t = name.trim().toLowerCase();
  if (t.endsWith('[]') || t.startsWith('list<') || t.startsWith('array<')) return 'array';
  return NAMES[t] ?? 'unknown';
}

export function compatible(actual: AisType, expected: AisType): boolean {
  return actual === 'unknown' || expected === 'unknown' || actual === expected;
}
