/**
 * Expressions (`expr` down to `primary`), lowest precedence first:
 * `|>`, `=` (right-associative), `||`, `&&`, `== !=`, `< <= > >=`, `+ -`, `* / %`, prefix `- !`,
 * postfix call / index / member.
 */
import { BINARY_OPS, type Expression, type NamedArgument } from './ast.js';
import { Bail, endsList, MAX_EXPRESSION_HEIGHT, type Cursor } from './cursor.js';
import { span, startOf } from './positions.js';
import { HARD_KEYWORDS, isName, isPunct, isWord, type Token } from './tokens.js';

const PRECEDENCE: Readonly<Record<string, number>> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '%': 6,
};

/** Whether the current token can begin an expression. */
export function startsExpression(t: Token): boolean {
  if (t.kind === 'string' || t.kind === 'number' || isName(t)) return true;
  if (t.kind === 'keyword') return t.text === 'true' || t.text === 'false' || t.text === 'null';
  return t.kind === 'punct' && (t.text === '(' || t.text === '[' || t.text === '-' || t.text === '!');
}

export function parseExpression(c: Cursor): Expression {
  const start = c.cur.range;
  if (!c.enter()) return { kind: 'Error', range: c.rangeFrom(start) };
  try {
    let left = parseAssign(c);
    while (c.at('|>')) {
      c.tick();
      c.advance();
      left = pipe(c, left, parsePostfix(c));
    }
    return left;
  } finally {
    c.leave();
  }
}

/** `v |> f` is `f(v)`; `v |> f(a)` is `f(v, a)`. */
function pipe(c: Cursor, value: Expression, stage: Expression): Expression {
  const range = span(value.range, stage.range);
  if (stage.kind === 'Var') {
    return c.node({ kind: 'Call', callee: stage.name, calleeRange: stage.range, args: [value], namedArgs: [], piped: true, range }, value);
  }
  if (stage.kind === 'Call') {
    return c.node({ ...stage, args: [value, ...stage.args], piped: true, range }, value, stage);
  }
  if (stage.kind !== 'Error') {
    c.errorAt(
      'AIS_PIPELINE_STAGE',
      `Pipeline stage must be a function or variable, found ${describeExpression(stage)}`,
      stage.range,
      stage.kind === 'FlowCall'
        ? `call the flow directly: ${stage.agent}.${stage.flow}(value, ...)`
        : 'write value |> f or value |> f(more, args)',
    );
  }
  return { kind: 'Error', range };
}

function parseAssign(c: Cursor): Expression {
  const first = parseBinary(c, 1);
  if (!c.at('=')) return first;
  const items = [first];
  while (c.at('=')) {
    c.tick();
    c.advance();
    items.push(parseBinary(c, 1));
  }
  let value = items[items.length - 1];
  for (let i = items.length - 2; i >= 0; i--) {
    const target = items[i];
    if (target.kind !== 'Var' && target.kind !== 'MemberAccess' && target.kind !== 'Subscript' && target.kind !== 'Error') {
      c.errorAt(
        'AIS_INVALID_ASSIGNMENT',
        `cannot assign to ${describeExpression(target)}`,
        target.range,
        "only a variable can be assigned; did you mean '==' (comparison)?",
      );
    }
    value = c.node({ kind: 'Assignment', target, value, range: span(target.range, value.range) }, target, value);
  }
  return value;
}

/** Precedence climbing; recursion is bounded by the number of precedence levels. */
function parseBinary(c: Cursor, minPrec: number): Expression {
  let left = parseUnary(c);
  for (;;) {
    const t = c.cur;
    const prec = t.kind === 'punct' ? PRECEDENCE[t.text] : undefined;
    if (prec === undefined || prec < minPrec) return left;
    c.tick();
    c.advance();
    const right = parseBinary(c, prec + 1);
    left = c.node(
      { kind: 'Binary', op: BINARY_OPS[t.text], left, right, opRange: t.range, range: span(left.range, right.range) },
      left,
      right,
    );
  }
}

/** `-` directly followed by a digit is a negative literal, not an operator. */
function atNegativeLiteral(c: Cursor): boolean {
  const n = c.peek();
  return c.at('-') && n.kind === 'number' && n.range.offset === c.cur.range.endOffset;
}

function parseUnary(c: Cursor): Expression {
  const ops: Token[] = [];
  let dropped = 0;
  while ((c.at('-') && !atNegativeLiteral(c)) || c.at('!')) {
    c.tick();
    const op = c.advance();
    if (ops.length < MAX_EXPRESSION_HEIGHT - 1) ops.push(op);
    else if (++dropped === 1)
      c.errorAt(
        'AIS_NESTING_TOO_DEEP',
        `more than ${MAX_EXPRESSION_HEIGHT - 1} prefix operators in a row`,
        op.range,
        'remove the repeated operators',
      );
  }
  let e = parsePostfix(c);
  for (let i = ops.length - 1; i >= 0; i--) {
    e = c.node({ kind: 'Unary', op: ops[i].text === '-' ? 'Negate' : 'Not', operand: e, range: span(ops[i].range, e.range) }, e);
  }
  return e;
}

