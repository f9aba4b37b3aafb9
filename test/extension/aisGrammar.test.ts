// The TextMate grammar and language configuration for .ais files: well-formed, and their
// patterns scope what they claim to on real AIS lines.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readGrammar, rulesOf, scopesAt } from '../support/tmGrammar.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const grammar = readGrammar(path.join(root, 'extension/syntaxes/ais.tmLanguage.json'));

describe('AIS TextMate grammar', () => {
  it('is well-formed: every pattern compiles and every include resolves', () => {
    assert.equal(grammar.scopeName, 'source.ais');
    for (const r of rulesOf(grammar)) for (const re of [r.match, r.begin, r.end]) if (re) assert.doesNotThrow(() => new RegExp(re), re);
    for (const p of grammar.patterns) assert.ok(grammar.repository[p.include!.slice(1)], p.include);
  });

  it('scopes operations, flow calls, bindings, keywords, strings and comments', () => {
    const line = '    ask("Where to stay in " + city) -> stay // comment';
    assert.ok(scopesAt(grammar, line, 'ask').includes('support.function.operation.ais'));
    assert.ok(scopesAt(grammar, line, 'stay').includes('variable.other.definition.ais'));
    assert.ok(scopesAt(grammar, line, '// comment').includes('comment.line.double-slash.ais'));
    assert.ok(scopesAt(grammar, 'Skeptic.review(draft) -> r', 'review').includes('entity.name.function.flow.ais'));
    assert.ok(scopesAt(grammar, '@entry flow main(topic: str) -> str {', 'main').includes('entity.name.function.flow.ais'));
    assert.ok(scopesAt(grammar, '@entry flow main(topic: str) -> str {', 'entry').includes('storage.modifier.entry.ais'));
    assert.ok(scopesAt(grammar, '        switch kind {', 'switch').includes('keyword.control.ais'));
    assert.ok(scopesAt(grammar, '    memory { seen: STM }', 'STM').includes('support.constant.memory-tier.ais'));
  });

  it('the language configuration closes brackets and quotes and knows // comments', () => {
    const conf = JSON.parse(readFileSync(path.join(root, 'extension/language-configuration.json'), 'utf8')) as {
      comments: { lineComment: string };
      autoClosingPairs: { open: string }[];
    };
    assert.equal(conf.comments.lineComment, '//');
    assert.deepEqual(conf.autoClosingPairs.map((p) => p.open).sort(), ['"', '(', '[', '{']);
  });
});
