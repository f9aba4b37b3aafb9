/** Statements. Each statement recovers on its own: one bad line, one error. */
import type { Block, Expression, LetStmt, Statement, SwitchCase, SwitchStmt } from './ast.js';
import { Bail, type Cursor } from './cursor.js';
import { editDistance } from '../graph/opCatalogue.js';
import { parseExpression, startsExpression } from './parseExpression.js';
import { startOf } from './positions.js';
import { HARD_KEYWORDS, isPunct, isWord, STATEMENT_KEYWORDS, type Token } from './tokens.js';

/** Where a statement list must stop even without its `}`: these cannot be inside a flow body. */
function endsStatements(c: Cursor): boolean {
  return c.at('}') || c.atEof || c.atKw('agent') || c.atKw('flow') || c.at('@');
}

/** `stmt* }` after an already consumed `open` (or a stand-in token when the `{` was missing). */
export function parseStatementList(c: Cursor, open: Token, what: string): Statement[] {
  const statements: Statement[] = [];
  while (!endsStatements(c)) {
    c.tick();
    const before = c.pos;
    const s = parseStatementRecovering(c);
    if (s) statements.push(s);
    if (c.pos === before) c.advance();
  }
  c.close('}', open, what);
  return statements;
}

export function parseStatementRecovering(c: Cursor): Statement | undefined {
  const start = c.pos;
  try {
    return parseStatement(c);
  } catch (e) {
    if (!(e instanceof Bail)) throw e;
    c.syncStatement(start);
    return undefined;
  }
}

function parseStatement(c: Cursor): Statement | undefined {
  if (!c.enter()) return undefined;
  try {
    const t = c.cur;
    if (t.kind === 'keyword') {
      switch (t.text) {
        case 'let':
          return parseLet(c);
        case 'return':
          return parseReturn(c);
        case 'if':
          return parseIf(c);
        case 'parallel':
          return parseParallel(c);
        case 'loop':
          return parseLoop(c);
        case 'try':
          return parseTry(c);
        case 'switch':
          return parseSwitch(c);
      }
    }
    if (startsExpression(t)) return parseExpressionStatement(c);
    return c.bail('AIS_EXPECTED_STATEMENT', `expected a statement, found ${c.found()}`, statementHint(t));
  } finally {
    c.leave();
  }
}

function statementHint(t: Token): string {
  if (isPunct(t, ';')) return "remove the stray ';'";
  if (isPunct(t, '->')) return "'-> name' binds the value of an expression: put it right after the expression";
  if (t.kind === 'keyword') {
    if (t.text === 'else') return "'else' must directly follow the block of an if";
    if (t.text === 'catch') return "'catch' must directly follow a try { ... } block";
    if (t.text === 'case' || t.text === 'default') return `'${t.text}' arms belong inside switch value { ... }`;
    if (HARD_KEYWORDS.has(t.text))
      return `'${t.text}' is a reserved keyword; agent items such as memory, beliefs or tools go directly inside the agent, not in a flow`;
  }
  return 'a statement is let, return, if, parallel, loop, try, switch, or an expression such as ask("...") -> name';
}

function parseLet(c: Cursor): LetStmt {
  const kw = c.advance();
  const name = c.expectName("a variable name after 'let'", 'write let name = value');
  let type: Token | undefined;
  if (c.eat(':')) type = c.typeName(`after '${name.text}:'`);
  if (!c.eat('='))
    c.bail('AIS_EXPECTED_TOKEN', `expected '=' after 'let ${name.text}', found ${c.found()}`, `write let ${name.text} = value`);
  const init = parseExpression(c);
  c.eat(';');
  return {
    kind: 'Let',
    form: 'let',
    name: name.text,
    nameRange: name.range,
    ...(type ? { type: type.text, typeRange: type.range } : {}),
    init,
    range: c.rangeFrom(kw.range),
  };
}

function parseReturn(c: Cursor): Statement {
  const kw = c.advance();
  if (c.eat(';')) return { kind: 'Return', range: c.rangeFrom(kw.range) };
  if (!startsExpression(c.cur)) {
    c.errorHere(
      'AIS_EXPECTED_EXPRESSION',
      `expected a value or ';' after 'return', found ${c.found()}`,
      "write 'return value', or 'return;' to return nothing",
    );
    return { kind: 'Return', range: kw.range };
  }
  const value = parseExpression(c);
  c.eat(';');
  return { kind: 'Return', value, range: c.rangeFrom(kw.range) };
}

