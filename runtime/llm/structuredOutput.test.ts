import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApxmError } from '../errors.js';
import { buildPlanPrompt, buildReflectPrompt, buildVerifyPrompt, renderTemplate, systemPromptFor } from './prompts.js';
import { extractJson, parsePlanReply, parseReasonReply, parseReflectReply, parseVerifyReply } from './structuredOutput.js';

function badReply(fn: () => unknown): ApxmError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApxmError, `expected an ApxmError, got ${String(e)}`);
    assert.equal(e.code, 'E_LLM_BAD_REPLY');
    return e;
  }
  assert.fail('expected E_LLM_BAD_REPLY');
}

describe('extractJson', () => {
  it('parses a plain JSON reply', () => {
    assert.deepEqual(extractJson('{"a": 1, "b": [true, null]}'), { a: 1, b: [true, null] });
    assert.deepEqual(extractJson('  \n{"x":"y"}\n '), { x: 'y' });
    assert.equal(extractJson('false'), false);
    assert.equal(extractJson('42'), 42);
  });

  it('takes the first fenced block', () => {
    assert.deepEqual(extractJson('Here you go:\n```json\n{"plan": ["a"]}\n```\nand another\n```json\n{"plan": ["b"]}\n```'), {
      plan: ['a'],
    });
    assert.deepEqual(extractJson('```\n[1, 2]\n```'), [1, 2]);
    assert.deepEqual(extractJson('```JSON {"k": "v"}```'), { k: 'v' });
  });

  it('finds the outermost braces inside prose', () => {
    assert.deepEqual(extractJson('Sure! The answer is {"result": {"n": 3}} — hope that helps.'), { result: { n: 3 } });
    assert.deepEqual(extractJson('Note [see below]: {"verified": true}'), { verified: true });
  });

  it('finds an array inside prose, and keeps an array of objects whole', () => {
    assert.deepEqual(extractJson('The items are [1, 2, 3].'), [1, 2, 3]);
    assert.deepEqual(extractJson('Result: [{"a": 1}, {"b": 2}] ok'), [{ a: 1 }, { b: 2 }]);
    assert.deepEqual(extractJson('Result: [{"a": 1}] ok'), [{ a: 1 }]);
  });

  it('returns undefined when there is no JSON', () => {
    assert.equal(extractJson('no json here'), undefined);
    assert.equal(extractJson(''), undefined);
    assert.equal(extractJson('{not: json}'), undefined);
  });
});

describe('parsePlanReply', () => {
  it('parses steps, clamps priorities and keeps dependencies', () => {
    const reply = JSON.stringify({
      plan: [
        { description: 'Book flights', priority: 90, dependencies: [] },
        { description: 'Book a hotel', priority: 250, dependencies: ['Book flights'] },
        'Pack',
      ],
      result: 'A trip to Lisbon',
    });
    assert.deepEqual(parsePlanReply(reply), {
      plan: [
        { description: 'Book flights', priority: 90, dependencies: [] },
        { description: 'Book a hotel', priority: 100, dependencies: ['Book flights'] },
        { description: 'Pack', priority: 0, dependencies: [] },
      ],
      result: 'A trip to Lisbon',
    });
  });

  it('accepts a fenced reply and an inner plan graph', () => {
    const r = parsePlanReply('```json\n{"plan": [{"description": "one"}], "inner_plan": {"graph": {"name": "g", "nodes": []}}}\n```');
    assert.deepEqual(r.plan, [{ description: 'one', priority: 0, dependencies: [] }]);
    assert.equal(r.result, '');
    assert.deepEqual(JSON.parse(r.innerPlanGraph ?? 'null'), { name: 'g', nodes: [] });
  });

  it('rejects a reply that is not JSON, quoting it', () => {
    const e = badReply(() => parsePlanReply('First, book the flights. Then relax.'));
    assert.match(e.message, /^PLAN: malformed reply: it is not JSON/);
    assert.ok(e.message.includes('"First, book the flights. Then relax."'), e.message);
    assert.equal(e.details?.reply, 'First, book the flights. Then relax.');
    assert.ok(e.hint);
  });

  it('truncates a long quoted reply', () => {
    const long = 'x'.repeat(1000);
    const e = badReply(() => parsePlanReply(long));
    assert.ok(e.message.includes('x'.repeat(400) + '…'));
    assert.ok(!e.message.includes('x'.repeat(401)));
  });

  it('rejects JSON without a plan, naming "plan"', () => {
    const e = badReply(() => parsePlanReply('{"steps": ["a"], "result": "r"}'));
    assert.match(e.message, /"plan" is missing or not an array/);
    assert.match(e.hint ?? '', /"plan"/);
    badReply(() => parsePlanReply('{"plan": "do it"}'));
  });

  it('rejects an array reply and a step without a description', () => {
    assert.match(badReply(() => parsePlanReply('[{"description": "a"}]')).message, /expected a JSON object, got an array/);
    assert.match(badReply(() => parsePlanReply('{"plan": [{"priority": 3}]}')).message, /plan\[0\] has no "description"/);
  });
});

