import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hitConditionMet } from './breakpoints.js';
import { evaluateText, ExpressionError, interpolateLogMessage, parseExpression, type Scope } from './expressions.js';
import type { Value } from '../runtime/values/value.js';

const scope = (vars: Record<string, Value>, call?: Scope['call']): Scope => ({ lookup: (r) => vars[r], ...(call ? { call } : {}) });

describe('debugger expressions', () => {
  const s = scope({ inputs: ['Oslo', 3], stm: { city: 'Rome', n: 2 }, node: { op: 'ASK', name: 'plan' }, tokens: 120 });

  it('reads paths, compares, and combines', { timeout: 10_000 }, () => {
    assert.equal(evaluateText('inputs[0]', s), 'Oslo');
    assert.equal(evaluateText('stm.city == "Rome" && tokens > 100', s), true);
    assert.equal(evaluateText('!(node.op == "INV") || false', s), true);
    assert.equal(evaluateText('inputs[1] * 2 + 1', s), 7);
    assert.equal(evaluateText('"x" + stm.n', s), 'x2');
    assert.equal(evaluateText('inputs.length', s), 2);
    assert.equal(evaluateText('stm.missing', s), null);
    assert.equal(evaluateText('inputs[1] == "3"', s), true, 'numbers equal their decimal text');
  });

  it('builds objects and arrays, and calls built-in and scope functions', { timeout: 10_000 }, () => {
    assert.deepEqual(evaluateText('{ query: stm.city, "k": 3, list: [1, inputs[0]] }', s), { query: 'Rome', k: 3, list: [1, 'Oslo'] });
    assert.equal(evaluateText('len(inputs) + len(stm)', s), 4);
    assert.equal(evaluateText('contains(inputs, "Oslo") && contains(stm.city, "om")', s), true);
    const calls: Value[][] = [];
    const withCall = scope({}, (name, args) => {
      calls.push([name, ...args]);
      return 'hit';
    });
    assert.equal(evaluateText('ltm.search("cats", 2)', withCall), 'hit');
    assert.deepEqual(calls, [['ltm.search', 'cats', 2]]);
  });

  it('says what is wrong, and never reaches the process', { timeout: 10_000 }, () => {
    assert.throws(
      () => evaluateText('nope.x', s),
      (e: unknown) => e instanceof ExpressionError && /'nope' is not defined/.test(e.message),
    );
    assert.throws(() => parseExpression('a ==='), ExpressionError);
    assert.throws(() => parseExpression('a ; b'), /unexpected character ';'/);
    assert.throws(() => evaluateText('process.exit(1)', s), /'process' is not defined|unknown function/);
    assert.throws(() => evaluateText('constructor.constructor("x")', s), ExpressionError);
  });

  it('inherited properties are no names: not as a root, not as a function', { timeout: 10_000 }, () => {
    // a scope that reads a plain object: its inherited members must still not resolve
    const naive: Scope = { lookup: (r) => (({ a: 1 }) as Record<string, Value>)[r] };
    for (const e of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'constructor.name']) {
      assert.throws(() => evaluateText(e, naive), /is not defined here/, e);
    }
    for (const e of ['toString()', 'constructor(1)', 'hasOwnProperty("len")', 'valueOf()', '__lookupGetter__("x")']) {
      assert.throws(() => evaluateText(e, s), /unknown function/, e);
    }
    assert.equal(evaluateText('len("abc")', s), 3);
  });

  it('log messages interpolate {expressions} and show errors in place', { timeout: 10_000 }, () => {
    assert.equal(
      interpolateLogMessage('to {inputs[0]} with {tokens} tokens, {oops.x}', s),
      "to Oslo with 120 tokens, <'oops' is not defined here>",
    );
  });

  it('hit conditions', { timeout: 10_000 }, () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => hitConditionMet('2', n)),
      [false, true, false, false],
    );
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => hitConditionMet('>= 3', n)),
      [false, false, true, true],
    );
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => hitConditionMet('% 2', n)),
      [false, true, false, true],
    );
    assert.equal(hitConditionMet(undefined, 7), true);
  });
});
