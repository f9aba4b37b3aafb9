/**
 * The small expression language of breakpoint conditions, log points and the Debug Console:
 * literals, paths (`inputs[0]`, `stm.city`, `node.op`), comparisons, `&& || !`, `+ -`, and calls
 * of the functions the scope offers (`len(x)`, `contains(a, b)`, `ltm.search("text", 3)`).
 * Pure evaluation over values: nothing in it can reach the process (conditions come from users'
 * launch configurations and workspaces).
 */
import { textOf, type Value } from '../runtime/values/value.js';

export type Expr =
  | { k: 'lit'; v: Value }
  | { k: 'path'; root: string; steps: (string | Expr)[] }
  | { k: 'call'; callee: { root: string; steps: (string | Expr)[] }; args: Expr[] }
  | { k: 'un'; op: '!' | '-'; e: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr }
  | { k: 'obj'; entries: [string, Expr][] }
  | { k: 'arr'; items: Expr[] };

export class ExpressionError extends Error {}

const TOKEN = /\s*(?:(\d+(?:\.\d+)?)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([A-Za-z_$][\w$]*)|(==|!=|<=|>=|&&|\|\||[-+*/%<>!()[\].,{}:]))/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(src);
    if (!m) throw new ExpressionError(`unexpected character '${src.slice(pos).trim()[0]}' at ${pos + 1}`);
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
    pos = TOKEN.lastIndex;
  }
  return out;
}

export function parseExpression(src: string): Expr {
  if (src.length > 2000) throw new ExpressionError('expression too long');
  const t = tokenize(src);
  let i = 0;
  const peek = () => t[i];
  const eat = (s: string) => (t[i] === s ? (i++, true) : false);
  const expect = (s: string) => {
    if (!eat(s)) throw new ExpressionError(`expected '${s}'${t[i] ? ` but found '${t[i]}'` : ' at the end'}`);
  };
  const bin = (next: () => Expr, ops: string[]) => (): Expr => {
    let a = next();
    while (ops.includes(peek())) {
      const op = t[i++];
      a = { k: 'bin', op, a, b: next() };
    }
    return a;
  };
  const primary = (): Expr => {
    const tok = t[i++];
    if (tok === undefined) throw new ExpressionError('the expression ends too early');
    if (/^\d/.test(tok)) return { k: 'lit', v: Number(tok) };
    if (tok[0] === '"' || tok[0] === "'")
      return { k: 'lit', v: tok.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)) };
    if (tok === '(') {
      const e = or();
      expect(')');
      return e;
    }
    if (tok === '{') {
      const entries: [string, Expr][] = [];
      if (!eat('}')) {
        do {
          const key = t[i++];
          if (!key || !(/^[A-Za-z_$]/.test(key) || key[0] === '"' || key[0] === "'"))
            throw new ExpressionError('expected a key in the object');
          expect(':');
          entries.push([/^["']/.test(key) ? key.slice(1, -1) : key, or()]);
        } while (eat(','));
        expect('}');
      }
      return { k: 'obj', entries };
    }
    if (tok === '[') {
      const items: Expr[] = [];
      if (!eat(']')) {
        do items.push(or());
        while (eat(','));
        expect(']');
      }
      return { k: 'arr', items };
    }
    if (tok === 'true' || tok === 'false') return { k: 'lit', v: tok === 'true' };
    if (tok === 'null') return { k: 'lit', v: null };
    if (!/^[A-Za-z_$]/.test(tok)) throw new ExpressionError(`unexpected '${tok}'`);
    const steps: (string | Expr)[] = [];
    for (;;) {
      if (eat('.')) {
        const name = t[i++];
        if (!name || !/^[A-Za-z_$]/.test(name)) throw new ExpressionError("expected a name after '.'");
        steps.push(name);
      } else if (eat('[')) {
        steps.push(or());
        expect(']');
      } else break;
    }
    if (eat('(')) {
      const args: Expr[] = [];
      if (!eat(')')) {
        do args.push(or());
        while (eat(','));
        expect(')');
      }
      return { k: 'call', callee: { root: tok, steps }, args };
    }
    return { k: 'path', root: tok, steps };
  };
  const unary = (): Expr => (eat('!') ? { k: 'un', op: '!', e: unary() } : eat('-') ? { k: 'un', op: '-', e: unary() } : primary());
  const mul = bin(unary, ['*', '/', '%']);
  const add = bin(mul, ['+', '-']);
  const cmp = bin(add, ['<', '<=', '>', '>=']);
  const eq = bin(cmp, ['==', '!=']);
  const and = bin(eq, ['&&']);
  const or = bin(and, ['||']);
  const e = or();
  if (i < t.length) throw new ExpressionError(`unexpected '${t[i]}'`);
  return e;
}

/** What names and functions an expression can reach. */
export interface Scope {
  /** The value of one of the scope's own names; undefined for any other (never an inherited property such as `constructor`). */
  lookup(root: string): Value | undefined;
  call?(name: string, args: Value[]): Value;
}

export function evaluate(e: Expr, scope: Scope): Value {
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'obj':
      return Object.fromEntries(e.entries.map(([k, x]) => [k, evaluate(x, scope)]));
    case 'arr':
      return e.items.map((x) => evaluate(x, scope));
    case 'path': {
      let v = scope.lookup(e.root);
      // only values: a function (an inherited `constructor`, `toString`) is no name of the language
      if (v === undefined || typeof v === 'function') throw new ExpressionError(`'${e.root}' is not defined here`);
      for (const s of e.steps) v = member(v, typeof s === 'string' ? s : evaluate(s, scope));
      return v;
    }
    case 'call': {
      const name = [e.callee.root, ...e.callee.steps.filter((s): s is string => typeof s === 'string')].join('.');
      const args = e.args.map((a) => evaluate(a, scope));
      const builtin = Object.hasOwn(BUILTINS, name) ? BUILTINS[name] : undefined;
      if (builtin) return builtin(args);
      if (!scope.call) throw new ExpressionError(`unknown function '${name}'`);
      return scope.call(name, args);
    }
    case 'un': {
      const v = evaluate(e.e, scope);
      return e.op === '!' ? !truthy(v) : -Number(v);
    }
    case 'bin': {
      if (e.op === '&&') return truthy(evaluate(e.a, scope)) ? evaluate(e.b, scope) : false;
      if (e.op === '||') {
        const a = evaluate(e.a, scope);
        return truthy(a) ? a : evaluate(e.b, scope);
      }
      const a = evaluate(e.a, scope);
      const b = evaluate(e.b, scope);
      switch (e.op) {
        case '==':
          return equal(a, b);
        case '!=':
          return !equal(a, b);
        case '<':
          return compare(a, b) < 0;
        case '<=':
          return compare(a, b) <= 0;
        case '>':
          return compare(a, b) > 0;
        case '>=':
          return compare(a, b) >= 0;
        case '+':
          return typeof a === 'number' && typeof b === 'number' ? a + b : text(a) + text(b);
        case '-':
          return Number(a) - Number(b);
        case '*':
          return Number(a) * Number(b);
        case '/':
          return Number(a) / Number(b);
        default:
          return Number(a) % Number(b);
      }
    }
  }
}