describe('parseReasonReply', () => {
  it('takes a plain-text reply as the result', () => {
    assert.deepEqual(parseReasonReply('  The answer is 42.\n'), { result: 'The answer is 42.', beliefUpdates: {}, newGoals: [] });
    assert.deepEqual(
      parseReasonReply('{"answer": 42}'),
      { result: '{"answer": 42}', beliefUpdates: {}, newGoals: [] },
      'JSON without the REASON keys is text',
    );
  });

  it('parses the JSON form', () => {
    const r = parseReasonReply(
      'Thinking done. {"result": {"city": "Lisbon"}, "belief_updates": {"weather": "sunny"}, "new_goals": ["book", {"description": "pack", "priority": 120}]}',
    );
    assert.deepEqual(r, {
      result: { city: 'Lisbon' },
      beliefUpdates: { weather: 'sunny' },
      newGoals: [
        { description: 'book', priority: 50 },
        { description: 'pack', priority: 100 },
      ],
    });
  });

  it('rejects badly typed fields', () => {
    assert.match(badReply(() => parseReasonReply('{"result": 1, "belief_updates": [1]}')).message, /"belief_updates" must be an object/);
    assert.match(badReply(() => parseReasonReply('{"result": 1, "new_goals": "g"}')).message, /"new_goals" must be an array/);
  });
});

describe('parseReflectReply', () => {
  it('parses summary and lists (strings or objects with a description)', () => {
    const r = parseReflectReply(
      '{"summary": "ok run", "insights": ["fast", {"description": "cheap"}], "patterns": [], "recommendations": [{"x": 1}]}',
    );
    assert.deepEqual(r, { summary: 'ok run', insights: ['fast', 'cheap'], patterns: [], recommendations: ['{"x":1}'] });
  });

  it('accepts "result" as the summary and missing lists', () => {
    assert.deepEqual(parseReflectReply('{"result": "fine"}'), { summary: 'fine', insights: [], patterns: [], recommendations: [] });
  });

  it('rejects a missing summary, a non-array list and text', () => {
    assert.match(badReply(() => parseReflectReply('{"insights": []}')).message, /"summary" is missing/);
    assert.match(badReply(() => parseReflectReply('{"summary": "s", "insights": "one"}')).message, /"insights" must be an array/);
    assert.match(badReply(() => parseReflectReply('It went well.')).message, /^REFLECT: malformed reply: it is not JSON/);
  });
});

