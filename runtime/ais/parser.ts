/**
 * The AIS parser: `parseAis(source, file)` gives the syntax tree and every
 * problem of the file. It never throws and always terminates; see cursor.ts for the recovery model.
 */
import type { AgentDecl, FlowDecl, Param, Program, Statement } from './ast.js';
import { Bail, Cursor } from './cursor.js';
import { DiagnosticSink, type AisDiagnostic } from './diagnostics.js';
import { Lexer } from './lexer.js';
import { editDistance } from '../graph/opCatalogue.js';
import {
  parseBeliefs,
  parseCapability,
  parseContextItem,
  parseGoals,
  parseMemoryItem,
  parseNameListItem,
  parseOnEvent,
  parseParamList,
} from './parseAgentItems.js';
import { parseStatementList } from './parseStatement.js';
import { formatPosition, LineMap, startOf, type AisRange } from './positions.js';
import { AGENT_ITEM_KEYWORDS, isName, isPunct, isWord, STATEMENT_KEYWORDS, type Token } from './tokens.js';

export interface ParseResult {
  ast: Program;
  /** Lexer and parser findings in source order. Lower only when none has severity 'error'. */
  diagnostics: AisDiagnostic[];
  /** The tokens the parser read (ending with 'eof'), for editor features that need them too. */
  tokens: readonly Token[];
  lines: LineMap;
}

export function parseAis(source: string, file?: string): ParseResult {
  const text = typeof source === 'string' ? source : '';
  const sink = new DiagnosticSink(file);
  const lines = new LineMap(text);
  const whole = lines.range(0, text.length);
  const ast: Program = { kind: 'Program', ...(file !== undefined ? { file } : {}), agents: [], range: whole };
  let tokens: Token[] = [];
  try {
    const lexer = new Lexer(text, lines, sink);
    tokens = lexer.run();
    // A truncated token list would only add "unclosed" noise after the one finding that matters.
    if (!lexer.truncated) parseProgram(new Cursor(tokens, sink), ast.agents);
  } catch (e) {
    // A bug (or an exhausted stack) must still come back as a diagnostic, never as an exception.
    sink.error(
      'AIS_INTERNAL',
      `internal error in the AIS parser: ${e instanceof Error ? e.message : String(e)}`,
      startOf(whole),
      'please report this together with the source file',
    );
  }
  return { ast, diagnostics: sink.sorted(), tokens, lines };
}

