import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lexAis } from './lexer.js';
import type { Token } from './tokens.js';

const kinds = (ts: Token[]): string[] => ts.map((t) => (t.kind === 'eof' ? 'eof' : `${t.kind}:${t.text}`));

describe('AIS lexer', () => {
  it('classifies identifiers, keywords, numbers, strings and punctuation', () => {
    const { tokens, diagnostics } = lexAis('@entry flow main(x: str) -> str { ask("hi") -> r; a |> b => c == d != e <= f >= g && h || !i . j % k / l }');
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(kinds(tokens).slice(0, 16), [
      'punct:@', 'keyword:entry', 'keyword:flow', 'identifier:main', 'punct:(', 'identifier:x', 'punct::', 'identifier:str', 'punct:)',
      'punct:->', 'identifier:str', 'punct:{', 'keyword:ask', 'punct:(', 'string:"hi"', 'punct:)',
    ]);
    assert.deepEqual(tokens.filter((t) => t.kind === 'punct').map((t) => t.text).slice(10),
      ['|>', '=>', '==', '!=', '<=', '>=', '&&', '||', '!', '.', '%', '/', '}']);
    assert.equal(tokens[tokens.length - 1].kind, 'eof');
  });

  it('keywords are case-sensitive; str, result, int are identifiers', () => {
    const { tokens } = lexAis('Agent agent STM stm str result int Episodic');
    assert.deepEqual(kinds(tokens), ['identifier:Agent', 'keyword:agent', 'keyword:STM', 'identifier:stm', 'identifier:str', 'identifier:result', 'identifier:int', 'keyword:Episodic', 'eof']);
  });

  it('numbers: digits with at most one dot; the minus sign is separate', () => {
    const { tokens } = lexAis('3 1.5 1. -2 007');
    assert.deepEqual(tokens.map((t) => [t.kind, t.text, t.value]), [
      ['number', '3', 3], ['number', '1.5', 1.5], ['number', '1.', 1], ['punct', '-', undefined], ['number', '2', 2], ['number', '007', 7], ['eof', '', undefined],
    ]);
  });

  it('string escapes: \\n \\r \\t \\\\ \\" \\{ \\}, any other \\c is c', () => {
    const { tokens, diagnostics } = lexAis(String.raw`"a\nb\tc\\d\"e\{f\}g\qh"`);
    assert.deepEqual(diagnostics, []);
    assert.equal(tokens[0].value, 'a\nb\tc\\d"e{f}gqh');
    assert.equal(tokens[0].terminated, true);
    assert.equal(tokens[0].parts, undefined);
  });

  it('interpolation parts, with source ranges; {0} and escaped braces stay text', () => {
    const src = '"Hi {{ name }}! {0} \\{\\{x}}"';
    const { tokens, diagnostics } = lexAis(src);
    assert.deepEqual(diagnostics, []);
    const parts = tokens[0].parts ?? [];
    assert.deepEqual(parts.map((p) => (p.kind === 'text' ? p.value : `$${p.name}`)), ['Hi ', '$name', '! {0} {{x}}']);
    const v = parts[1];
    assert.equal(src.slice(v.range.offset, v.range.endOffset), '{{ name }}');
  });

  it('comments are skipped but positions stay right', () => {
    const { tokens } = lexAis('// header\nagent // trailing\n  A');
    assert.deepEqual(tokens.slice(0, 2).map((t) => [t.text, t.range.line, t.range.column, t.range.endColumn, t.newlineBefore]), [
      ['agent', 2, 1, 6, true], ['A', 3, 3, 4, true],
    ]);
  });

  it('ranges carry offsets and exclusive ends; CRLF is one line break; a BOM is skipped', () => {
    const src = '\ufeffagent\r\n  A';
    const { tokens } = lexAis(src);
    assert.deepEqual(tokens[0].range, { line: 1, column: 2, endLine: 1, endColumn: 7, offset: 1, endOffset: 6 });
    assert.deepEqual([tokens[1].range.line, tokens[1].range.column], [2, 3]);
  });

  it('an unterminated string is reported and lexing continues on the next line', () => {
    const { tokens, diagnostics } = lexAis('ask("open\nlet x');
    assert.deepEqual(diagnostics.map((d) => [d.code, d.range.line, d.range.column]), [['AIS_NEWLINE_IN_STRING', 1, 5]]);
    assert.equal(tokens[2].terminated, false);
    assert.equal(tokens[2].value, 'open');
    assert.deepEqual(kinds(tokens).slice(3), ['keyword:let', 'identifier:x', 'eof']);
  });

  it('unknown characters are reported (runs grouped) and skipped', () => {
    const { tokens, diagnostics } = lexAis("a # b $?~ c 'd' & e | f");
    assert.deepEqual(kinds(tokens), ['identifier:a', 'identifier:b', 'identifier:c', 'identifier:d', 'identifier:e', 'identifier:f', 'eof']);
    assert.deepEqual(diagnostics.map((d) => [d.message, d.range.column]), [
      ["Unexpected character: '#'", 3], ['Unexpected characters: "$?~" (3 characters)', 7], ["Unexpected character: '''", 13],
      ["Unexpected character: '''", 15], ["Unexpected character: '&'", 17], ["Unexpected character: '|'", 21],
    ]);
    assert.equal(diagnostics[0].hint, 'comments start with //');
  });

  it('non-ASCII letters are not identifier characters', () => {
    const { tokens, diagnostics } = lexAis('café');
    assert.deepEqual(kinds(tokens), ['identifier:caf', 'eof']);
    assert.equal(diagnostics[0].code, 'AIS_UNEXPECTED_CHARACTER');
  });

  it('interpolation errors: unterminated, empty, not a name', () => {
    const codes = (s: string): string[] => lexAis(s).diagnostics.map((d) => d.code);
    assert.deepEqual(codes('"{{ x"'), ['AIS_UNTERMINATED_INTERPOLATION']);
    assert.deepEqual(codes('"{{ }}"'), ['AIS_EMPTY_INTERPOLATION']);
    assert.deepEqual(codes('"{{ a.b }}"'), ['AIS_INVALID_INTERPOLATION']);
  });
});
