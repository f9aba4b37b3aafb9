import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { AgentDecl, CallExpr, Expression, FlowDecl, LetStmt, Statement } from './ast.js';
import { flattenAdd } from './ast.js';
import type { AisDiagnostic } from './diagnostics.js';
import { parseAis } from './parser.js';

// Compiled to out/runtime/ais/; the example programs stay in the source tree.
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');
const fixtureNames = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.ais'))
  .sort();
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

const errors = (ds: AisDiagnostic[]): AisDiagnostic[] => ds.filter((d) => d.severity === 'error');
const flow = (a: AgentDecl, name: string): FlowDecl => {
  const f = a.flows.find((x) => x.name === name);
  assert.ok(f, `flow ${name}`);
  return f;
};
const asLet = (s: Statement | undefined): LetStmt => {
  assert.equal(s?.kind, 'Let');
  return s;
};
const asCall = (e: Expression): CallExpr => {
  assert.equal(e.kind, 'Call');
  return e;
};

describe('AIS parser: the example programs', () => {
  it('has the eight examples as fixtures', () => {
    assert.deepEqual(fixtureNames, [
      'approval_gate.ais',
      'notes_memory.ais',
      'release_checker.ais',
      'resilient_digest.ais',
      'review_board.ais',
      'self_improver.ais',
      'support_router.ais',
      'trip_planner.ais',
    ]);
  });

  for (const name of fixtureNames) {
    it(`parses ${name} with no diagnostics`, () => {
      const { ast, diagnostics } = parseAis(fixture(name), name);
      assert.deepEqual(diagnostics, []);
      assert.ok(ast.agents.length >= 1);
      assert.equal(ast.file, name);
      // Exactly one @entry in the file (what the lowering will require).
      assert.equal(ast.agents.flatMap((a) => a.flows).filter((f) => f.isEntry).length, 1);
    });
  }

  it('support_router.ais: params, @entry, bindings, switch with cases, default and result binding', () => {
    const { ast } = parseAis(fixture('support_router.ais'));
    assert.equal(ast.agents.length, 1);
    const agent = ast.agents[0];
    assert.equal(agent.name, 'SupportRouter');
    const main = flow(agent, 'main');
    assert.equal(main.isEntry, true);
    assert.deepEqual(
      main.params.map((p) => [p.name, p.type]),
      [['ticket', 'str']],
    );
    assert.equal(main.returnType, 'str');
    assert.deepEqual(
      main.body.map((s) => s.kind),
      ['Let', 'Switch', 'Let', 'Return'],
    );

    const kind = asLet(main.body[0]);
    assert.equal(kind.form, 'arrow');
    assert.equal(kind.name, 'kind');
    const ask = asCall(kind.init);
    assert.equal(ask.callee, 'ask');
    assert.equal(ask.args.length, 1);
    assert.equal(ask.args[0].kind, 'Binary');
    assert.deepEqual(
      flattenAdd(ask.args[0]).map((e) => e.kind),
      ['String', 'Var'],
    );

    const sw = main.body[1];
    assert.equal(sw.kind, 'Switch');
    if (sw.kind !== 'Switch') return;
    assert.deepEqual(sw.discriminant, { kind: 'Var', name: 'kind', range: sw.discriminant.range });
    assert.deepEqual(
      sw.cases.map((c) => c.label),
      ['billing', 'bug'],
    );
    assert.deepEqual(
      sw.cases.map((c) => c.body.length),
      [1, 1],
    );
    const bugArm = sw.cases[1].body[0];
    assert.equal(bugArm.kind, 'ExprStmt');
    if (bugArm.kind === 'ExprStmt') assert.equal(asCall(bugArm.expression).callee, 'reason');
    assert.equal(sw.defaultBody?.length, 1);
    assert.equal(sw.defaultRanges.length, 1);
    assert.equal(sw.result?.name, 'reply');

    const ret = main.body[3];
    assert.equal(ret.kind, 'Return');
    if (ret.kind === 'Return')
      assert.deepEqual(ret.value && { kind: ret.value.kind, name: (ret.value as { name?: string }).name }, {
        kind: 'Var',
        name: 'short_reply',
      });
  });

  it('resilient_digest.ais: memory, let with a list, loop, try/catch, if/else with returns', () => {
    const { ast } = parseAis(fixture('resilient_digest.ais'));
    const agent = ast.agents[0];
    assert.equal(agent.name, 'Digest');
    assert.deepEqual(
      agent.memory.map((m) => [m.name, m.tier]),
      [['seen', 'STM']],
    );
    const main = flow(agent, 'main');
    assert.deepEqual(
      main.body.map((s) => s.kind),
      ['Let', 'Loop', 'Let', 'If'],
    );

    const sources = asLet(main.body[0]);
    assert.equal(sources.form, 'let');
    assert.equal(sources.init.kind, 'Array');
    if (sources.init.kind === 'Array')
      assert.deepEqual(
        sources.init.elements.map((e) => e.kind === 'String' && e.value),
        ['news', 'wiki', 'forum'],
      );

    const loop = main.body[1];
    assert.equal(loop.kind, 'Loop');
    if (loop.kind !== 'Loop') return;
    assert.equal(loop.variable, 'src');
    assert.equal(loop.collection.kind, 'Var');
    assert.equal(loop.body.braced, true);
    assert.equal(loop.body.statements.length, 1);
    const tc = loop.body.statements[0];
    assert.equal(tc.kind, 'TryCatch');
    if (tc.kind !== 'TryCatch') return;
    assert.deepEqual(
      tc.tryBlock.statements.map((s) => s.kind),
      ['Let', 'ExprStmt'],
    );
    const page = asLet(tc.tryBlock.statements[0]);
    assert.equal(page.name, 'page');
    const inv = asCall(page.init);
    assert.equal(inv.callee, 'inv');
    assert.equal(inv.args.length, 2);
    // "{\"source\": \"" + src + "\"}" — escapes processed.
    const pieces = flattenAdd(inv.args[1]);
    assert.deepEqual(
      pieces.map((p) => (p.kind === 'String' ? p.value : p.kind === 'Var' ? `$${p.name}` : p.kind)),
      ['{"source": "', '$src', '"}'],
    );
    assert.deepEqual(
      tc.catchBlock.statements.map((s) => s.kind),
      ['ExprStmt'],
    );

    const iff = main.body[3];
    assert.equal(iff.kind, 'If');
    if (iff.kind !== 'If') return;
    assert.equal(iff.condition.kind, 'Binary');
    if (iff.condition.kind === 'Binary') {
      assert.equal(iff.condition.op, 'NotEqual');
      assert.equal(iff.condition.right.kind, 'Null');
    }
    assert.deepEqual(
      iff.then.statements.map((s) => s.kind),
      ['Let', 'Return'],
    );
    assert.deepEqual(
      iff.else?.statements.map((s) => s.kind),
      ['Return'],
    );
  });

  it('review_board.ais: three agents and Agent.flow calls', () => {
    const { ast } = parseAis(fixture('review_board.ais'));
    assert.deepEqual(
      ast.agents.map((a) => [a.name, a.flows.map((f) => f.name)]),
      [
        ['Author', ['draft']],
        ['Skeptic', ['questions', 'review']],
        ['Chair', ['main']],
      ],
    );
    const main = flow(ast.agents[2], 'main');
    const draft = asLet(main.body[0]);
    assert.equal(draft.init.kind, 'FlowCall');
    if (draft.init.kind === 'FlowCall') {
      assert.equal(draft.init.agent, 'Author');
      assert.equal(draft.init.flow, 'draft');
      assert.equal(draft.init.args.length, 1);
    }
  });

  it('accepts soft keywords as names, as the examples do (-> plan, a parameter named goal)', () => {
    const trip = parseAis(fixture('trip_planner.ais')).ast;
    const binding = flow(trip.agents[0], 'main').body.find((s) => s.kind === 'Let' && s.name === 'plan');
    assert.ok(binding);
    const self = parseAis(fixture('self_improver.ais')).ast;
    const main = flow(self.agents[0], 'main');
    assert.equal(main.params[0].name, 'goal');
    const steps = asLet(main.body[0]);
    assert.equal(asCall(steps.init).callee, 'plan');
    assert.deepEqual(
      asCall(steps.init).args.map((a) => a.kind === 'Var' && a.name),
      ['goal'],
    );
  });
});