describe('parseVerifyReply', () => {
  it('reads a JSON verdict', () => {
    assert.deepEqual(parseVerifyReply('{"verified": true, "reason": "stated in the evidence"}'), {
      verified: true,
      reason: 'stated in the evidence',
    });
    assert.deepEqual(parseVerifyReply('{"verified": false}'), { verified: false });
    assert.deepEqual(parseVerifyReply('```json\n{"valid": false, "reason": "contradicted"}\n```'), {
      verified: false,
      reason: 'contradicted',
    });
    assert.deepEqual(parseVerifyReply('{"result": "TRUE"}'), { verified: true });
    assert.deepEqual(parseVerifyReply('true'), { verified: true });
    assert.deepEqual(parseVerifyReply('false'), { verified: false });
  });

  it('reads an exact yes/no word', () => {
    assert.deepEqual(parseVerifyReply('yes'), { verified: true });
    assert.deepEqual(parseVerifyReply(' Yes. '), { verified: true });
    assert.deepEqual(parseVerifyReply('No!'), { verified: false });
    assert.deepEqual(parseVerifyReply('True.'), { verified: true });
  });

  it('never takes a substring as a verdict', () => {
    for (const reply of [
      'not true',
      'This is not true.',
      'yes and no',
      'The claim is untrue',
      '{"verified": "maybe"}',
      '{"verdict": true}',
    ]) {
      const e = badReply(() => parseVerifyReply(reply));
      assert.match(e.message, /^VERIFY: malformed reply: no verdict/, reply);
    }
  });
});

describe('renderTemplate', () => {
  it('substitutes {i} by input i', () => {
    assert.equal(renderTemplate('Compare {0} with {1}.', ['Lisbon', 'Porto']), 'Compare Lisbon with Porto.');
    assert.equal(renderTemplate('n={0}, obj={1}', [42, { a: [1, 'x'] }]), 'n=42, obj={"a": [1, "x"]}');
  });

  it('substitutes in one pass: an input containing a placeholder stays literal', () => {
    assert.equal(renderTemplate('{0} / {1}', ['has {1} inside', 'B']), 'has {1} inside / B');
    assert.equal(renderTemplate('{0}', ['{{name}}'], { name: 'Ann' }), '{{name}}');
  });

  it('leaves an out-of-range placeholder as written and appends no context', () => {
    assert.equal(renderTemplate('a {0} b {3}', ['x']), 'a x b {3}');
  });

  it('appends Context lines when there is no {i} placeholder', () => {
    assert.equal(renderTemplate('Summarise.', ['first', { k: 2 }]), 'Summarise.\n\nContext 1: "first"\nContext 2: {"k":2}');
    assert.equal(renderTemplate('Just this.', []), 'Just this.');
  });

  it('uses the first input for a blank template', () => {
    assert.equal(renderTemplate('', ['only this', 'not this']), 'only this');
    assert.equal(renderTemplate('   ', [7]), '7');
    assert.equal(renderTemplate('', []), '');
  });

  it('fills {{name}} variables, leaving unknown ones as written', () => {
    assert.equal(
      renderTemplate('Hi {{name}}, from {{ city }}; {{unknown}}', [], { name: 'Ann', city: 'Lisbon' }),
      'Hi Ann, from Lisbon; {{unknown}}',
    );
    assert.equal(renderTemplate('{{v}} then {0}', ['x'], { v: '{0}' }), '{0} then x', 'a variable value is not rescanned');
    assert.equal(renderTemplate('Hi {{name}}', ['ctx'], { name: 'Ann' }), 'Hi Ann\n\nContext 1: "ctx"');
  });
});

describe('prompt builders', () => {
  it('build the PLAN, VERIFY and REFLECT prompts', () => {
    assert.equal(
      buildPlanPrompt('Visit Lisbon', 'budget 500'),
      'Goal: Visit Lisbon\nContext: budget 500\n\nReply with the JSON plan only.',
    );
    assert.equal(
      buildVerifyPrompt('sky is blue', ''),
      'Claim: sky is blue\n\nEvidence:\n(none)\n\nIs the claim supported by the evidence? Reply with the JSON verdict only.',
    );
    const reflect = buildReflectPrompt(['r1'], ['- op_success: ASK node 1'], 'Be brief.');
    assert.match(
      reflect,
      /^Be brief\.\n\nResults to analyse:\nr1\n\nExecution history \(1 events, oldest first\):\n- op_success: ASK node 1/,
    );
    assert.match(systemPromptFor('VERIFY'), /"verified": true\|false/);
  });
});
