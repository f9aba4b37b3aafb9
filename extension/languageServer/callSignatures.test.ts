import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_CALLS } from '../../runtime/ais/classifyCall.js';
import { OP_CATALOGUE } from '../../runtime/graph/opCatalogue.js';
import { builtinSignature, namedArgumentLabel, opsWithSignatures, signatureLabel } from './callSignatures.js';

// The table is runtime/ais/opSignatures.ts; these tests hold what the editor relies on.
describe('callSignatures', () => {
  it('covers every built-in call, aliases sharing their op entry', () => {
    for (const [name, bc] of BUILTIN_CALLS) {
      const s = builtinSignature(name);
      assert.ok(s, `no signature for ${name}`);
      assert.equal(s.info, OP_CATALOGUE[bc.op]);
    }
    assert.equal(builtinSignature('mem')?.signature, builtinSignature('qmem')?.signature);
    assert.equal(builtinSignature('ASK')?.builtin.op, 'ASK', 'matched case-insensitively, as GraphGen does');
    assert.equal(builtinSignature('summarize'), undefined);
  });

  it('has no entry for an op that no call reaches', () => {
    const reachable = new Set([...BUILTIN_CALLS.values()].map((b) => b.op));
    assert.deepEqual(
      opsWithSignatures().filter((op) => !reachable.has(op)),
      [],
    );
  });

  it('documents every argument, with unique named arguments per call', () => {
    for (const op of opsWithSignatures()) {
      const name = [...BUILTIN_CALLS.values()].find((b) => b.op === op)!.name;
      const s = builtinSignature(name)!.signature;
      for (const a of [...s.args, ...s.named]) assert.ok(a.doc.length > 3, `${op}.${a.name}`);
      const named = s.named.map((a) => a.name);
      assert.equal(new Set(named).size, named.length, `${op} repeats a named argument`);
      const rest = s.args.findIndex((a) => a.rest);
      assert.ok(rest < 0 || rest === s.args.length - 1, `${op}: only the last positional argument can take the rest`);
    }
  });

  it('labels a call as written', () => {
    assert.equal(signatureLabel('ask', builtinSignature('ask')!.signature), 'ask(prompt, context...)');
    assert.equal(signatureLabel('mem', builtinSignature('mem')!.signature), 'mem(query, tier?)');
    assert.equal(namedArgumentLabel(builtinSignature('think')!.signature.named.find((a) => a.name === 'model')!), 'model: string');
  });
});
