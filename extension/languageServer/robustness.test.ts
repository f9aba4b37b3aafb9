// Every feature is a pure function of (document, offset) that must answer for any text at any
// offset: half-typed lines, binary garbage and mutated programs included.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { DocumentSymbol, Range } from 'vscode-languageserver';
import { analyzeDocument } from './analyzedDocument.js';
import { bodiesOf, forEachExpressionInBody } from './astWalk.js';
import { completionsAt } from './completion.js';
import { documentSymbols } from './documentSymbols.js';
import { foldingRanges } from './foldingRanges.js';
import { hoverAt } from './hover.js';
import { toLspDiagnostics } from './lspDiagnostics.js';
import { definitionAt, referencesAt } from './navigation.js';
import { resolutions, resolveName } from './scope.js';
import { signatureHelpAt } from './signatureHelp.js';

const examplesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');
const fixtures = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.ais'))
  .map((f) => readFileSync(path.join(examplesDir, f), 'utf8'));

const before = (a: Range['start'], b: Range['start']): boolean => a.line < b.line || (a.line === b.line && a.character <= b.character);
const within = (inner: Range, outer: Range): boolean => before(outer.start, inner.start) && before(inner.end, outer.end);

function checkSymbols(list: DocumentSymbol[]): void {
  for (const s of list) {
    assert.ok(s.name.length > 0);
    assert.ok(within(s.selectionRange, s.range), `${s.name}: selection outside range`);
    checkSymbols(s.children ?? []);
  }
}

/** Runs every feature on `text` at `offsets`; throws only on a bug. */
function exercise(text: string, offsets: number[]): void {
  const doc = analyzeDocument(text, '/tmp/x.ais');
  toLspDiagnostics(doc.diagnostics, 'file:///tmp/x.ais');
  checkSymbols(documentSymbols(doc));
  for (const r of foldingRanges(doc)) assert.ok(r.endLine > r.startLine && r.startLine >= 0);
  for (const agent of doc.ast.agents) {
    for (const body of bodiesOf(agent)) {
      forEachExpressionInBody(body, (e) => {
        if (e.kind === 'Var')
          assert.equal(resolutions(body).get(e)?.nameRange.offset, resolveName(body, e.name, e.range.offset)?.nameRange.offset, e.name);
      });
    }
  }
  for (const o of offsets) {
    const offset = Math.min(o, text.length);
    completionsAt(doc, offset);
    hoverAt(doc, offset);
    definitionAt(doc, offset);
    referencesAt(doc, offset, true);
    signatureHelpAt(doc, offset);
  }
}

describe('language features: robustness', () => {
  it('answer on random strings (500 runs)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.array(fc.nat({ max: 300 }), { maxLength: 6 }), (s, offsets) => {
        exercise(s, offsets);
      }),
      { numRuns: 500 },
    );
  });

  it('answer on random mutations of the example programs (1,000 runs)', () => {
    const edit = fc.record({
      at: fc.nat(),
      len: fc.nat({ max: 12 }),
      insert: fc.constantFrom('', '(', ')', '{', '}', '.', ',', '->', '"', '{{', 'ask(', 'x', '\n', 'loop (', 'if ('),
      op: fc.constantFrom('delete', 'insert', 'replace'),
    });
    fc.assert(
      fc.property(
        fc.nat({ max: fixtures.length - 1 }),
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        (i, edits, offsets) => {
          let s = fixtures[i];
          for (const e of edits) {
            const at = e.at % (s.length + 1);
            if (e.op === 'delete') s = s.slice(0, at) + s.slice(at + e.len);
            else if (e.op === 'insert') s = s.slice(0, at) + e.insert + s.slice(at);
            else s = s.slice(0, at) + e.insert + s.slice(at + e.len);
          }
          exercise(
            s,
            offsets.map((o) => o % (s.length + 1)),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('answer at the end of every prefix of the examples (typing them in)', () => {
    for (const ex of fixtures) for (let n = 0; n <= ex.length; n += 5) exercise(ex.slice(0, n), [n]);
  });

  it('send every resolved variable to a declaration of that name, the same by either scope path', () => {
    for (const ex of fixtures) {
      const doc = analyzeDocument(ex);
      for (const agent of doc.ast.agents) {
        for (const body of bodiesOf(agent)) {
          forEachExpressionInBody(body, (e) => {
            if (e.kind !== 'Var') return;
            for (const r of definitionAt(doc, e.range.offset + 1)) assert.equal(ex.slice(r.offset, r.endOffset), e.name);
            const one = resolutions(body).get(e);
            const other = resolveName(body, e.name, e.range.offset);
            assert.equal(one?.nameRange.offset, other?.nameRange.offset, `${e.name}: one walk and per-position scope disagree`);
          });
        }
      }
    }
  });
});