describe('AIS parser: source ranges', () => {
  it('gives precise line/column ranges (1-based, end exclusive)', () => {
    const src = fixture('support_router.ais');
    const main = flow(parseAis(src).ast.agents[0], 'main');
    // line 5: "    @entry flow main(ticket: str) -> str {"
    assert.deepEqual([main.range.line, main.range.column], [5, 5]);
    assert.deepEqual([main.entryRange?.line, main.entryRange?.column, main.entryRange?.endColumn], [5, 5, 11]);
    assert.deepEqual([main.nameRange.line, main.nameRange.column, main.nameRange.endColumn], [5, 17, 21]);
    assert.deepEqual([main.params[0].typeRange.line, main.params[0].typeRange.column], [5, 30]);
    assert.deepEqual([main.range.endLine, main.range.endColumn], [14, 6]);
    const kind = asLet(main.body[0]);
    assert.deepEqual([kind.range.line, kind.range.column, kind.range.endLine, kind.range.endColumn], [6, 9, 6, 86]);
    assert.deepEqual([kind.nameRange.column, kind.nameRange.endColumn], [82, 86]);
    assert.deepEqual([asCall(kind.init).calleeRange.column, asCall(kind.init).calleeRange.endColumn], [9, 12]);
    const sw = main.body[1];
    assert.deepEqual([sw.range.line, sw.range.column, sw.range.endLine, sw.range.endColumn], [7, 9, 11, 19]);
    if (sw.kind === 'Switch') {
      assert.deepEqual([sw.cases[1].labelRange.line, sw.cases[1].labelRange.column, sw.cases[1].labelRange.endColumn], [9, 18, 23]);
    }
    // Offsets agree with the text.
    assert.equal(src.slice(kind.nameRange.offset, kind.nameRange.endOffset), 'kind');
    assert.equal(src.slice(main.nameRange.offset, main.nameRange.endOffset), 'main');
  });

  it('counts CRLF and lone CR as one line break', () => {
    const { ast, diagnostics } = parseAis('agent A {\r\n  flow f() {\r    ask("x") -> y\r\n  }\r\n}\r\n');
    assert.deepEqual(diagnostics, []);
    const s = ast.agents[0].flows[0].body[0];
    assert.deepEqual([s.range.line, s.range.column], [3, 5]);
  });
});