/** `{ stmt* }`, or a single statement (if/else/loop bodies). */
function parseBlock(c: Cursor, what: string): Block {
  if (c.at('{')) {
    const open = c.advance();
    const statements = parseStatementList(c, open, what);
    return { kind: 'Block', statements, braced: true, range: c.rangeFrom(open.range) };
  }
  const start = c.cur.range;
  const s = parseStatementRecovering(c);
  return {
    kind: 'Block',
    statements: s ? [s] : [],
    braced: false,
    range: c.pos > 0 && c.prev.range.offset >= start.offset ? c.rangeFrom(start) : startOf(start),
  };
}

function parseIf(c: Cursor): Statement {
  const kw = c.advance();
  const open = c.eat('(');
  if (!open) c.errorHere('AIS_EXPECTED_TOKEN', `expected '(' after 'if', found ${c.found()}`, 'write if (condition) { ... }');
  const condition = parseExpression(c);
  if (open) c.close(')', open, "the condition of 'if'");
  else c.eat(')');
  const then = parseBlock(c, "the 'if' block");
  let elseBlock: Block | undefined;
  if (c.atKw('else')) {
    c.advance();
    elseBlock = parseBlock(c, "the 'else' block");
  }
  return { kind: 'If', condition, then, ...(elseBlock ? { else: elseBlock } : {}), range: c.rangeFrom(kw.range) };
}

function parseParallel(c: Cursor): Statement {
  const kw = c.advance();
  const open = c.expect('{', "after 'parallel'", 'write parallel { statement statement ... }');
  const statements = parseStatementList(c, open, "the 'parallel' block");
  return {
    kind: 'Parallel',
    body: { kind: 'Block', statements, braced: true, range: c.rangeFrom(open.range) },
    range: c.rangeFrom(kw.range),
  };
}

function parseLoop(c: Cursor): Statement {
  const kw = c.advance();
  const open = c.expect('(', "after 'loop'", 'write loop (item in items) { ... }');
  const v = c.expectName('a loop variable name', 'write loop (item in items) { ... }');
  if (!c.atKw('in'))
    c.bail(
      'AIS_EXPECTED_TOKEN',
      `expected 'in' after the loop variable '${v.text}', found ${c.found()}`,
      `write loop (${v.text} in items) { ... }`,
    );
  c.advance();
  const collection = parseExpression(c);
  c.close(')', open, 'the loop header');
  const body = parseBlock(c, 'the loop body');
  return { kind: 'Loop', variable: v.text, variableRange: v.range, collection, body, range: c.rangeFrom(kw.range) };
}

function parseTry(c: Cursor): Statement {
  const kw = c.advance();
  const open = c.expect('{', "after 'try'", 'write try { ... } catch { ... }');
  const tryStatements = parseStatementList(c, open, "the 'try' block");
  const tryBlock: Block = { kind: 'Block', statements: tryStatements, braced: true, range: c.rangeFrom(open.range) };
  if (!c.atKw('catch')) {
    c.errorHere(
      'AIS_EXPECTED_TOKEN',
      `expected 'catch' after the 'try' block, found ${c.found()}`,
      'a try needs a catch block: try { ... } catch { ... }',
    );
    const empty: Block = { kind: 'Block', statements: [], braced: false, range: startOf(c.cur.range) };
    return { kind: 'TryCatch', tryBlock, catchBlock: empty, range: c.rangeFrom(kw.range) };
  }
  c.advance();
  if (c.at('(')) {
    c.errorHere(
      'AIS_EXPECTED_TOKEN',
      "'catch' takes no variable: expected '{', found '('",
      'write catch { ... }; the error is not bound to a name',
    );
    c.advance();
    const at = c.findOnLine(')');
    if (at >= 0) c.pos = at + 1;
  }
  const open2 = c.expect('{', "after 'catch'", 'write try { ... } catch { ... }');
  const catchStatements = parseStatementList(c, open2, "the 'catch' block");
  const catchBlock: Block = { kind: 'Block', statements: catchStatements, braced: true, range: c.rangeFrom(open2.range) };
  return { kind: 'TryCatch', tryBlock, catchBlock, range: c.rangeFrom(kw.range) };
}

