import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallExpr, FlowCallExpr, LetStmt } from './ast.js';
import {
  BUILTIN_CALLS,
  classifyCall,
  classifyCallExpr,
  didYouMeanText,
  flowsOf,
  resolveFlowCall,
  suggestBuiltins,
} from './classifyCall.js';
import { analyzeAis, compileAis } from './compileAis.js';
import { parseAis } from './parser.js';

describe('AIS call classification', () => {
  it('maps every built-in name to its op, case-insensitively', () => {
    const want: Record<string, string> = {
      ask: 'ASK',
      think: 'THINK',
      reason: 'REASON',
      qmem: 'QMEM',
      query_memory: 'QMEM',
      mem: 'QMEM',
      umem: 'UMEM',
      update_memory: 'UMEM',
      inv: 'INV',
      invoke: 'INV',
      tool: 'INV',
      plan: 'PLAN',
      reflect: 'REFLECT',
      verify: 'VERIFY',
      merge: 'MERGE',
      wait: 'WAIT_ALL',
      wait_all: 'WAIT_ALL',
      print: 'PRINT',
      exc: 'EXC',
      exec: 'EXC',
      execute: 'EXC',
      communicate: 'COMMUNICATE',
      talk: 'COMMUNICATE',
      // extensions: the remaining AIS operations callable by name
      fence: 'FENCE',
      pause: 'PAUSE',
      resume: 'RESUME',
      claim: 'CLAIM',
      update_goal: 'UPDATE_GOAL',
      guard: 'GUARD',
      err: 'ERR',
      raise: 'ERR',
    };
    assert.deepEqual(Object.fromEntries([...BUILTIN_CALLS].map(([k, v]) => [k, v.op])), want);
    const c = classifyCall('ASK');
    assert.equal(c.kind === 'op' && c.op, 'ASK');
  });

  it("'head' mapping reproduces upstream: print/exec/talk are INV of a capability named after the callee", () => {
    assert.deepEqual(classifyCall('print', { mapping: 'head' }), {
      kind: 'op',
      callee: 'print',
      op: 'INV',
      builtin: 'print',
      capability: 'print',
    });
    assert.deepEqual(classifyCall('exec', { mapping: 'head' }), {
      kind: 'op',
      callee: 'exec',
      op: 'INV',
      builtin: 'exec',
      capability: 'exec',
    });
    assert.deepEqual(classifyCall('print'), { kind: 'op', callee: 'print', op: 'PRINT', builtin: 'print' });
    // inv takes its capability from argument 0, so none is fixed here.
    assert.deepEqual(classifyCall('inv'), { kind: 'op', callee: 'inv', op: 'INV', builtin: 'inv' });
  });

  it('a local flow shadows a built-in (GraphGen order)', () => {
    assert.equal(classifyCall('ask', { localFlows: ['ask', 'helper'] }).kind, 'flow');
    assert.equal(classifyCall('helper', { localFlows: ['helper'] }).kind, 'flow');
  });

  it('an unknown callee is a capability call, with "did you mean" suggestions', () => {
    const c = classifyCall('aks');
    assert.equal(c.kind, 'capability');
    if (c.kind !== 'capability') return;
    assert.equal(c.capability, 'aks');
    assert.deepEqual(
      c.suggestions.map((s) => [s.name, s.op]),
      [['ask', 'ASK']],
    );
    assert.equal(didYouMeanText(c.suggestions), "did you mean 'ask' (ASK)?");
    assert.deepEqual(suggestBuiltins('fetch_source'), []);
    assert.equal(didYouMeanText([]), undefined);
    assert.deepEqual(
      suggestBuiltins('reflekt').map((s) => s.name),
      ['reflect'],
    );
  });

  it('classifies call nodes of a parsed program, including Agent.flow', () => {
    const { ast } = parseAis(fixtureProgram);
    const chair = ast.agents[1];
    const body = chair.flows[0].body as LetStmt[];
    const calls = body.map((s) => s.init as CallExpr | FlowCallExpr);
    assert.deepEqual(
      calls.map((e) => {
        const c = classifyCallExpr(e, ast, chair);
        return c.kind === 'flow'
          ? `flow:${c.agent}.${c.flow}:${c.flowDecl ? 'found' : 'missing'}`
          : c.kind === 'op'
            ? `op:${c.op}`
            : `cap:${c.capability}`;
      }),
      ['flow:Author.draft:found', 'flow:Chair.local:found', 'op:ASK', 'cap:fetch', 'flow:Author.drafts:missing'],
    );
    assert.deepEqual(resolveFlowCall(ast, 'Author', 'drafts').suggestions, ['Author.draft']);
  });
});

const fixtureProgram = `
agent Author { flow draft(t: str) -> str { return t } }
agent Chair {
  @entry flow main(t: str) -> str {
    Author.draft(t) -> a
    local(t) -> b
    ask("x") -> c
    fetch(t) -> d
    Author.drafts(t) -> e
  }
  flow local(t: str) -> str { return t }
}`;

// Each call used to rebuild its agent's flow table (and `Agent.flow` searched every flow), so a
// file of n flows calling one another took n² steps: 8,000 flows took half a minute.
describe('AIS call classification at scale', () => {
  const chain = (n: number, call: (i: number) => string): string =>
    `agent A {\n${Array.from({ length: n }, (_, i) => `flow f${i}() -> str { return ${call(i + 1)} }`).join('\n')}\n` +
    `@entry flow main() -> str { return f0() }\nflow f${n}() -> str { return "x" }\n}\n`;

  it("builds an agent's flow table once, not at every call", () => {
    const agent = parseAis('agent A { flow f() -> str { return "x" } }').ast.agents[0]!;
    assert.equal(flowsOf(agent), flowsOf(agent));
  });

  it('compiles 20,000 flows that call the next one, by name and as A.name', { timeout: 20_000 }, () => {
    const local = compileAis(
      chain(20_000, (i) => `f${i}()`),
      'chain.ais',
    );
    assert.equal(local.program?.flows.length, 20_002);
    const qualified = compileAis(
      chain(20_000, (i) => `A.f${i}()`),
      'chain.ais',
    );
    assert.equal(qualified.program?.flows.length, 20_002);
  });

  it('checks 20,000 calls of unknown flows among 20,000 flows, suggesting for the first ones', { timeout: 20_000 }, () => {
    const r = analyzeAis(
      chain(20_000, (i) => `A.g${i}()`),
      'unknown.ais',
    );
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    assert.ok(errors.length > 0);
    assert.match(errors[0]!.message, /A\.g1/);
  });
});