describe('AIS parser: grammar details', () => {
  const one = (body: string): Statement[] => {
    const r = parseAis(`agent A {\n flow f(x: str) -> str {\n${body}\n}\n}`);
    assert.deepEqual(errors(r.diagnostics), [], JSON.stringify(r.diagnostics));
    return r.ast.agents[0].flows[0].body;
  };

  it('named arguments, trailing commas, pipes', () => {
    const [a, b, c] = one('ask(prompt: "hi " + x, budget_tokens: 10, "pos",) -> a\nx |> think -> b\nx |> reason("ctx") -> c');
    const ask = asCall(asLet(a).init);
    assert.deepEqual(
      ask.namedArgs.map((n) => n.name),
      ['prompt', 'budget_tokens'],
    );
    assert.equal(ask.args.length, 1);
    const think = asCall(asLet(b).init);
    assert.equal(think.piped, true);
    assert.deepEqual(
      think.args.map((e) => e.kind),
      ['Var'],
    );
    const reason = asCall(asLet(c).init);
    assert.deepEqual(
      reason.args.map((e) => e.kind),
      ['Var', 'String'],
    );
  });

  it('operators by precedence; a negative literal; a-1 is a subtraction', () => {
    const [s1, s2, s3] = one('let v = a || b && c == d + e * -2\nlet w = a-1\nlet z = !a');
    const v = asLet(s1).init;
    assert.equal(v.kind === 'Binary' && v.op, 'Or');
    if (v.kind === 'Binary' && v.right.kind === 'Binary') {
      assert.equal(v.right.op, 'And');
      const eq = v.right.right;
      assert.equal(eq.kind === 'Binary' && eq.op, 'Equal');
      if (eq.kind === 'Binary' && eq.right.kind === 'Binary' && eq.right.right.kind === 'Binary') {
        assert.equal(eq.right.op, 'Add');
        assert.deepEqual(eq.right.right.right.kind === 'Number' && eq.right.right.right.value, -2);
      }
    }
    const w = asLet(s2).init;
    assert.equal(w.kind === 'Binary' && w.op, 'Sub');
    assert.equal(asLet(s3).init.kind, 'Unary');
  });

  it('string interpolation becomes a + chain; escaped braces do not', () => {
    const [s] = one('ask("Hi {{ x }}, {0} \\{\\{ y }}") -> r');
    const pieces = flattenAdd(asCall(asLet(s).init).args[0]);
    assert.deepEqual(
      pieces.map((p) => (p.kind === 'String' ? p.value : p.kind === 'Var' ? `$${p.name}` : p.kind)),
      ['Hi ', '$x', ', {0} {{ y }}'],
    );
  });

  it('if / else if / else, single-statement bodies, parallel, bare return', () => {
    const [s, p, r] = one(
      'if (x == "a") ask("1") else if (x == "b") { ask("2") } else ask("3")\nparallel { ask("p") -> q ask("r") }\nreturn;',
    );
    assert.equal(s.kind, 'If');
    if (s.kind === 'If') {
      assert.equal(s.then.braced, false);
      assert.equal(s.else?.statements[0].kind, 'If');
    }
    assert.equal(p.kind === 'Parallel' && p.body.statements.length, 2);
    assert.deepEqual(r, { kind: 'Return', range: r.range });
  });

  it('agent items: memory, beliefs, goals, capability, tools, discoverable, context, on', () => {
    const src = `agent A {
      tools: [search, fetch,]
      discoverable: [A]
      context: "You are careful."
      memory { a: STM, b: LTM; c: Episodic }
      memory d: STM;
      beliefs { mood: "calm", count = from 3 }
      goals { ship: "Ship it" priority 2, learn(priority: 3, description: "Learn") , rest }
      capability search(q: str, n: number) -> json;
      on Message.received { text: str, sender } if sender == "boss" => ask(text)
      @entry flow main() { return "x" }
    }`;
    const { ast, diagnostics } = parseAis(src);
    assert.deepEqual(diagnostics, []);
    const a = ast.agents[0];
    assert.deepEqual(
      a.tools.map((t) => t.name),
      ['search', 'fetch'],
    );
    assert.deepEqual(
      a.discoverable.map((t) => t.name),
      ['A'],
    );
    assert.equal(a.context?.value, 'You are careful.');
    assert.deepEqual(
      a.memory.map((m) => `${m.name}:${m.tier}`),
      ['a:STM', 'b:LTM', 'c:Episodic', 'd:STM'],
    );
    assert.deepEqual(
      a.beliefs.map((b) => [b.name, b.from, b.value.kind]),
      [
        ['mood', false, 'String'],
        ['count', true, 'Number'],
      ],
    );
    assert.deepEqual(
      a.goals.map((g) => [g.name, g.description, g.priority]),
      [
        ['ship', 'Ship it', 2],
        ['learn', 'Learn', 3],
        ['rest', '', 1],
      ],
    );
    assert.deepEqual(
      a.capabilities.map((c) => [c.name, c.params.map((p) => p.type), c.returnType]),
      [['search', ['str', 'number'], 'json']],
    );
    const h = a.handlers[0];
    assert.equal(h.event, 'Message.received');
    assert.deepEqual(
      h.params.map((p) => [p.name, p.type]),
      [
        ['text', 'str'],
        ['sender', 'token'],
      ],
    );
    assert.equal(h.condition?.kind, 'Binary');
    assert.equal(h.body[0].kind, 'Return');
  });

  it('flow without parameters has return type void; case bodies may be blocks', () => {
    const { ast, diagnostics } = parseAis(
      'agent A { @entry flow main { switch "x" { case "a" => { let y = 1 return "a" } default => return "b" } } }',
    );
    assert.deepEqual(diagnostics, []);
    const f = ast.agents[0].flows[0];
    assert.equal(f.returnType, 'void');
    assert.equal(f.returnTypeRange, undefined);
    const sw = f.body[0];
    assert.equal(sw.kind === 'Switch' && sw.cases[0].body.length, 2);
  });

  it('case labels keep their spelling without escape processing (upstream parity) and also the value', () => {
    const { ast } = parseAis('agent A { flow f(x: str) { switch x { case "a\\"b" => ask("q") } } }');
    const sw = ast.agents[0].flows[0].body[0];
    assert.equal(sw.kind, 'Switch');
    if (sw.kind === 'Switch') {
      assert.equal(sw.cases[0].label, 'a\\"b');
      assert.equal(sw.cases[0].labelValue, 'a"b');
    }
  });
});

