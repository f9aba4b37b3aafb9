// The TextMate grammar and language configuration for .ais files: well-formed, and their
// patterns scope what they claim to on real AIS lines.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
type Rule = {
  name?: string;
  match?: string;
  begin?: string;
  end?: string;
  patterns?: Rule[];
  include?: string;
  captures?: Record<string, { name: string }>;
};
const grammar = JSON.parse(readFileSync(path.join(root, 'extension/syntaxes/ais.tmLanguage.json'), 'utf8')) as {
  scopeName: string;
  patterns: Rule[];
  repository: Record<string, Rule>;
};

function rules(): Rule[] {
  const out: Rule[] = [];
  const walk = (r: Rule) => {
    out.push(r);
    for (const p of r.patterns ?? []) walk(p);
  };
  for (const r of Object.values(grammar.repository)) walk(r);
  return out;
}

/** Scopes the grammar gives the last `text` in `line` (first rule in top-level order whose match covers it). */
function scopesAt(line: string, text: string): string[] {
  const at = line.lastIndexOf(text);
  const found: string[] = [];
  for (const top of grammar.patterns) {
    const repo = grammar.repository[top.include!.slice(1)];
    for (const r of repo.patterns ?? [repo]) {
      if (!r.match) continue;
      for (const m of line.matchAll(new RegExp(r.match, 'gm'))) {
        const start = m.index;
        if (start <= at && at < start + m[0].length) {
          if (r.name) found.push(r.name);
          for (const [k, c] of Object.entries(r.captures ?? {})) if (m[Number(k)] === text) found.push(c.name);
        }
      }
    }
  }
  return found;
}

describe('AIS TextMate grammar', () => {
  it('is well-formed: every pattern compiles and every include resolves', () => {
    assert.equal(grammar.scopeName, 'source.ais');
    for (const r of rules()) for (const re of [r.match, r.begin, r.end]) if (re) assert.doesNotThrow(() => new RegExp(re), re);
    for (const p of grammar.patterns) assert.ok(grammar.repository[p.include!.slice(1)], p.include);
  });

  it('scopes operations, flow calls, bindings, keywords, strings and comments', () => {
    const line = '    ask("Where to stay in " + city) -> stay // comment';
    assert.ok(scopesAt(line, 'ask').includes('support.function.operation.ais'));
    assert.ok(scopesAt(line, 'stay').includes('variable.other.definition.ais'));
    assert.ok(scopesAt(line, '// comment').includes('comment.line.double-slash.ais'));
    assert.ok(scopesAt('Skeptic.review(draft) -> r', 'review').includes('entity.name.function.flow.ais'));
    assert.ok(scopesAt('@entry flow main(topic: str) -> str {', 'main').includes('entity.name.function.flow.ais'));
    assert.ok(scopesAt('@entry flow main(topic: str) -> str {', 'entry').includes('storage.modifier.entry.ais'));
    assert.ok(scopesAt('        switch kind {', 'switch').includes('keyword.control.ais'));
    assert.ok(scopesAt('    memory { seen: STM }', 'STM').includes('support.constant.memory-tier.ais'));
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
