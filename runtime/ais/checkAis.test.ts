/**
 * Compile-time diagnostics. The corpus in test/fixtures/ais-invalid/ holds one file per problem;
 * each states what it must produce (`// expect: line:col severity CODE message`), and nothing
 * else may be an error.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { analyzeAis, compileAis } from './compileAis.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CORPUS = path.join(ROOT, 'test/fixtures/ais-invalid');
const EXAMPLES = path.join(ROOT, 'examples');

interface Expectation {
  line: number;
  column: number;
  severity: string;
  code: string;
  text: string;
}

function expectations(source: string): Expectation[] {
  return [...source.matchAll(/^\/\/ expect: (\d+):(\d+) (error|warning) (AIS_[A-Z_]+) ?(.*)$/gm)].map((m) => ({
    line: Number(m[1]),
    column: Number(m[2]),
    severity: m[3],
    code: m[4],
    text: m[5].trim(),
  }));
}

describe('AIS checker: the invalid-program corpus', () => {
  const files = readdirSync(CORPUS)
    .filter((f) => f.endsWith('.ais'))
    .sort();
  it('covers every compile-time error the issue names', () => {
    const codes = new Set(files.flatMap((f) => expectations(readFileSync(path.join(CORPUS, f), 'utf8')).map((e) => e.code)));
    for (const c of [
      'AIS_UNDEFINED_VARIABLE',
      'AIS_UNKNOWN_CALL',
      'AIS_UNKNOWN_FLOW',
      'AIS_INVALID_TIER',
      'AIS_EMPTY_PROMPT',
      'AIS_EMPTY_SWITCH',
      'AIS_TYPE_MISMATCH',
      'AIS_UNUSED_BINDING',
      'AIS_UNUSED_RESULT',
      'AIS_UNREACHABLE',
      'AIS_DUPLICATE_AGENT',
      'AIS_DUPLICATE_FLOW',
      'AIS_NO_ENTRY',
      'AIS_MULTIPLE_ENTRY',
      'AIS_EXPECTED_AGENT',
      'AIS_UNCLOSED',
    ]) {
      assert.ok(codes.has(c), `the corpus has a case for ${c}`);
    }
  });

  for (const f of files) {
    it(f, () => {
      const source = readFileSync(path.join(CORPUS, f), 'utf8');
      const want = expectations(source);
      assert.ok(want.length > 0, 'the file states its expectations');
      const r = compileAis(source, f);
      for (const w of want) {
        const hit = r.diagnostics.find(
          (d) => d.range.line === w.line && d.range.column === w.column && d.code === w.code && d.severity === w.severity,
        );
        assert.ok(
          hit,
          `expected ${w.line}:${w.column} ${w.code}; got\n${r.diagnostics.map((d) => `${d.range.line}:${d.range.column} ${d.code} ${d.message}`).join('\n')}`,
        );
        assert.ok(hit.message.includes(w.text), `"${hit.message}" says "${w.text}"`);
        assert.equal(hit.file, f);
        if (hit.severity === 'error') assert.ok(hit.hint, `${w.code} tells how to fix it`);
      }
      const unexpected = r.diagnostics.filter(
        (d) => d.severity === 'error' && !want.some((w) => w.line === d.range.line && w.column === d.range.column && w.code === d.code),
      );
      assert.deepEqual(
        unexpected.map((d) => `${d.range.line}:${d.range.column} ${d.code}`),
        [],
        'no other error',
      );
      if (want.some((w) => w.severity === 'error')) assert.equal(r.program, undefined, 'nothing is lowered from a program with errors');
    });
  }
});

describe('AIS checker: hints and options', () => {
  it('a misspelt binding gets "did you mean"; a branch-only binding says where it lives', () => {
    const a = analyzeAis('agent A { @entry flow main(t: str) -> str { ask(t) -> summary\n return summarry } }');
    assert.match(a.diagnostics.find((d) => d.code === 'AIS_UNDEFINED_VARIABLE')?.hint ?? '', /did you mean 'summary'/);
    const b = analyzeAis('agent A { @entry flow main(t: str) -> str { if (t) { ask(t) -> x } \n return x } }');
    assert.match(b.diagnostics.find((d) => d.code === 'AIS_UNDEFINED_VARIABLE')?.hint ?? '', /bound only inside the if/);
  });

  it('names bound in every arm are visible after an if, try or switch', () => {
    const src = `agent A { @entry flow main(t: str) -> str {
      if (t == "x") { ask("a") -> v } else { ask("b") -> v }
      try { inv("tool", "{}") -> w } catch { ask("fallback") -> w }
      switch t { case "a" => ask("1") -> u  default => ask("2") -> u }
      return v + w + u } }`;
    const r = analyzeAis(src, 'x.ais', { capabilities: ['tool'] });
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
  });

  it('host capabilities make an unknown call an error with the known names', () => {
    const r = analyzeAis('agent A { @entry flow main() -> str { fetch_page("x") -> p\n return p } }', 'x.ais', {
      capabilities: ['fetch_pages', 'search'],
    });
    const d = r.diagnostics.find((x) => x.code === 'AIS_UNKNOWN_CALL');
    assert.equal(d?.severity, 'error');
    assert.match(d?.hint ?? '', /did you mean 'fetch_pages'/);
    assert.deepEqual(
      analyzeAis('agent A { @entry flow main() -> str { search("x") -> p\n return p } }', 'x.ais', { capabilities: ['search'] })
        .diagnostics,
      [],
    );
  });

  it('named arguments are checked against the operation', () => {
    const r = analyzeAis('agent A { @entry flow main() -> str { ask("x", temprature: 0.2) -> a\n return a } }');
    const d = r.diagnostics.find((x) => x.code === 'AIS_UNKNOWN_ARGUMENT');
    assert.match(d?.hint ?? '', /did you mean 'temperature'/);
  });

  it('inputs the fuzz target found: huge names, an endless interpolation, an empty flow', () => {
    const long = 'a'.repeat(30_000);
    const r = compileAis(`agent A { @entry flow main(${long}: str) -> str { return ${long.slice(1)}b } }`, 'x.ais');
    assert.deepEqual(
      r.diagnostics.map((d) => d.code),
      ['AIS_UNDEFINED_VARIABLE'],
    );
    const open = compileAis(`agent A { @entry flow main() -> str { return "{{ ${'a'.repeat(130_000)}" } }`, 'x.ais');
    assert.ok(open.diagnostics.some((d) => d.code === 'AIS_UNTERMINATED_INTERPOLATION'));
    assert.ok(!open.diagnostics.some((d) => d.code === 'AIS_INTERNAL'));
    const empty = compileAis('agent A {\n @entry flow main() {\n }\n}', 'x.ais');
    assert.deepEqual(empty.diagnostics, []);
    assert.deepEqual(
      empty.program?.entry.nodes.map((n) => n.op),
      ['RETURN'],
    );
  });

  it('every prefix of every example gives diagnostics, never an exception', () => {
    for (const f of readdirSync(EXAMPLES).filter((x) => x.endsWith('.ais'))) {
      const text = readFileSync(path.join(EXAMPLES, f), 'utf8');
      for (let i = 0; i <= text.length; i += 7) {
        const r = compileAis(text.slice(0, i), f);
        assert.ok(Array.isArray(r.diagnostics));
        if (r.program === undefined)
          assert.ok(
            r.diagnostics.some((d) => d.severity === 'error'),
            `${f}[0..${i}] failed without an error`,
          );
      }
    }
  });
});

describe('AIS checker: names', () => {
  it('refuses a capability name with a control or bidirectional character where it is written', { timeout: 5_000 }, () => {
    const src = 'agent A {\n  @entry flow main() -> str {\n    inv("search\u001b[2J", "{}") -> r\n    return r\n  }\n}\n';
    const r = compileAis(src, 'names.ais');
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(
      errors.map((d) => [d.code, d.range.line, d.range.column]),
      [['AIS_INVALID_NAME', 3, 9]],
    );
    assert.equal(errors[0].message, 'capability name "search\\x1b[2J" contains the control character U+001B (at index 6)');
    assert.equal(r.program, undefined);
  });
});

describe('AIS diagnostics speak the language of the source', () => {
  it('no message or hint of the invalid corpus uses compiler words (lowering, canonical graph, IR, SSA)', { timeout: 10_000 }, () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith('.ais'));
    const jargon = /lower(ing|ed)|canonical|\bIR\b|\bSSA\b/i;
    for (const f of files) {
      for (const d of analyzeAis(readFileSync(path.join(CORPUS, f), 'utf8'), f).diagnostics) {
        assert.doesNotMatch(`${d.message} ${d.hint ?? ''}`, jargon, `${f}: ${d.code} ${d.message}`);
      }
    }
  });
});