interface Expect {
  code: string;
  line: number;
  column: number;
  message?: RegExp;
}

/** Invalid inputs: the first error's code and position, and no exception. */
const INVALID: [string, string, Expect][] = [
  [
    'missing ) before ->',
    'agent A {\n  flow f() {\n    ask("hi" -> x\n    return x\n  }\n}',
    { code: 'AIS_UNCLOSED', line: 3, column: 14, message: /^expected '\)' to close the call to ask started at 3:8, found '->'$/ },
  ],
  [
    'missing ) before ;',
    'agent A {\n  flow f() {\n    let y = ask("hi";\n  }\n}',
    { code: 'AIS_UNCLOSED', line: 3, column: 21, message: /close the call to ask started at 3:16, found ';'/ },
  ],
  [
    'missing } of a flow',
    'agent A {\n  flow f() {\n    ask("hi") -> x\n  flow g() { return "a" }\n}',
    {
      code: 'AIS_UNCLOSED',
      line: 3,
      column: 19,
      message: /expected '}' to close the body of flow f started at 2:12, found keyword 'flow'/,
    },
  ],
  [
    'missing } at end of file',
    'agent A {\n  flow f() {\n    return "x"\n  }\n',
    { code: 'AIS_UNCLOSED', line: 4, column: 4, message: /the body of agent A started at 1:9, found end of file/ },
  ],
  ['unterminated string at EOF', 'agent A { flow f() { ask("hi', { code: 'AIS_UNTERMINATED_STRING', line: 1, column: 26 }],
  ['newline in string', 'agent A {\n flow f() {\n  ask("hi) -> x\n }\n}', { code: 'AIS_NEWLINE_IN_STRING', line: 3, column: 7 }],
  ['backslash at EOF in string', 'agent A { flow f() { ask("a\\', { code: 'AIS_UNTERMINATED_ESCAPE', line: 1, column: 28 }],
  [
    'unknown character',
    'agent A {\n flow f() {\n  ask("x") ? -> y\n }\n}',
    { code: 'AIS_UNEXPECTED_CHARACTER', line: 3, column: 12, message: /Unexpected character: '\?'/ },
  ],
  [
    'flow without a name',
    'agent A {\n  flow (x: str) { return x }\n}',
    { code: 'AIS_EXPECTED_NAME', line: 2, column: 8, message: /expected a flow name after 'flow', found '\('/ },
  ],
  ['stray ) in a flow body', 'agent A { flow f() { ) } }', { code: 'AIS_EXPECTED_STATEMENT', line: 1, column: 22 }],
  ['stray ; in a flow body', 'agent A { flow f() { ; } }', { code: 'AIS_EXPECTED_STATEMENT', line: 1, column: 22 }],
  ['stray token at top level', 'agent A { }\n}', { code: 'AIS_EXPECTED_AGENT', line: 2, column: 1 }],
  ['empty file', '', { code: 'AIS_EXPECTED_AGENT', line: 1, column: 1 }],
  ['only a comment', '// nothing here\n', { code: 'AIS_EXPECTED_AGENT', line: 2, column: 1 }],
  ['truncated after agent', 'agent', { code: 'AIS_EXPECTED_NAME', line: 1, column: 6 }],
  ['truncated in parameter list', 'agent A {\n  flow f(', { code: 'AIS_UNCLOSED', line: 2, column: 10 }],
  ['truncated in expression', 'agent A { flow f(x: str) { ask("a" + ', { code: 'AIS_EXPECTED_EXPRESSION', line: 1, column: 38 }],
  ['truncated after ->', 'agent A { flow f() { ask("a") ->', { code: 'AIS_EXPECTED_NAME', line: 1, column: 33 }],
  ['flow outside an agent', 'flow main() { return "x" }', { code: 'AIS_EXPECTED_AGENT', line: 1, column: 1 }],
  [
    'return type without parentheses',
    'agent A { flow f -> str { return "x" } }',
    { code: 'AIS_RETURN_TYPE_NEEDS_PARAMS', line: 1, column: 18 },
  ],
  [
    'two @entry flows in one agent',
    'agent A {\n @entry flow f() { return "x" }\n @entry flow g() { return "y" }\n}',
    { code: 'AIS_MULTIPLE_ENTRY', line: 3, column: 2, message: /Multiple @entry flows declared\. Only one allowed per agent\./ },
  ],
  ['@ without entry', 'agent A { @main flow f() { } }', { code: 'AIS_EXPECTED_ENTRY', line: 1, column: 12 }],
  [
    'switch arm that is not case/default',
    'agent A { flow f(x: str) { switch x { foo } } }',
    { code: 'AIS_EXPECTED_TOKEN', line: 1, column: 39, message: /Expected 'case' or 'default' in switch statement/ },
  ],
  ['reserved keyword as a name', 'agent A { flow f() { ask("x") -> context } }', { code: 'AIS_RESERVED_KEYWORD', line: 1, column: 34 }],
  ['call of a non-name', 'agent A { flow f() { a.b.c() } }', { code: 'AIS_CALL_TARGET', line: 1, column: 22 }],
  ['pipeline into a flow call', 'agent A { flow f(x: str) { x |> A.f(1) } }', { code: 'AIS_PIPELINE_STAGE', line: 1, column: 33 }],
  [
    'try without catch',
    'agent A { flow f() { try { a() } } }',
    { code: 'AIS_EXPECTED_TOKEN', line: 1, column: 34, message: /expected 'catch'/ },
  ],
  ['unknown goal attribute', 'agent A { goals { g(weight: 2) } }', { code: 'AIS_UNKNOWN_GOAL_ATTRIBUTE', line: 1, column: 21 }],
  ['block comment', 'agent A { /* no */ }', { code: 'AIS_BLOCK_COMMENT', line: 1, column: 11 }],
  ['misspelt flow keyword', 'agent A { flw main() { } }', { code: 'AIS_EXPECTED_AGENT_ITEM', line: 1, column: 11 }],
  [
    'garbage in arguments',
    'agent A { flow f() { ask("a" "b") -> x } }',
    { code: 'AIS_EXPECTED_TOKEN', line: 1, column: 30, message: /expected ',' or '\)' after an argument in the call to ask/ },
  ],
  ['empty interpolation', 'agent A { flow f() { ask("a {{}}") } }', { code: 'AIS_EMPTY_INTERPOLATION', line: 1, column: 29 }],
  ['number out of range', `agent A { flow f() { let x = 1${'0'.repeat(400)} } }`, { code: 'AIS_NUMBER_OUT_OF_RANGE', line: 1, column: 30 }],
  ['binary garbage', '\u0000\u0001\u00ff\ufffd\u0007agent', { code: 'AIS_UNEXPECTED_CHARACTER', line: 1, column: 1 }],
  [
    '10,000 nested parentheses',
    `agent A { flow f() { let x = ${'('.repeat(10_000)}1${')'.repeat(10_000)} } }`,
    { code: 'AIS_NESTING_TOO_DEEP', line: 1, column: 229 },
  ],
  [
    '10,000 unclosed parentheses',
    `agent A { flow f() { let x = ${'('.repeat(10_000)}`,
    { code: 'AIS_NESTING_TOO_DEEP', line: 1, column: 229 },
  ],
  [
    '5,000 nested blocks',
    `agent A { flow f() { ${'if (x) { '.repeat(5000)}${'} '.repeat(5000)} } }`,
    { code: 'AIS_NESTING_TOO_DEEP', line: 1 } as Expect,
  ],
  [
    'an operator chain 5,000 long',
    `agent A { flow f() { let x = a${' + a'.repeat(5000)} } }`,
    { code: 'AIS_NESTING_TOO_DEEP', line: 1, column: 30 },
  ],
];