/** Hint for a word that may be a misspelt keyword. */
function didYouMean(t: Token, candidates: Iterable<string>): string | undefined {
  if (!isWord(t) || t.text.length < 2) return undefined;
  let best: string | undefined;
  let bestD = 3;
  for (const k of candidates) {
    const d = editDistance(t.text, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best && bestD <= Math.max(1, Math.floor(best.length / 3)) ? `did you mean '${best}'?` : undefined;
}

function parseProgram(c: Cursor, agents: AgentDecl[]): void {
  if (c.atEof) {
    c.errorHere(
      'AIS_EXPECTED_AGENT',
      'Expected agent: the file contains no agent',
      'an AIS program is one or more agents: agent Name { @entry flow main() -> str { ... } }',
    );
    return;
  }
  while (!c.atEof) {
    c.tick();
    const before = c.pos;
    try {
      if (c.atKw('agent')) {
        agents.push(parseAgent(c));
      } else if (c.atKw('flow') || c.at('@')) {
        c.errorHere(
          'AIS_EXPECTED_AGENT',
          `Expected agent, found ${c.found()}: flows must be declared inside an agent`,
          'wrap it: agent Name { ... }',
        );
        // Parse it anyway so its own mistakes are reported too; it is not part of the program.
        parseFlowItem(c, scratchAgent(c.cur.range));
      } else {
        c.errorHere(
          'AIS_EXPECTED_AGENT',
          `Expected agent, found ${c.found()}`,
          didYouMean(c.cur, ['agent']) ??
            (isPunct(c.cur, '}') ? "remove the extra '}'" : 'everything at the top level must be inside agent Name { ... }'),
        );
        syncTopLevel(c);
      }
    } catch (e) {
      if (!(e instanceof Bail)) throw e;
      syncTopLevel(c);
    }
    if (c.pos === before) c.advance();
  }
}

function syncTopLevel(c: Cursor): void {
  while (!c.atEof && !c.atKw('agent')) {
    c.tick();
    if (c.at('{')) c.skipBraces();
    else c.advance();
  }
}

function scratchAgent(range: AisRange): AgentDecl {
  return {
    kind: 'Agent',
    name: '',
    nameRange: range,
    memory: [],
    beliefs: [],
    goals: [],
    capabilities: [],
    flows: [],
    handlers: [],
    tools: [],
    discoverable: [],
    range,
  };
}

function parseAgent(c: Cursor): AgentDecl {
  const kw = c.advance();
  const nameTok = c.name("an agent name after 'agent'", 'write agent Name { ... }');
  const name = nameTok?.text ?? '';
  const agent = scratchAgent(kw.range);
  agent.name = name;
  agent.nameRange = nameTok?.range ?? startOf(c.cur.range);
  let open = c.eat('{');
  if (!open) {
    c.errorHere(
      'AIS_EXPECTED_TOKEN',
      `expected '{' to start the body of agent ${name || '(unnamed)'}, found ${c.found()}`,
      `write agent ${name || 'Name'} { ... }`,
    );
    const at = c.findOnLine('{');
    if (at >= 0) {
      c.pos = at;
      open = c.advance();
    }
  }
  while (!c.at('}') && !c.atEof && !c.atKw('agent')) {
    c.tick();
    const before = c.pos;
    try {
      parseAgentItem(c, agent);
    } catch (e) {
      if (!(e instanceof Bail)) throw e;
      syncAgentItem(c);
    }
    if (c.pos === before) c.advance();
  }
  c.close('}', open ?? kw, `the body of agent ${name || '(unnamed)'}`);
  agent.range = c.rangeFrom(kw.range);
  return agent;
}

function syncAgentItem(c: Cursor): void {
  while (!c.atEof && !c.at('}') && !c.at('@') && !c.atKw('agent') && !(c.cur.kind === 'keyword' && AGENT_ITEM_KEYWORDS.has(c.cur.text))) {
    c.tick();
    if (c.at('{')) c.skipBraces();
    else c.advance();
  }
}

function parseAgentItem(c: Cursor, agent: AgentDecl): void {
  const t = c.cur;
  if (isPunct(t, '@') || (t.kind === 'keyword' && t.text === 'flow')) {
    parseFlowItem(c, agent);
    return;
  }
  if (t.kind === 'keyword') {
    switch (t.text) {
      case 'tools':
        agent.tools.push(...parseNameListItem(c));
        return;
      case 'discoverable':
        agent.discoverable.push(...parseNameListItem(c));
        return;
      case 'context':
        agent.context = parseContextItem(c);
        return;
      case 'memory':
        agent.memory.push(...parseMemoryItem(c));
        return;
      case 'beliefs':
        agent.beliefs.push(...parseBeliefs(c));
        return;
      case 'goals':
        agent.goals.push(...parseGoals(c));
        return;
      case 'capability':
        agent.capabilities.push(parseCapability(c));
        return;
      case 'on':
        agent.handlers.push(parseOnEvent(c));
        return;
    }
  }
  const hint =
    didYouMean(t, AGENT_ITEM_KEYWORDS) ??
    ((t.kind === 'keyword' && STATEMENT_KEYWORDS.has(t.text)) || t.kind === 'identifier'
      ? 'statements belong inside a flow: flow main() -> str { ... }'
      : undefined) ??
    (isPunct(t, ';')
      ? "remove the stray ';'"
      : 'an agent contains flows, memory, beliefs, goals, capability, tools, discoverable, context and on items');
  c.bail(
    'AIS_EXPECTED_AGENT_ITEM',
    `expected an agent item (flow, memory, beliefs, goals, capability, tools, discoverable, context or on), found ${c.found()}`,
    hint,
  );
}

/** The first @entry flow of each agent (a map, so many flows stay linear). */
const entryFlows = new WeakMap<AgentDecl, FlowDecl>();

/** `@entry flow ...` or `flow ...`; enforces one @entry per agent. */
function parseFlowItem(c: Cursor, agent: AgentDecl): void {
  let entryRange: AisRange | undefined;
  if (c.at('@')) {
    const at = c.advance();
    if (c.atKw('entry')) {
      c.advance();
      entryRange = c.rangeFrom(at.range);
    } else {
      c.errorHere(
        'AIS_EXPECTED_ENTRY',
        `Expected 'entry' after '@', found ${c.found()}`,
        didYouMean(c.cur, ['entry']) ?? 'the only annotation is @entry',
      );
      if (c.cur.kind === 'identifier' && !c.cur.newlineBefore) c.advance();
    }
  }
  const flow = parseFlow(c, entryRange);
  const first = entryFlows.get(agent);
  if (!first && flow.isEntry) entryFlows.set(agent, flow);
  if (flow.isEntry && first && entryRange) {
    c.errorAt(
      'AIS_MULTIPLE_ENTRY',
      'Multiple @entry flows declared. Only one allowed per agent.',
      entryRange,
      `flow ${first.name} is already @entry (${formatPosition(first.range)}); remove one of the two annotations`,
    );
  }
  agent.flows.push(flow);
}

function parseFlow(c: Cursor, entryRange: AisRange | undefined): FlowDecl {
  if (!c.atKw('flow'))
    c.bail('AIS_EXPECTED_TOKEN', `expected 'flow' after '@entry', found ${c.found()}`, 'write @entry flow name(params) -> type { ... }');
  const kw = c.advance();
  const nameTok = c.name("a flow name after 'flow'", 'write flow name(params) -> type { ... }');
  const name = nameTok?.text ?? '';
  const label = name || '(unnamed)';
  let params: Param[] = [];
  let returnType: Token | undefined;
  if (c.at('(')) {
    params = parseParamList(c, c.advance(), `the parameter list of flow ${label}`);
    if (c.eat('->')) returnType = c.typeName(`after '->' in flow ${label}`);
  } else if (c.at('->')) {
    c.errorHere(
      'AIS_RETURN_TYPE_NEEDS_PARAMS',
      "Expected '{' to start flow body: a return type needs a parameter list",
      `write flow ${name || 'name'}() -> type { ... }`,
    );
    c.advance();
    if (isName(c.cur)) returnType = c.advance();
  }
  let open = c.eat('{');
  if (!open) {
    c.errorHere(
      'AIS_EXPECTED_TOKEN',
      `expected '{' to start the body of flow ${label}, found ${c.found()}`,
      `write flow ${name || 'name'}(params) -> type { ... }`,
    );
    const at = c.findOnLine('{');
    if (at >= 0) {
      c.pos = at;
      open = c.advance();
    }
  }
  // Without a '{' the statements are still parsed (as if it were there), to report their own errors.
  const body: Statement[] = parseStatementList(c, open ?? kw, `the body of flow ${label}`);
  const start = entryRange ?? kw.range;
  return {
    kind: 'Flow',
    name,
    nameRange: nameTok?.range ?? startOf(c.cur.range),
    params,
    returnType: returnType?.text ?? 'void',
    ...(returnType ? { returnTypeRange: returnType.range } : {}),
    isEntry: entryRange !== undefined,
    ...(entryRange ? { entryRange } : {}),
    body,
    bodyRange: open ? c.rangeFrom(open.range) : c.rangeFrom(kw.range),
    range: c.rangeFrom(start),
  };
}