function parsePostfix(c: Cursor): Expression {
  let e = parsePrimary(c);
  for (;;) {
    c.tick();
    if (c.at('(')) {
      const open = c.advance();
      const what =
        e.kind === 'Var'
          ? `the call to ${e.name}`
          : e.kind === 'MemberAccess' && e.object.kind === 'Var'
            ? `the call to ${e.object.name}.${e.property}`
            : 'the call';
      const { args, namedArgs } = parseArguments(c, open, what);
      const range = c.rangeFrom(e.range);
      const kids = [...args, ...namedArgs.map((a) => a.value)];
      if (e.kind === 'Var') {
        e = c.node({ kind: 'Call', callee: e.name, calleeRange: e.range, args, namedArgs, piped: false, range }, ...kids);
      } else if (e.kind === 'MemberAccess' && e.object.kind === 'Var') {
        e = c.node(
          {
            kind: 'FlowCall',
            agent: e.object.name,
            agentRange: e.object.range,
            flow: e.property,
            flowRange: e.propertyRange,
            args,
            namedArgs,
            range,
          },
          ...kids,
        );
      } else {
        if (e.kind !== 'Error') {
          c.errorAt(
            'AIS_CALL_TARGET',
            `Call target must be an identifier: ${describeExpression(e)} cannot be called`,
            e.range,
            'call a name, f(...), or a flow of an agent, Agent.flow(...); bind intermediate results with let',
          );
        }
        e = { kind: 'Error', range };
      }
    } else if (c.at('[')) {
      const open = c.advance();
      const index = parseExpression(c);
      c.close(']', open, 'the index');
      e = c.node({ kind: 'Subscript', object: e, index, range: c.rangeFrom(e.range) }, e, index);
    } else if (c.at('.')) {
      c.advance();
      if (!isWord(c.cur))
        c.bail('AIS_EXPECTED_NAME', `expected a name after '.', found ${c.found()}`, 'write object.name or Agent.flow(...)');
      const p = c.advance();
      e = c.node({ kind: 'MemberAccess', object: e, property: p.text, propertyRange: p.range, range: span(e.range, p.range) }, e);
    } else {
      return e;
    }
  }
}

function parsePrimary(c: Cursor): Expression {
  const t = c.cur;
  if (t.kind === 'string') {
    c.advance();
    return stringExpression(c, t);
  }
  if (t.kind === 'number') {
    c.advance();
    return { kind: 'Number', value: t.value as number, raw: t.text, range: t.range };
  }
  if (atNegativeLiteral(c)) {
    const minus = c.advance();
    const n = c.advance();
    return { kind: 'Number', value: -(n.value as number), raw: '-' + n.text, range: span(minus.range, n.range) };
  }
  if (t.kind === 'keyword' && (t.text === 'true' || t.text === 'false')) {
    c.advance();
    return { kind: 'Bool', value: t.text === 'true', range: t.range };
  }
  if (t.kind === 'keyword' && t.text === 'null') {
    c.advance();
    return { kind: 'Null', range: t.range };
  }
  if (isName(t)) {
    c.advance();
    return { kind: 'Var', name: t.text, range: t.range };
  }
  if (isPunct(t, '(')) {
    const open = c.advance();
    const e = parseExpression(c);
    c.close(')', open, 'the parenthesised expression');
    return e;
  }
  if (isPunct(t, '[')) {
    const open = c.advance();
    const elements: Expression[] = [];
    parseList(c, open, ']', 'the list', 'an element', () => {
      elements.push(parseExpression(c));
    });
    return c.node({ kind: 'Array', elements, range: c.rangeFrom(open.range) }, ...elements);
  }
  let hint = 'write a value: a name, a "string", a number, a call f(...), or (expression)';
  if (t.kind === 'keyword' && HARD_KEYWORDS.has(t.text))
    hint = `'${t.text}' is a reserved keyword and cannot be used as a name; rename the variable`;
  else if (t.kind === 'eof') hint = 'the file ends in the middle of an expression; complete it';
  else if (isPunct(t, ')') || isPunct(t, ']')) hint = `remove the extra '${t.text}', or put a value before it`;
  return c.bail('AIS_EXPECTED_EXPRESSION', `expected an expression, found ${c.found()}`, hint);
}

