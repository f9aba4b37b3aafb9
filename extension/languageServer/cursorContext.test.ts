import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeDocument } from './analyzedDocument.js';
import { cursorContext, type CursorContext } from './cursorContext.js';

/** The context at the `|` in `text` (the bar is removed). */
function at(text: string): CursorContext {
  const offset = text.indexOf('|');
  assert.ok(offset >= 0);
  return cursorContext(text.slice(0, offset) + text.slice(offset + 1), offset);
}

const IN_FLOW = (line: string): string => `agent A {\n  flow main(t: str) -> str {\n    ${line}\n  }\n}\n`;

describe('cursorContext', () => {
  it('after `Agent.` is a member context naming the agent, with the typed prefix', () => {
    assert.deepEqual(at(IN_FLOW('Other.|')).at, { kind: 'member', object: 'Other' });
    const c = at(IN_FLOW('Other.re|view(t)'));
    assert.deepEqual(c.at, { kind: 'member', object: 'Other' });
    assert.equal(c.prefix, 're');
    assert.equal(c.wordEnd - c.wordStart, 'review'.length);
  });

  it('inside a call knows the callee, the argument index and the named arguments written', () => {
    const c = at(IN_FLOW('ask("q", model: "m", |'));
    assert.equal(c.at.kind, 'code');
    assert.ok(c.at.kind === 'code' && c.at.call);
    assert.equal(c.at.call.callee, 'ask');
    assert.equal(c.at.call.argIndex, 2);
    assert.equal(c.at.call.positionalIndex, 1);
    assert.deepEqual(c.at.call.namedGiven, ['model']);
    assert.equal(c.at.call.atArgumentStart, true);
  });

  it('in a named argument value and in a nested call sees the innermost call', () => {
    const v = at(IN_FLOW('ask("q", model: |'));
    assert.ok(v.at.kind === 'code' && v.at.call?.inNamedValue === 'model' && !v.at.call.atArgumentStart);
    const n = at(IN_FLOW('ask(think(|'));
    assert.ok(n.at.kind === 'code' && n.at.call?.callee === 'think');
    const f = at(IN_FLOW('Other.review(t, |'));
    assert.ok(f.at.kind === 'code' && f.at.call?.agent === 'Other' && f.at.call.callee === 'review' && f.at.call.argIndex === 1);
  });

  it('offers nothing in strings, comments, numbers, or where a new name is declared', () => {
    for (const line of ['ask("wri|', 'ask("x") // a comm|', 'ask("x") -> na|', 'let na|', 'ask(12|', 'loop (i|']) {
      assert.deepEqual(at(IN_FLOW(line)).at, { kind: 'none' }, line);
    }
    assert.deepEqual(at('agent A {\n  flow ma|').at, { kind: 'none' });
    assert.deepEqual(at('agent A {\n  flow main(to|').at, { kind: 'none' });
  });

  it('inside `{{` of a string is an interpolation with the name typed so far', () => {
    const c = at(IN_FLOW('ask("about {{ to|'));
    assert.deepEqual(c.at, { kind: 'interpolation' });
    assert.equal(c.prefix, 'to');
    assert.deepEqual(at(IN_FLOW('ask("about {{ t }} |')).at, { kind: 'none' });
  });

  it('after `name:` in a parameter list or a let is a type', () => {
    assert.deepEqual(at('agent A {\n  flow main(t: |').at, { kind: 'type' });
    assert.deepEqual(at(IN_FLOW('let x: |')).at, { kind: 'type' });
  });

  it('marks the start of a statement', () => {
    const c = at(IN_FLOW('re|'));
    assert.deepEqual(c.at, { kind: 'code', statementStart: true });
    assert.equal(c.prefix, 're');
    assert.deepEqual(at(IN_FLOW('ask("x" + |')).at.kind, 'code');
    const mid = at(IN_FLOW('ask("x" + |'));
    assert.ok(mid.at.kind === 'code' && !mid.at.statementStart);
  });

  it("gives the same context from an analysed document's tokens as from lexing the text again", () => {
    const texts = [
      IN_FLOW('ask("x" + |'),
      IN_FLOW('let r = Helper.|'),
      IN_FLOW('search(q, |'),
      IN_FLOW('"hello {{|'),
      IN_FLOW('// a comment |'),
      'agent A {\n  memory { notes: |',
      'agent A { flow main() -> str { loop x in items { |',
    ];
    for (const marked of texts) {
      const offset = marked.indexOf('|');
      const text = marked.slice(0, offset) + marked.slice(offset + 1);
      const doc = analyzeDocument(text);
      assert.equal(doc.tokens.at(-1)?.kind, 'eof');
      for (let o = 0; o <= text.length; o++)
        assert.deepEqual(cursorContext(text, o, doc.tokens), cursorContext(text, o), `${JSON.stringify(text)} at ${o}`);
    }
  });
});