/** Parses and evaluates; errors become ExpressionError with the expression's text. */
export function evaluateText(src: string, scope: Scope): Value {
  return evaluate(parseExpression(src), scope);
}

export function truthy(v: Value | undefined): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

function member(v: Value, key: Value): Value {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'string' && key === 'length') return v.length;
    throw new ExpressionError(`cannot read '${textOf(key)}' of ${v === null ? 'null' : typeof v}`);
  }
  if (Array.isArray(v)) {
    if (key === 'length') return v.length;
    const i = Number(key);
    return Number.isInteger(i) && i >= 0 && i < v.length ? v[i] : null;
  }
  const k = textOf(key);
  return Object.prototype.hasOwnProperty.call(v, k) ? (v as Record<string, Value>)[k] : null;
}

function equal(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'string' && b.trim() !== '' && !Number.isNaN(Number(b))) return a === Number(b);
  if (typeof b === 'number' && typeof a === 'string' && a.trim() !== '' && !Number.isNaN(Number(a))) return Number(a) === b;
  return JSON.stringify(a) === JSON.stringify(b);
}

function compare(a: Value, b: Value): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return Number(a) - Number(b);
}

function text(v: Value): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const BUILTINS: Record<string, (args: Value[]) => Value> = {
  len: ([v]) => (typeof v === 'string' || Array.isArray(v) ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
  contains: ([a, b]) => (Array.isArray(a) ? a.some((x) => equal(x, b)) : text(a ?? '').includes(text(b ?? ''))),
  lower: ([a]) => text(a ?? '').toLowerCase(),
  upper: ([a]) => text(a ?? '').toUpperCase(),
  json: ([a]) => JSON.stringify(a ?? null),
};

/** `{expr}` parts of a log message, evaluated; a failing part shows its error in place. */
export function interpolateLogMessage(message: string, scope: Scope): string {
  return message.replace(/\{([^{}]+)\}/g, (_, src: string) => {
    try {
      const v = evaluateText(src, scope);
      return typeof v === 'string' ? v : JSON.stringify(v);
    } catch (e) {
      return `<${(e as Error).message}>`;
    }
  });
}