/** A string literal; with `{{ name }}` pieces it becomes a left-nested `+` chain. */
function stringExpression(c: Cursor, t: Token): Expression {
  if (!t.parts) return { kind: 'String', value: t.value as string, range: t.range };
  let e: Expression | undefined;
  for (const p of t.parts) {
    const piece: Expression =
      p.kind === 'text' ? { kind: 'String', value: p.value, range: p.range } : { kind: 'Var', name: p.name, range: p.range };
    e =
      e === undefined
        ? piece
        : c.node(
            {
              kind: 'Binary',
              op: 'Add',
              left: e,
              right: piece,
              opRange: startOf(piece.range),
              interpolated: true,
              range: span(e.range, piece.range),
            },
            e,
            piece,
          );
  }
  return e ?? { kind: 'String', value: '', range: t.range };
}

function parseArguments(c: Cursor, open: Token, what: string): { args: Expression[]; namedArgs: NamedArgument[] } {
  const args: Expression[] = [];
  const namedArgs: NamedArgument[] = [];
  parseList(c, open, ')', what, 'an argument', () => {
    if (isWord(c.cur) && isPunct(c.peek(), ':')) {
      const name = c.advance();
      c.advance();
      const value = parseExpression(c);
      if (namedArgs.some((a) => a.name === name.text)) {
        c.errorAt('AIS_DUPLICATE_ARGUMENT', `argument '${name.text}' is given twice in ${what}`, name.range, 'remove one of them');
      }
      namedArgs.push({ name: name.text, nameRange: name.range, value, range: span(name.range, value.range) });
    } else {
      args.push(parseExpression(c));
    }
  });
  return { args, namedArgs };
}

/**
 * A comma-separated list up to `closer` (trailing comma allowed). A bad item is skipped to the
 * next ',' or the closer; a list that runs into something that cannot be inside it is closed.
 */
export function parseList(c: Cursor, open: Token, closer: string, what: string, item: string, parseItem: () => void): void {
  for (;;) {
    c.tick();
    if (c.at(closer) || endsList(c.cur)) break;
    const before = c.pos;
    try {
      parseItem();
    } catch (e) {
      if (!(e instanceof Bail)) throw e;
      skipItem(c, closer);
    }
    if (c.eat(',')) continue;
    if (c.at(closer) || endsList(c.cur)) break;
    // Something else follows an item: garbage before the closer on this line, or a forgotten closer.
    if (c.cur.newlineBefore || c.findOnLine(closer) < 0) break;
    c.errorHere(
      'AIS_EXPECTED_TOKEN',
      `expected ',' or '${closer}' after ${item} in ${what}, found ${c.found()}`,
      c.atKw('in') ? 'AIS loops are written loop (item in items) { ... }' : `separate items with ',' and end ${what} with '${closer}'`,
    );
    skipItem(c, closer);
    if (c.eat(',')) continue;
    if (c.pos === before) c.advance();
  }
  c.close(closer, open, what);
}

/** Skips to the next ',' or `closer` at bracket depth 0 on this line. */
function skipItem(c: Cursor, closer: string): void {
  const start = c.pos;
  let depth = 0;
  while (!c.atEof) {
    c.tick();
    const t = c.cur;
    if (c.pos > start && t.newlineBefore) return;
    if (t.kind === 'punct') {
      if (depth === 0 && (t.text === ',' || t.text === closer)) return;
      if (t.text === '(' || t.text === '[') depth++;
      else if (t.text === ')' || t.text === ']') {
        if (depth === 0) return;
        depth--;
      }
    }
    if (endsList(t)) return;
    c.advance();
  }
}

/** `call to ask`, `string "x"`... for messages about whole expressions. */
export function describeExpression(e: Expression): string {
  switch (e.kind) {
    case 'String':
      return 'a string';
    case 'Number':
      return `the number ${e.raw}`;
    case 'Bool':
      return `'${e.value}'`;
    case 'Null':
      return "'null'";
    case 'Var':
      return `'${e.name}'`;
    case 'Call':
      return `the call ${e.callee}(...)`;
    case 'FlowCall':
      return `the flow call ${e.agent}.${e.flow}(...)`;
    case 'MemberAccess':
      return `'${dotted(e)}'`;
    case 'Subscript':
      return 'an index expression';
    case 'Array':
      return 'a list';
    case 'Binary':
      return 'an operator expression';
    case 'Unary':
      return 'an operator expression';
    case 'Assignment':
      return 'an assignment';
    case 'Error':
      return 'an invalid expression';
  }
}

function dotted(e: Expression): string {
  if (e.kind === 'Var') return e.name;
  if (e.kind === 'MemberAccess') return `${dotted(e.object)}.${e.property}`;
  if (e.kind === 'Call') return `${e.callee}(...)`;
  return '…';
}