describe('AIS parser: invalid input', () => {
  assert.ok(INVALID.length >= 15);
  for (const [title, src, want] of INVALID) {
    it(`${title} → ${want.code} at ${want.line}:${want.column ?? '?'}`, () => {
      const { diagnostics } = parseAis(src, 'bad.ais');
      const errs = errors(diagnostics);
      assert.ok(errs.length >= 1, 'expected an error');
      const d = errs[0];
      assert.equal(d.code, want.code, `${d.code}: ${d.message}`);
      assert.equal(d.range.line, want.line);
      if (want.column !== undefined) assert.equal(d.range.column, want.column, d.message);
      if (want.message) assert.match(d.message, want.message);
      assert.equal(d.file, 'bad.ais');
      assert.ok(d.hint && d.hint.length > 0, 'every error has a fix hint');
      assert.ok(errs.length <= 3, `one mistake should not cascade: ${errs.map((e) => e.message).join(' | ')}`);
    });
  }

  it('reports all three independent errors of one file, in order, and keeps the valid parts', () => {
    const src = [
      'agent A {',
      '  flow f() -> str {',
      '    let x = ask("a"', // 1: missing ')'
      '    let y = 3 $ 4', // 2: unknown character
      '    return "x" +', // 3: missing operand
      '  }',
      '  @entry flow g() -> str { return "ok" }',
      '}',
    ].join('\n');
    const { ast, diagnostics } = parseAis(src);
    const errs = errors(diagnostics);
    assert.deepEqual(
      errs.map((d) => [d.code, d.range.line]),
      [
        ['AIS_UNCLOSED', 3],
        ['AIS_UNEXPECTED_CHARACTER', 4],
        ['AIS_EXPECTED_EXPRESSION', 6],
      ],
    );
    assert.deepEqual(
      ast.agents[0].flows.map((f) => f.name),
      ['f', 'g'],
    );
    assert.equal(ast.agents[0].flows[1].isEntry, true);
  });

  it('recovers across flows and agents: errors in two agents, both agents kept', () => {
    const src = 'agent A {\n flow f() { ask("a" "b") }\n}\nagent B {\n flow g() { let = 1 }\n flow h() { return "ok" }\n}';
    const { ast, diagnostics } = parseAis(src);
    assert.deepEqual(
      errors(diagnostics).map((d) => d.range.line),
      [2, 5],
    );
    assert.deepEqual(
      ast.agents.map((a) => a.name),
      ['A', 'B'],
    );
    assert.deepEqual(
      ast.agents[1].flows.map((f) => f.name),
      ['g', 'h'],
    );
  });

  it('caps the number of diagnostics', () => {
    const { diagnostics } = parseAis('agent A { flow f() {\n' + 'let = 1\n'.repeat(500) + '} }');
    assert.ok(diagnostics.length <= 101);
    assert.equal(diagnostics[diagnostics.length - 1].code, 'AIS_TOO_MANY_ERRORS');
  });

  it('warns about a bare name that does nothing (a misspelt keyword)', () => {
    const { diagnostics } = parseAis('agent A { flow f() { retrun "x" } }');
    assert.deepEqual(
      diagnostics.map((d) => [d.severity, d.code, d.hint]),
      [['warning', 'AIS_NO_EFFECT', "did you mean 'return'?"]],
    );
  });
});

