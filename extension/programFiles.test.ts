import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PROGRAM_SNIFF_CHARS, listingPathOf, programKind, programPathOf } from './programFiles.js';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');
const isProgram = (file: string, text?: string) => programKind(file, text).program;
const reason = (file: string, text?: string) => {
  const k = programKind(file, text);
  assert.equal(k.program, false, `${file} should not be a program`);
  return (k as { reason: string }).reason;
};

describe('program files', () => {
  it('every example .json is a program by its content', { timeout: 10_000 }, () => {
    for (const name of ['trip-planner.json', 'review-board.json', 'support-router.json', 'notes-memory.json']) {
      assert.ok(isProgram(name, readFileSync(path.join(EXAMPLES, name), 'utf8')), name);
    }
  });

  it('.ais, .apxmobj and *.apxm.json are programs by their name', { timeout: 5_000 }, () => {
    assert.ok(isProgram('/w/a.ais'));
    assert.ok(isProgram('/w/A.APXMOBJ'));
    assert.ok(isProgram('/w/plan.apxm.json', 'not even json'));
    assert.match(reason('/w/notes.md'), /notes\.md is not an APXM program/);
  });

  it('one graph (nodes) and a bundle (flows), whatever the key order, spacing or escapes', { timeout: 5_000 }, () => {
    assert.ok(isProgram('g.json', '{"name":"A.main","nodes":[],"edges":[]}'));
    assert.ok(isProgram('g.json', '{\n  "metadata": {"nodes": 3, "x": "}]", "y": [{"flows": 1}]},\n  "flows" :\n [ ]}'));
    assert.ok(isProgram('g.json', '{"description": "a \\"quoted\\" } brace", "n": -1.5e3, "ok": true, "no": null, "\\u006eodes": ['));
  });

  it('a byte-order mark is skipped', { timeout: 5_000 }, () => {
    assert.ok(isProgram('bom.json', '\ufeff{"nodes": [{"id": 1}]}'));
  });

  it('only top-level members count: nested "nodes" does not make a program', { timeout: 5_000 }, () => {
    assert.match(reason('package.json', '{"name": "x", "scripts": {"nodes": []}, "flows": "not an array"}'), /no "nodes" or "flows"/);
    assert.match(
      reason('tsconfig.json', '{"compilerOptions": {"strict": true}}'),
      /^tsconfig\.json is not an APXM program: it has no "nodes" or "flows" member/,
    );
  });

  it('arrays, scalars, empty files and invalid JSON are not programs, each said so', { timeout: 5_000 }, () => {
    assert.match(reason('list.json', '[{"nodes": []}]'), /JSON array/);
    assert.match(reason('n.json', '42'), /not hold a JSON object/);
    assert.match(reason('e.json', '   \n'), /empty/);
    assert.match(reason('bad.json', '{"a" 1, "nodes": []}'), /not valid JSON/);
    assert.match(reason('bad.json', '{"a": 1 "nodes": []}'), /not valid JSON/);
    assert.match(reason('cut.json', '{"name": "unterminated'), /no "nodes" or "flows"/);
  });

  it('a syntax error after the "nodes" member still leaves a program (the loader reports it with its line)', { timeout: 5_000 }, () => {
    assert.ok(isProgram('broken.json', '{"name": "A.main", "nodes": [{"id": 1,,}'));
  });

  it('looks at the first PROGRAM_SNIFF_CHARS characters only', { timeout: 10_000 }, () => {
    const filler = `"pad": "${'x'.repeat(PROGRAM_SNIFF_CHARS)}", `;
    assert.equal(isProgram('big.json', `{${filler}"nodes": []}`), false);
    // a 50 MB program whose nodes come first costs no more than a small one
    const big = `{"nodes": [${'{"id": 1}, '.repeat(5_000_000)}{"id": 2}], "edges": []}`;
    assert.ok(isProgram('big.json', big));
  });

  it('maps a program to its listing document and back', { timeout: 5_000 }, () => {
    assert.equal(listingPathOf('/w/trip-planner.json'), '/w/trip-planner.json (DAG)');
    assert.equal(programPathOf('/w/trip-planner.json (DAG)'), '/w/trip-planner.json');
    assert.equal(programPathOf('/w/hello.apxmobj (DAG)'), '/w/hello.apxmobj');
    assert.equal(programPathOf('/w/trip.ais (DAG)'), undefined);
    assert.equal(programPathOf('/w/trip-planner.json'), undefined);
  });
});
