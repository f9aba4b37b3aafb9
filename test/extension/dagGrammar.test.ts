// The apxm-dag language (the DAG listing of .json/.apxmobj programs): its package.json entry
// reaches the documents the listing lives in, and its grammar scopes real listing lines.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readGrammar, scopesAt, type Rule } from '../support/tmGrammar.js';
import { buildDagListing } from '../../debug-adapter/dagListing.js';
import { listingPathOf, LISTING_LANGUAGE } from '../../extension/programFiles.js';
import { loadProgramFile } from '../../runtime/programFile.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const grammar = readGrammar(path.join(root, 'extension/syntaxes/apxm-dag.tmLanguage.json'));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  contributes: {
    languages: { id: string; mimetypes?: string[]; filenamePatterns?: string[]; firstLine?: string; configuration?: string }[];
    grammars: { language: string; path: string }[];
    breakpoints: { language: string }[];
    debuggers: { languages: string[] }[];
  };
};
const example = (name: string) => path.join(root, 'examples', name);

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
    assert.ok(scopesAt(grammar, lines[0], lines[0]).includes('comment.line.double-slash.apxm-dag'));
    const header = lines.find((l) => l.startsWith('@entry flow '))!;
    assert.deepEqual(scopesAt(grammar, header, '@entry '), ['storage.modifier.entry.apxm-dag']);
    assert.deepEqual(scopesAt(grammar, header, 'Chair.main'), ['entity.name.function.flow.apxm-dag']);
    const op = lines.find((l) => /FLOW_CALL +critique/.test(l))!;
    assert.ok(scopesAt(grammar, op, 'FLOW_CALL').includes('keyword.other.op.apxm-dag'), op);
    assert.ok(scopesAt(grammar, op, 'critique').includes('variable.other.node-name.apxm-dag'), op);
    assert.ok(scopesAt(grammar, op, 'calls').includes('keyword.control.calls.apxm-dag'), op);
    const ask = lines.find((l) => /ASK +decision/.test(l))!;
    assert.ok(scopesAt(grammar, ask, '~').includes('keyword.operator.dependency.apxm-dag'), ask);
    assert.ok(scopesAt(grammar, ask, '←').includes('keyword.operator.input.apxm-dag'), ask);
    assert.ok(scopesAt(grammar, ask, '"Decide').includes('string.quoted.double.apxm-dag'), ask);
    const trip = buildDagListing(await loadProgramFile(example('trip-planner.json'))).text.split('\n');
    const merge = trip.find((l) => /MERGE/.test(l))!;
    assert.ok(scopesAt(grammar, merge, 'strategy').includes('entity.other.attribute-name.apxm-dag'), merge);
    const params = /\((.*)\)$/.exec(trip.find((l) => l.includes('flow TripPlanner.main'))!)![1];
    const m = new RegExp(grammar.repository.parameter.match!).exec(params)!;
    assert.deepEqual([m[1], m[3]], ['city', 'str']);
  });
});