describe('AIS parser: robustness properties', () => {
  const examples = fixtureNames.map(fixture);

  const check = (src: string): void => {
    const { ast, diagnostics } = parseAis(src);
    assert.equal(ast.kind, 'Program');
    for (const d of diagnostics) {
      assert.notEqual(d.code, 'AIS_INTERNAL', d.message);
      assert.ok(d.range.line >= 1 && d.range.column >= 1 && d.range.offset <= d.range.endOffset && d.range.endOffset <= src.length);
    }
    assert.ok(diagnostics.length <= 101);
  };

  it('never throws on random strings (5,000 runs)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        check(s);
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws on random token soup (5,000 runs)', () => {
    const atom = fc.constantFrom(
      'agent',
      'flow',
      '@entry',
      '@',
      'A',
      'x',
      '{',
      '}',
      '(',
      ')',
      '[',
      ']',
      ',',
      ';',
      ':',
      '->',
      '=>',
      '=',
      '|>',
      '+',
      '-',
      '!',
      '.',
      '"s"',
      '"{{x}}"',
      '"',
      '1',
      '-2',
      'let',
      'return',
      'if',
      'else',
      'switch',
      'case',
      'default',
      'try',
      'catch',
      'loop',
      'in',
      'parallel',
      'memory',
      'beliefs',
      'goals',
      'on',
      'capability',
      'tools',
      'ask',
      'plan',
      '\n',
      ' ',
      '//c\n',
    );
    fc.assert(
      fc.property(fc.array(atom, { maxLength: 120 }), (parts) => {
        check(parts.join(' '));
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws on random mutations of the examples (5,000 runs)', () => {
    const edit = fc.record({
      at: fc.nat(),
      len: fc.nat({ max: 12 }),
      insert: fc.string({ maxLength: 6 }),
      op: fc.constantFrom('delete', 'insert', 'replace', 'truncate'),
    });
    fc.assert(
      fc.property(fc.nat({ max: examples.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 5 }), (i, edits) => {
        let s = examples[i];
        for (const e of edits) {
          const at = e.at % (s.length + 1);
          if (e.op === 'delete') s = s.slice(0, at) + s.slice(at + e.len);
          else if (e.op === 'insert') s = s.slice(0, at) + e.insert + s.slice(at);
          else if (e.op === 'replace') s = s.slice(0, at) + e.insert + s.slice(at + e.len);
          else s = s.slice(0, at);
        }
        check(s);
      }),
      { numRuns: 5000 },
    );
  });

  it('every prefix of every example parses without throwing', () => {
    for (const ex of examples) for (let n = 0; n <= ex.length; n += 3) check(ex.slice(0, n));
  });
});
