/**
 * GUARD's condition language: keywords (`not_empty`, `is_null`, `is_true`...) and
 * comparisons (`> 3`, `== "done"`). Also used by BRANCH_ON_VALUE and loop `while`/`until`.
 */
import { ApxmError } from '../errors.js';
import { display, isEmptyValue, type Value } from '../values/value.js';

const KEYWORDS: Record<string, (v: Value) => boolean> = {
  not_empty: (v) => !isEmptyValue(v),
  is_empty: (v) => isEmptyValue(v),
  is_null: (v) => v === null,
  not_null: (v) => v !== null,
  is_true: (v) => v === true,
  true: (v) => v === true,
  is_false: (v) => v === false,
  false: (v) => v === false,
  truthy: (v) => truthy(v),
  falsy: (v) => !truthy(v),
};

const OPERATORS = ['>=', '>', '<=', '<', '!=', '=='] as const;

/** Truthiness for branching: false, null, 0, "", "false", "no", [] and {} are false. */
export function truthy(v: Value): boolean {
  if (typeof v === 'boolean') return v;
  if (v === null) return false;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    return !(t === '' || t === 'false' || t === 'no' || t === '0');
  }
  return !isEmptyValue(v);
}

function asNumber(v: Value): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function subjectText(v: Value): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  return display(v);
}

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && ((t[0] === '"' && t.at(-1) === '"') || (t[0] === "'" && t.at(-1) === "'"))) return t.slice(1, -1);
  return t;
}

/** Evaluates a condition against a subject value. Unknown conditions are errors (upstream let them pass). */
export function evaluateCondition(condition: string, subject: Value): boolean {
  const c = condition.trim();
  const kw = KEYWORDS[c.toLowerCase()];
  if (kw) return kw(subject);
  for (const op of OPERATORS) {
    if (!c.startsWith(op)) continue;
    const rhs = c.slice(op.length).trim();
    const rn = rhs !== '' && Number.isFinite(Number(rhs)) ? Number(rhs) : undefined;
    const ln = asNumber(subject);
    if (rn !== undefined && ln !== undefined) {
      switch (op) {
        case '>=':
          return ln >= rn;
        case '>':
          return ln > rn;
        case '<=':
          return ln <= rn;
        case '<':
          return ln < rn;
        case '!=':
          return Math.abs(ln - rn) >= Number.EPSILON;
        case '==':
          return Math.abs(ln - rn) < Number.EPSILON;
      }
    }
    if (op === '==') return subjectText(subject) === unquote(rhs);
    if (op === '!=') return subjectText(subject) !== unquote(rhs);
    return false;
  }
  if (c.toLowerCase().startsWith('contains '))
    return subjectText(subject)
      .toLowerCase()
      .includes(unquote(c.slice(9)).toLowerCase());
  throw new ApxmError('E_ATTRIBUTE', `unknown condition ${JSON.stringify(condition)}`, {
    hint: 'use a keyword (not_empty, is_empty, is_null, not_null, is_true, is_false, truthy, falsy), a comparison such as "> 3" or "== done", or "contains text"',
  });
}
