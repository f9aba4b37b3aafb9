/** Agent items other than flows: memory, beliefs, goals, capability, tools, context, on. */
import type { BeliefDecl, CapabilityDecl, GoalDecl, MemoryDecl, NameRef, OnEventDecl, Param, Statement } from './ast.js';
import { Bail, type Cursor } from './cursor.js';
import { parseExpression, parseList } from './parseExpression.js';
import { parseStatementList } from './parseStatement.js';
import { span, type AisRange } from './positions.js';
import { AGENT_ITEM_KEYWORDS, isWord, type Token } from './tokens.js';

export function parseParamList(c: Cursor, open: Token, what: string, defaultType?: string): Param[] {
  const params: Param[] = [];
  parseList(c, open, ')', what, 'a parameter', () => {
    params.push(parseParam(c, defaultType));
  });
  return params;
}

/** `name: type`; with `defaultType` the type may be omitted (event fields). */
function parseParam(c: Cursor, defaultType?: string): Param {
  const name = c.expectName('a parameter name', 'write name: type, e.g. topic: str');
  if (!c.eat(':')) {
    if (defaultType !== undefined)
      return { kind: 'Param', name: name.text, nameRange: name.range, type: defaultType, typeRange: name.range, range: name.range };
    c.bail('AIS_EXPECTED_TYPE', `expected ':' and a type after parameter '${name.text}', found ${c.found()}`, `write ${name.text}: str`);
  }
  const type = c.typeName(`for parameter '${name.text}'`);
  return {
    kind: 'Param',
    name: name.text,
    nameRange: name.range,
    type: type.text,
    typeRange: type.range,
    range: span(name.range, type.range),
  };
}

export function parseCapability(c: Cursor): CapabilityDecl {
  const kw = c.advance();
  const name = c.expectName("a capability name after 'capability'", 'write capability name(x: str) -> str;');
  const open = c.expect('(', `after capability ${name.text}`, `write capability ${name.text}(x: str) -> str;`);
  const params = parseParamList(c, open, `the parameter list of capability ${name.text}`);
  c.expect('->', `and a return type after the parameters of capability ${name.text}`, `write capability ${name.text}(...) -> str;`);
  const ret = c.typeName(`after '->' in capability ${name.text}`);
  if (!c.eat(';'))
    c.errorHere(
      'AIS_EXPECTED_TOKEN',
      `expected ';' after capability ${name.text}, found ${c.found()}`,
      'end a capability declaration with ;',
    );
  return {
    kind: 'Capability',
    name: name.text,
    nameRange: name.range,
    params,
    returnType: ret.text,
    returnTypeRange: ret.range,
    range: c.rangeFrom(kw.range),
  };
}

/** `tools: [a, b]` / `discoverable: [a, b]`. */
export function parseNameListItem(c: Cursor): NameRef[] {
  const kw = c.advance();
  c.expect(':', `after '${kw.text}'`, `write ${kw.text}: [name, name]`);
  const open = c.expect('[', `after '${kw.text}:'`, `write ${kw.text}: [name, name]`);
  const names: NameRef[] = [];
  parseList(c, open, ']', `the ${kw.text} list`, 'a name', () => {
    const n = c.expectName('a name', `write ${kw.text}: [name, name]`);
    names.push({ name: n.text, range: n.range });
  });
  return names;
}

export function parseContextItem(c: Cursor): { value: string; range: AisRange } {
  c.advance();
  c.expect(':', "after 'context'", 'write context: "what the agent should know"');
  const t = c.cur;
  if (t.kind !== 'string')
    c.bail('AIS_EXPECTED_TOKEN', `expected a string after 'context:', found ${c.found()}`, 'write context: "what the agent should know"');
  c.advance();
  return { value: t.value as string, range: t.range };
}

/** Entries of a `{ ... }` agent block, each recovering on its own so the block's `}` stays matched. */
function parseBraceEntries(c: Cursor, open: Token, what: string, parseEntry: () => void): void {
  while (!c.at('}') && !c.atEof && !c.atKw('agent') && !c.at('@') && !(c.cur.kind === 'keyword' && AGENT_ITEM_KEYWORDS.has(c.cur.text))) {
    c.tick();
    const before = c.pos;
    try {
      parseEntry();
    } catch (e) {
      if (!(e instanceof Bail)) throw e;
      skipEntry(c, before);
    }
    if (c.pos === before) c.advance();
  }
  c.close('}', open, what);
}

function skipEntry(c: Cursor, start: number): void {
  while (!c.atEof && !c.at('}') && !(c.pos > start && c.cur.newlineBefore)) {
    c.tick();
    if (c.at(',') || c.at(';')) {
      c.advance();
      return;
    }
    c.advance();
  }
}

function separator(c: Cursor): void {
  if (!c.eat(',')) c.eat(';');
}

export function parseMemoryItem(c: Cursor): MemoryDecl[] {
  c.advance();
  const out: MemoryDecl[] = [];
  const entry = (): void => {
    const name = c.expectName('a memory name', 'write name: STM (or LTM, Episodic)');
    c.expect(':', `after memory '${name.text}'`, `write ${name.text}: STM (or LTM, Episodic)`);
    const tier = c.typeName(`(memory tier) for '${name.text}'`);
    out.push({
      kind: 'Memory',
      name: name.text,
      nameRange: name.range,
      tier: tier.text,
      tierRange: tier.range,
      range: span(name.range, tier.range),
    });
  };
  if (c.at('{')) {
    parseBraceEntries(c, c.advance(), 'the memory block', () => {
      if (c.eat(',')) return;
      entry();
      separator(c);
    });
  } else {
    entry();
    if (!c.eat(';'))
      c.errorHere('AIS_EXPECTED_TOKEN', `expected ';' after the memory declaration, found ${c.found()}`, 'write memory name: STM;');
  }
  return out;
}

