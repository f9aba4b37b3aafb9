// The apxm-dag language (the DAG listing of .json/.apxmobj programs): its package.json entry
// reaches the documents the listing lives in, and its grammar scopes real listing lines.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildDagListing } from '../../debug-adapter/dagListing.js';
import { listingPathOf, LISTING_LANGUAGE } from '../../extension/programFiles.js';
import { loadProgramFile } from '../../runtime/programFile.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
type Rule = {
  name?: string;
  match?: string;
  begin?: string;
  end?: string;
  patterns?: Rule[];
  include?: string;
  captures?: Record<string, { name: string }>;
  beginCaptures?: Record<string, { name: string }>;
};
const grammar = JSON.parse(readFileSync(path.join(root, 'extension/syntaxes/apxm-dag.tmLanguage.json'), 'utf8')) as {
  scopeName: string;
  patterns: Rule[];
  repository: Record<string, Rule>;
};
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  contributes: {
    languages: { id: string; mimetypes?: string[]; filenamePatterns?: string[]; firstLine?: string; configuration?: string }[];
    grammars: { language: string; path: string }[];
    breakpoints: { language: string }[];
    debuggers: { languages: string[] }[];
  };
};
const example = (name: string) => path.join(root, 'examples', name);

/** Scopes the top-level rules give `text` where it last occurs in `line` (the rule's own name, and captures equal to `text`). */
function scopesAt(line: string, text: string): string[] {
  const at = line.lastIndexOf(text);
  const found: string[] = [];
  for (const top of grammar.patterns) {
    const repo = grammar.repository[top.include!.slice(1)];
    // a begin/end rule is itself the rule (its patterns apply inside it); a group's patterns are the rules
    for (const r of repo.match || repo.begin ? [repo] : (repo.patterns ?? [])) {
      const re = r.match ?? r.begin;
      if (!re) continue;
      for (const m of line.matchAll(new RegExp(re, 'g'))) {
        if (m.index <= at && at < m.index + m[0].length) {
          if (r.name) found.push(r.name);
          for (const [k, c] of Object.entries(r.captures ?? r.beginCaptures ?? {})) if (m[Number(k)] === text) found.push(c.name);
        }
      }
    }
  }
  return found;
}

describe('APXM DAG listing language', () => {
  it('is contributed with its grammar, breakpoints, and as a language of the debugger', { timeout: 5_000 }, () => {
    const lang = pkg.contributes.languages.find((l) => l.id === LISTING_LANGUAGE);
    assert.ok(lang);
    // the adapter serves a sourceReference listing with this mime type: VS Code's debug: document then gets the language
    assert.ok(lang.mimetypes?.includes('text/x-apxm-dag'));
    assert.ok(pkg.contributes.grammars.some((g) => g.language === LISTING_LANGUAGE && g.path.endsWith('apxm-dag.tmLanguage.json')));
    assert.ok(
      pkg.contributes.breakpoints.some((b) => b.language === LISTING_LANGUAGE),
      'VS Code allows breakpoints only in languages that declare them',
    );
    assert.deepEqual(pkg.contributes.debuggers[0].languages, ['ais', 'json', 'apxm-dag']);
    assert.doesNotThrow(() => JSON.parse(readFileSync(path.join(root, lang.configuration!), 'utf8')));
  });

  it("the listing document's name and first line both select the language", { timeout: 10_000 }, async () => {
    const lang = pkg.contributes.languages.find((l) => l.id === LISTING_LANGUAGE)!;
    for (const name of ['trip-planner.json', 'review-board.json']) {
      const base = path.posix.basename(listingPathOf(`/w/${name}`));
      // VS Code matches a pattern without a slash against the lower-cased base name: '*' then the literal rest
      assert.ok(
        lang.filenamePatterns?.some((p) => p.startsWith('*') && base.toLowerCase().endsWith(p.slice(1).toLowerCase())),
        base,
      );
      const first = buildDagListing(await loadProgramFile(example(name))).text.split('\n')[0];
      assert.match(first, new RegExp(lang.firstLine!));
    }
    assert.ok(lang.filenamePatterns?.some((p) => p === '*.apxmobj (DAG)'));
  });

  it('its grammar is well-formed: every pattern compiles and every include resolves', { timeout: 5_000 }, () => {
    assert.equal(grammar.scopeName, 'source.apxm-dag');
    const walk = (r: Rule) => {
      for (const re of [r.match, r.begin, r.end]) if (re) assert.doesNotThrow(() => new RegExp(re), re);
      for (const p of r.patterns ?? []) {
        if (p.include) assert.ok(grammar.repository[p.include.slice(1)], p.include);
        walk(p);
      }
    };
    for (const r of Object.values(grammar.repository)) walk(r);
    for (const p of grammar.patterns) assert.ok(grammar.repository[p.include!.slice(1)], p.include);
  });

  it('scopes the parts of real listing lines', { timeout: 10_000 }, async () => {
    const lines = buildDagListing(await loadProgramFile(example('review-board.json'))).text.split('\n');
    assert.ok(scopesAt(lines[0], lines[0]).includes('comment.line.double-slash.apxm-dag'));
    const header = lines.find((l) => l.startsWith('@entry flow '))!;
    assert.deepEqual(scopesAt(header, '@entry '), ['storage.modifier.entry.apxm-dag']);
    assert.deepEqual(scopesAt(header, 'Chair.main'), ['entity.name.function.flow.apxm-dag']);
    const op = lines.find((l) => /FLOW_CALL +critique/.test(l))!;
    assert.ok(scopesAt(op, 'FLOW_CALL').includes('keyword.other.op.apxm-dag'), op);
    assert.ok(scopesAt(op, 'critique').includes('variable.other.node-name.apxm-dag'), op);
    assert.ok(scopesAt(op, 'calls').includes('keyword.control.calls.apxm-dag'), op);
    const ask = lines.find((l) => /ASK +decision/.test(l))!;
    assert.ok(scopesAt(ask, '~').includes('keyword.operator.dependency.apxm-dag'), ask);
    assert.ok(scopesAt(ask, '←').includes('keyword.operator.input.apxm-dag'), ask);
    assert.ok(scopesAt(ask, '"Decide').includes('string.quoted.double.apxm-dag'), ask);
    const trip = buildDagListing(await loadProgramFile(example('trip-planner.json'))).text.split('\n');
    const merge = trip.find((l) => /MERGE/.test(l))!;
    assert.ok(scopesAt(merge, 'strategy').includes('entity.other.attribute-name.apxm-dag'), merge);
    const params = /\((.*)\)$/.exec(trip.find((l) => l.includes('flow TripPlanner.main'))!)![1];
    const m = new RegExp(grammar.repository.parameter.match!).exec(params)!;
    assert.deepEqual([m[1], m[3]], ['city', 'str']);
  });
});