function parseSwitch(c: Cursor): SwitchStmt {
  const kw = c.advance();
  const discriminant = parseExpression(c);
  const open = c.expect('{', 'to start the arms of the switch', 'write switch value { case "a" => statement  default => statement }');
  const cases: SwitchCase[] = [];
  const defaultRanges: SwitchStmt['defaultRanges'] = [];
  let defaultBody: Statement[] | undefined;
  while (!endsStatements(c)) {
    c.tick();
    const before = c.pos;
    try {
      if (c.atKw('case')) {
        cases.push(parseCase(c));
      } else if (c.atKw('default')) {
        const d = c.advance();
        arrow(c, "'default'");
        (defaultBody ??= []).push(...parseArmBody(c));
        defaultRanges.push(c.rangeFrom(d.range));
      } else {
        c.bail(
          'AIS_EXPECTED_TOKEN',
          `Expected 'case' or 'default' in switch statement, found ${c.found()}`,
          'each arm is case "label" => statement, or default => statement',
        );
      }
    } catch (e) {
      if (!(e instanceof Bail)) throw e;
      syncToArm(c);
    }
    if (c.pos === before) c.advance();
  }
  c.close('}', open, 'the switch');
  let result: SwitchStmt['result'];
  if (c.eat('->')) {
    const name = c.expectName("a variable name after '->'", 'write switch value { ... } -> name');
    result = { name: name.text, range: name.range };
    c.eat(';');
  }
  return {
    kind: 'Switch',
    discriminant,
    cases,
    ...(defaultBody ? { defaultBody } : {}),
    defaultRanges,
    ...(result ? { result } : {}),
    range: c.rangeFrom(kw.range),
  };
}

function parseCase(c: Cursor): SwitchCase {
  const kw = c.advance();
  const t = c.cur;
  let label: string;
  let labelValue: string;
  if (t.kind === 'string') {
    label = t.text.slice(1, t.terminated ? -1 : undefined);
    labelValue = t.value as string;
  } else if (t.kind === 'number' || isWord(t)) {
    c.errorHere('AIS_CASE_LABEL', `a case label must be a string literal, found ${c.found()}`, `write case "${t.text}" => ...`);
    label = labelValue = t.text;
  } else {
    return c.bail('AIS_CASE_LABEL', `expected a string label after 'case', found ${c.found()}`, 'write case "label" => statement');
  }
  c.advance();
  arrow(c, 'the case label');
  const body = parseArmBody(c);
  return { kind: 'Case', label, labelValue, labelRange: t.range, body, range: c.rangeFrom(kw.range) };
}

function arrow(c: Cursor, after: string): void {
  if (c.eat('=>')) return;
  if (c.at(':') || c.at('->')) {
    c.errorHere(
      'AIS_EXPECTED_TOKEN',
      `expected '=>' after ${after}, found '${c.cur.text}'`,
      'switch arms are written case "label" => statement',
    );
    c.advance();
    return;
  }
  c.bail('AIS_EXPECTED_TOKEN', `expected '=>' after ${after}, found ${c.found()}`, 'switch arms are written case "label" => statement');
}

/** One statement (the grammar), or `{ ... }` (accepted as an extension). */
function parseArmBody(c: Cursor): Statement[] {
  if (c.at('{')) {
    const open = c.advance();
    return parseStatementList(c, open, 'the switch arm');
  }
  const s = parseStatementRecovering(c);
  return s ? [s] : [];
}

function syncToArm(c: Cursor): void {
  while (!endsStatements(c) && !c.atKw('case') && !c.atKw('default')) {
    c.tick();
    if (c.at('{')) c.skipBraces();
    else c.advance();
  }
}

function parseExpressionStatement(c: Cursor): Statement {
  const start = c.cur.range;
  const expression: Expression = parseExpression(c);
  if (c.eat('->')) {
    const name = c.expectName("a variable name after '->'", 'write expression -> name');
    c.eat(';');
    return { kind: 'Let', form: 'arrow', name: name.text, nameRange: name.range, init: expression, range: c.rangeFrom(start) };
  }
  c.eat(';');
  if (expression.kind === 'Var') {
    const kw =
      expression.name.length >= 3 && expression.name.length <= 10
        ? [...STATEMENT_KEYWORDS].find((k) => editDistance(expression.name, k) <= 2)
        : undefined;
    c.sink.warning(
      'AIS_NO_EFFECT',
      `'${expression.name}' on its own does nothing`,
      expression.range,
      kw ? `did you mean '${kw}'?` : 'use it in a call, bind it with -> name, or remove it',
    );
  }
  return { kind: 'ExprStmt', expression, range: c.rangeFrom(start) };
}
