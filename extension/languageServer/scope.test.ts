import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeDocument, type AnalyzedDocument } from './analyzedDocument.js';
import { bodiesOf, enclosingBody, forEachExpressionInBody } from './astWalk.js';
import { bindingsInScope, declarationsOf, declaredBindings, resolutions, resolveName, usesOf } from './scope.js';

const SOURCE = `agent A {
    flow main(topic: str, n: int) -> str {
        ask("a " + topic) -> first
        if (first) {
            ask("inside if") -> branchOnly
            ask("uses " + branchOnly) -> alsoBranch
        }
        loop (item in first) {
            think(item) -> each
        }
        parallel {
            ask("p") -> par
        }
        ask("rebind " + first) -> first
        switch first {
            case "x" => ask("case") -> armOnly
            default => print("d")
        } -> picked
        return first // END
    }
    on Message.received { text: str } => ask(text)
}
`;

const doc: AnalyzedDocument = analyzeDocument(SOURCE);

function scopeAt(marker: string, delta = 0): string[] {
  const offset = SOURCE.indexOf(marker) + delta;
  assert.ok(offset >= delta, marker);
  const { body } = enclosingBody(doc.ast, offset);
  assert.ok(body, `no body at ${marker}`);
  return [...bindingsInScope(body, offset).keys()].sort();
}

describe('bindingsInScope', () => {
  it('the source parses cleanly', () => {
    assert.deepEqual(
      doc.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
  });

  it('sees the parameters and the bindings of earlier statements only', () => {
    assert.deepEqual(scopeAt('ask("a '), ['n', 'topic']);
    assert.deepEqual(scopeAt('if (first)'), ['first', 'n', 'topic']);
  });

  it('sees earlier bindings of the enclosing block inside it, and loses them after it', () => {
    assert.deepEqual(scopeAt('ask("uses'), ['branchOnly', 'first', 'n', 'topic']);
    assert.deepEqual(scopeAt('loop (item'), ['first', 'n', 'topic']);
  });

  it("binds the loop variable inside the loop body only, and hides the body's bindings after it", () => {
    assert.deepEqual(scopeAt('think(item)'), ['first', 'item', 'n', 'topic']);
    assert.deepEqual(scopeAt('parallel {'), ['first', 'n', 'topic']);
    assert.deepEqual(scopeAt('ask("p")'), ['first', 'n', 'topic']);
  });

  it("sees a parallel block's bindings and a switch result afterwards, not a name bound in one switch arm", () => {
    assert.deepEqual(scopeAt('return first'), ['first', 'n', 'par', 'picked', 'topic']);
  });

  it('keeps a name bound in every arm of an if as a merge of those bindings', () => {
    const src = `agent A {\n  flow f(c: bool) -> str {\n    if (c) { ask("a") -> m } else { ask("b") -> m }\n    try { ask("t") -> only } catch { return "x" }\n    return m + only\n  }\n}\n`;
    const d = analyzeDocument(src);
    const body = d.ast.agents[0].flows[0];
    const m = resolveName(body, 'm', src.indexOf('return m'));
    assert.equal(m?.kind, 'merge');
    assert.deepEqual(
      declarationsOf(m).map((b) => src.slice(b.nameRange.offset - 3, b.nameRange.endOffset)),
      ['-> m', '-> m'],
    );
    assert.equal(resolveName(body, 'only', src.indexOf('return m'))?.kind, 'let', 'the catch arm returns, so the try arm alone goes on');
    const first = declaredBindings(body).find((b) => b.name === 'm')!;
    assert.equal(usesOf(body, first).length, 1);
  });

  it('resolves a use to the latest binding before it; a let does not see its own name in its value', () => {
    const body = enclosingBody(doc.ast, SOURCE.indexOf('return first')).body!;
    const rebind = SOURCE.indexOf('-> first', SOURCE.indexOf('rebind')) + 3;
    assert.equal(resolveName(body, 'first', SOURCE.indexOf('return first') + 7)?.nameRange.offset, rebind);
    const inRebind = SOURCE.indexOf('+ first)', SOURCE.indexOf('rebind')) + 2;
    assert.equal(resolveName(body, 'first', inRebind)?.nameRange.offset, SOURCE.indexOf('-> first') + 3);
  });

  it('lists every declaration and the uses of each binding separately', () => {
    const body = doc.ast.agents[0].flows[0];
    const decls = declaredBindings(body).map((b) => `${b.kind}:${b.name}`);
    assert.deepEqual(decls, [
      'parameter:topic',
      'parameter:n',
      'let:first',
      'let:branchOnly',
      'let:alsoBranch',
      'loop:item',
      'let:each',
      'let:par',
      'let:first',
      'switch:picked',
      'let:armOnly',
    ]);
    const firstFirst = declaredBindings(body)[2];
    assert.equal(usesOf(body, firstFirst).length, 3); // if (first), loop (item in first), "rebind " + first
  });

  it('resolves every variable in one walk exactly as the per-position scope does', () => {
    const body = doc.ast.agents[0].flows[0];
    const all = resolutions(body);
    let count = 0;
    for (const agent of doc.ast.agents) {
      for (const b of bodiesOf(agent)) {
        forEachExpressionInBody(b, (e) => {
          if (e.kind !== 'Var') return;
          count++;
          const one = resolutions(b).get(e);
          const other = resolveName(b, e.name, e.range.offset);
          assert.deepEqual(
            one && declarationsOf(one).map((d) => d.nameRange.offset),
            other && declarationsOf(other).map((d) => d.nameRange.offset),
            e.name,
          );
        });
      }
    }
    assert.ok(count >= 8 && all.size > 0, String(count));
  });

  it('scopes `on` handler fields to the handler', () => {
    assert.deepEqual(scopeAt('ask(text)', 4), ['text']);
  });
});