export function parseBeliefs(c: Cursor): BeliefDecl[] {
  c.advance();
  const open = c.expect('{', "after 'beliefs'", 'write beliefs { name: value }');
  const out: BeliefDecl[] = [];
  parseBraceEntries(c, open, 'the beliefs block', () => {
    const name = c.expectName('a belief name', 'write name: value');
    if (!c.eat(':') && !c.eat('='))
      c.bail('AIS_EXPECTED_TOKEN', `expected ':' or '=' after belief '${name.text}', found ${c.found()}`, `write ${name.text}: value`);
    const from = c.atKw('from');
    if (from) c.advance();
    const value = parseExpression(c);
    separator(c);
    out.push({ kind: 'Belief', name: name.text, nameRange: name.range, value, from, range: span(name.range, value.range) });
  });
  return out;
}

export function parseGoals(c: Cursor): GoalDecl[] {
  c.advance();
  const open = c.expect('{', "after 'goals'", 'write goals { name: "description" priority 2 }');
  const out: GoalDecl[] = [];
  parseBraceEntries(c, open, 'the goals block', () => {
    out.push(parseGoal(c));
    separator(c);
  });
  return out;
}

function parseGoal(c: Cursor): GoalDecl {
  const name = c.expectName('a goal name', 'write name: "description"');
  const goal: GoalDecl = { kind: 'Goal', name: name.text, nameRange: name.range, description: '', priority: 1, range: name.range };
  if (c.at('(')) {
    parseList(c, c.advance(), ')', `the attributes of goal ${name.text}`, 'an attribute', () => {
      const key = c.expectName('a goal attribute', 'write priority: 2 or description: "text"');
      c.expect(':', `after '${key.text}'`, `write ${key.text}: value`);
      const lower = key.text.toLowerCase();
      const v = c.cur;
      if (lower === 'priority') {
        if (v.kind !== 'number') c.bail('AIS_EXPECTED_TOKEN', `expected a number for priority, found ${c.found()}`, 'write priority: 2');
        goal.priority = v.value as number;
      } else if (lower === 'description') {
        if (v.kind !== 'string')
          c.bail('AIS_EXPECTED_TOKEN', `expected a string for description, found ${c.found()}`, 'write description: "text"');
        goal.description = v.value as string;
      } else {
        c.errorAt(
          'AIS_UNKNOWN_GOAL_ATTRIBUTE',
          `Unknown goal attribute '${key.text}'`,
          key.range,
          'a goal has priority: <number> and description: "<text>"',
        );
        if (v.kind !== 'number' && v.kind !== 'string')
          c.bail('AIS_EXPECTED_TOKEN', `expected a number or a string, found ${c.found()}`, 'write priority: 2');
      }
      c.advance();
    });
  } else if (c.eat(':')) {
    const d = c.cur;
    if (d.kind !== 'string')
      c.bail(
        'AIS_EXPECTED_TOKEN',
        `expected a description string after '${name.text}:', found ${c.found()}`,
        `write ${name.text}: "description"`,
      );
    c.advance();
    goal.description = d.value as string;
    if (c.cur.kind === 'identifier' && c.cur.text === 'priority') {
      c.advance();
      const n = c.cur;
      if (n.kind !== 'number') c.bail('AIS_EXPECTED_TOKEN', `expected a number after 'priority', found ${c.found()}`, 'write priority 2');
      c.advance();
      goal.priority = n.value as number;
    } else if (c.at('(')) {
      const open = c.advance();
      if (c.cur.kind === 'number') goal.priority = c.advance().value as number;
      c.close(')', open, `the priority of goal ${name.text}`);
    }
  }
  goal.range = c.rangeFrom(name.range);
  return goal;
}

export function parseOnEvent(c: Cursor): OnEventDecl {
  const kw = c.advance();
  const first = c.expectName("an event name after 'on'", 'write on Event.kind { field: type } => ...');
  let event = first.text;
  while (c.at('.')) {
    c.advance();
    if (!isWord(c.cur)) c.bail('AIS_EXPECTED_NAME', `expected a name after '.', found ${c.found()}`, 'write on Event.kind { ... } => ...');
    event += '.' + c.advance().text;
  }
  const eventRange = c.rangeFrom(first.range);
  const open = c.expect('{', `after the event name '${event}'`, `write on ${event} { field: type } => ...`);
  const params: Param[] = [];
  parseBraceEntries(c, open, `the fields of event ${event}`, () => {
    if (c.eat(',')) return;
    params.push(parseParam(c, 'token'));
    separator(c);
  });
  let condition;
  if (c.atKw('if')) {
    c.advance();
    condition = parseExpression(c);
  }
  c.expect('=>', `before the body of the '${event}' handler`, `write on ${event} { ... } => { ... }`);
  let body: Statement[];
  if (c.at('{')) {
    body = parseStatementList(c, c.advance(), `the body of the '${event}' handler`);
  } else {
    const value = parseExpression(c);
    body = [{ kind: 'Return', value, range: value.range }];
  }
  return { kind: 'OnEvent', event, eventRange, params, ...(condition ? { condition } : {}), body, range: c.rangeFrom(kw.range) };
}
