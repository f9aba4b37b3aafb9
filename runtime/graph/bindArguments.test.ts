import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApxmError } from '../errors.js';
import { bindArguments, parseNameValueFlags } from './bindArguments.js';
import type { FlowGraph } from './types.js';

function flow(...params: [string, string][]): FlowGraph {
  return {
    agent: 'A',
    flow: 'main',
    qualifiedName: 'A.main',
    isEntry: true,
    parameters: params.map(([name, typeName]) => ({ name, typeName })),
    nodes: [],
    edges: [],
    metadata: {},
  };
}

/** The error bindArguments throws, checked for code; returns it for the message and hint. */
function failure(f: FlowGraph, args: Record<string, unknown>, code = 'E_ARG_UNKNOWN'): ApxmError {
  try {
    bindArguments(f, args);
  } catch (e) {
    assert.ok(e instanceof ApxmError);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`accepted ${JSON.stringify(args)}`);
}

describe('bindArguments', () => {
  it('int: decimal integers within the safe range only, from text and from JSON', { timeout: 5_000 }, () => {
    const f = flow(['n', 'int']);
    assert.deepEqual(bindArguments(f, { n: '42' }), { n: 42 });
    assert.deepEqual(bindArguments(f, { n: '-7' }), { n: -7 });
    assert.deepEqual(bindArguments(f, { n: String(Number.MAX_SAFE_INTEGER) }), { n: Number.MAX_SAFE_INTEGER });
    assert.deepEqual(bindArguments(f, { n: 12 }), { n: 12 });
    assert.match(failure(f, { n: '100000000000000000000000' }).message, /between -9007199254740991 and 9007199254740991/);
    assert.match(failure(f, { n: String(Number.MAX_SAFE_INTEGER + 2) }).message, /between/);
    assert.match(failure(f, { n: 1e23 }).message, /between/);
    for (const bad of ['1e23', '1.5', '0x10', ' 3', '', '1_000', 'Infinity', 'ten']) {
      const e = failure(f, { n: bad });
      assert.match(e.message, /must be an integer/, bad);
      assert.match(e.hint ?? '', /--arg n=42/, bad);
      assert.doesNotMatch(e.hint ?? '', /\{"a":1\}/, 'an int error gives no JSON example');
    }
    failure(f, { n: 1.5 });
    failure(f, { n: true });
  });

  it('float: finite decimal numbers; bool: true or false; each with its own hint', { timeout: 5_000 }, () => {
    const f = flow(['x', 'float']);
    assert.deepEqual(bindArguments(f, { x: '0.25' }), { x: 0.25 });
    assert.deepEqual(bindArguments(f, { x: '1e-3' }), { x: 0.001 });
    assert.deepEqual(bindArguments(f, { x: '.5' }), { x: 0.5 });
    for (const bad of ['0x10', 'Infinity', 'NaN', '1e400', 'abc', '']) assert.match(failure(f, { x: bad }).hint ?? '', /--arg x=0\.5/, bad);
    const b = flow(['flag', 'bool']);
    assert.deepEqual(bindArguments(b, { flag: 'false' }), { flag: false });
    assert.deepEqual(bindArguments(b, { flag: true }), { flag: true });
    const e = failure(b, { flag: 'yes' });
    assert.match(e.message, /must be true or false, got "yes"/);
    assert.equal(e.hint, 'pass --arg flag=true or --arg flag=false');
  });

  it('json: JSON text, with the parse error and a shell-quoted example', { timeout: 5_000 }, () => {
    const f = flow(['items', 'json']);
    assert.deepEqual(bindArguments(f, { items: '["a","b"]' }), { items: ['a', 'b'] });
    assert.deepEqual(bindArguments(f, { items: [1] }), { items: [1] });
    const e = failure(f, { items: '[a]' });
    assert.match(e.message, /must be JSON \(/);
    assert.match(e.hint ?? '', /--arg items='\["a","b"\]'/);
    const proto = bindArguments(f, { items: '{"__proto__": {"x": 1}}' }).items as Record<string, unknown>;
    assert.deepEqual(Object.keys(proto), ['__proto__'], 'a "__proto__" key stays a key');
    assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  });

  it('__proto__, constructor and toString are unknown names unless declared, and bind when declared', { timeout: 5_000 }, () => {
    const f = flow(['city', 'str']);
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const args = parseNameValueFlags([`${name}=x`, 'city=Lisbon'], '--arg');
      assert.match(failure(f, args).message, new RegExp(`unknown argument "${name}"`));
    }
    const declared = flow(['__proto__', 'str'], ['constructor', 'int']);
    const bound = bindArguments(declared, parseNameValueFlags(['__proto__=p', 'constructor=3'], '--arg'));
    assert.equal(Object.getPrototypeOf(bound), Object.prototype);
    assert.deepEqual(Object.entries(bound), [
      ['__proto__', 'p'],
      ['constructor', 3],
    ]);
    // Declared but not given: missing, even though every object has a "constructor".
    assert.match(failure(declared, parseNameValueFlags(['__proto__=p'], '--arg'), 'E_ARG_MISSING').message, /"constructor"/);
    assert.match(failure(flow(['constructor', 'str']), {}, 'E_ARG_MISSING').message, /missing argument "constructor"/);
  });

  it('name=value flags: a name given twice or without "=" is refused', { timeout: 5_000 }, () => {
    assert.throws(() => parseNameValueFlags(['a=1', 'a=2'], '--arg'), /--arg a is given twice/);
    assert.throws(() => parseNameValueFlags(['a'], '--arg'), /--arg expects name=value/);
    assert.deepEqual({ ...parseNameValueFlags(['a=x=y', 'b='], '--arg') }, { a: 'x=y', b: '' });
  });
});
