import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { compileAis } from './compileAis.js';
import { lexAis } from './lexer.js';
import { parseAis } from './parser.js';
import type { Token } from './tokens.js';

const kinds = (ts: Token[]): string[] => ts.map((t) => (t.kind === 'eof' ? 'eof' : `${t.kind}:${t.text}`));

describe('AIS lexer', () => {
  it('classifies identifiers, keywords, numbers, strings and punctuation', () => {
    const { tokens, diagnostics } = lexAis(
      '@entry flow main(x: str) -> str { ask("hi") -> r; a |> b => c == d != e <= f >= g && h || !i . j % k / l }',
    );
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(kinds(tokens).slice(0, 16), [
      'punct:@',
      'keyword:entry',
      'keyword:flow',
      'identifier:main',
      'punct:(',
      'identifier:x',
      'punct::',
      'identifier:str',
      'punct:)',
      'punct:->',
      'identifier:str',
      'punct:{',
      'keyword:ask',
      'punct:(',
      'string:"hi"',
      'punct:)',
    ]);
    assert.deepEqual(
      tokens
        .filter((t) => t.kind === 'punct')
        .map((t) => t.text)
        .slice(10),
      ['|>', '=>', '==', '!=', '<=', '>=', '&&', '||', '!', '.', '%', '/', '}'],
    );
    assert.equal(tokens[tokens.length - 1].kind, 'eof');
  });

  it('keywords are case-sensitive; str, result, int are identifiers', () => {
    const { tokens } = lexAis('Agent agent STM stm str result int Episodic');
    assert.deepEqual(kinds(tokens), [
      'identifier:Agent',
      'keyword:agent',
      'keyword:STM',
      'identifier:stm',
      'identifier:str',
      'identifier:result',
      'identifier:int',
      'keyword:Episodic',
      'eof',
    ]);
  });

  it('numbers: digits with at most one dot; the minus sign is separate', () => {
    const { tokens } = lexAis('3 1.5 1. -2 007');
    assert.deepEqual(
      tokens.map((t) => [t.kind, t.text, t.value]),
      [
        ['number', '3', 3],
        ['number', '1.5', 1.5],
        ['number', '1.', 1],
        ['punct', '-', undefined],
        ['number', '2', 2],
        ['number', '007', 7],
        ['eof', '', undefined],
      ],
    );
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
    assert.deepEqual(
      parts.map((p) => (p.kind === 'text' ? p.value : `$${p.name}`)),
      ['Hi ', '$name', '! {0} {{x}}'],
    );
    const v = parts[1];
    assert.equal(src.slice(v.range.offset, v.range.endOffset), '{{ name }}');
  });

  it('comments are skipped but positions stay right', () => {
    const { tokens } = lexAis('// header\nagent // trailing\n  A');
    assert.deepEqual(
      tokens.slice(0, 2).map((t) => [t.text, t.range.line, t.range.column, t.range.endColumn, t.newlineBefore]),
      [
        ['agent', 2, 1, 6, true],
        ['A', 3, 3, 4, true],
      ],
    );
  });

  it('ranges carry offsets and exclusive ends; CRLF is one line break; a BOM is skipped', () => {
    const src = '\ufeffagent\r\n  A';
    const { tokens } = lexAis(src);
    assert.deepEqual(tokens[0].range, { line: 1, column: 2, endLine: 1, endColumn: 7, offset: 1, endOffset: 6 });
    assert.deepEqual([tokens[1].range.line, tokens[1].range.column], [2, 3]);
  });

  it('an unterminated string is reported and lexing continues on the next line', () => {
    const { tokens, diagnostics } = lexAis('ask("open\nlet x');
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.range.line, d.range.column]),
      [['AIS_NEWLINE_IN_STRING', 1, 5]],
    );
    assert.equal(tokens[2].terminated, false);
    assert.equal(tokens[2].value, 'open');
    assert.deepEqual(kinds(tokens).slice(3), ['keyword:let', 'identifier:x', 'eof']);
  });

  it('unknown characters are reported (runs grouped) and skipped', () => {
    const { tokens, diagnostics } = lexAis("a # b $?~ c 'd' & e | f");
    assert.deepEqual(kinds(tokens), [
      'identifier:a',
      'identifier:b',
      'identifier:c',
      'identifier:d',
      'identifier:e',
      'identifier:f',
      'eof',
    ]);
    assert.deepEqual(
      diagnostics.map((d) => [d.message, d.range.column]),
      [
        ["Unexpected character: '#'", 3],
        ['Unexpected characters: "$?~" (3 characters)', 7],
        ["Unexpected character: '''", 13],
        ["Unexpected character: '''", 15],
        ["Unexpected character: '&'", 17],
        ["Unexpected character: '|'", 21],
      ],
    );
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

describe('AIS lexer on huge inputs', () => {
  // The string scanner used to keep one object per character: ~100 bytes per byte of literal
  // (40 MB took 4.5 GB). A child with a 256 MB heap compiles a 16 MB literal only if memory is linear.
  it('a 16 MB literal compiles in a process whose heap is capped at 256 MB', { timeout: 30_000 }, () => {
    const script = `
      const { compileAis } = await import(${JSON.stringify(new URL('./compileAis.js', import.meta.url).href)});
      const literal = ('y'.repeat(1021) + '\\\\t').repeat(16 * 1024) + '{{ name }}';
      const r = compileAis('agent A {\\n @entry flow main(name: str) -> str {\\n let t = "' + literal + '"\\n return t\\n }\\n}\\n', 'big.ais');
      process.stdout.write(r.program ? 'compiled' : r.diagnostics.map((d) => d.message).join('; '));`;
    const child = spawnSync(process.execPath, ['--max-old-space-size=256', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 25_000,
    });
    assert.equal(child.status, 0, child.stderr.slice(-500));
    assert.equal(child.stdout, 'compiled');
  });

  it('a 16 MB literal with escapes and an interpolation lexes and compiles to the same text', { timeout: 20_000 }, () => {
    const block = 'y'.repeat(1021) + '\\t\\"';
    const literal = block.repeat(16 * 1024) + '{{ name }}!';
    const src = `agent A {\n  @entry flow main(name: str) -> str {\n    let t = "${literal}"\n    return t\n  }\n}\n`;
    const { tokens, diagnostics } = lexAis(src);
    assert.deepEqual(diagnostics, []);
    const str = tokens.find((t) => t.kind === 'string');
    const parts = str?.parts ?? [];
    assert.equal(parts.length, 3);
    assert.equal(parts[0].kind === 'text' && parts[0].value, ('y'.repeat(1021) + '\t"').repeat(16 * 1024));
    assert.equal(parts[1].kind === 'var' && parts[1].name, 'name');
    assert.equal(src.slice(parts[1].range.offset, parts[1].range.endOffset), '{{ name }}');
    const r = compileAis(src, 'big.ais');
    assert.equal(r.program !== undefined, true, r.diagnostics.map((d) => d.message).join('\n'));
    const values = r
      .program!.entry.nodes.map((n) => n.attributes.value)
      .filter((v): v is string => typeof v === 'string' && v.length > 1000);
    assert.equal(values.length, 1);
    assert.ok(values[0].endsWith('\t"{{name}}!'));
    assert.equal(values[0].length, 1023 * 16 * 1024 + '{{name}}!'.length);
  });

  it('escapes and interpolations in a long literal decode like in a short one', () => {
    const piece = String.raw`a\{\{b}} {{ x }} \n\\ {0} \u`;
    const { tokens, diagnostics } = lexAis(`"${piece.repeat(5000)}"`);
    assert.deepEqual(diagnostics, []);
    const parts = tokens[0].parts ?? [];
    assert.equal(parts.filter((p) => p.kind === 'var').length, 5000);
    assert.equal(parts[0].kind === 'text' && parts[0].value, 'a{{b}} ');
    assert.equal(parts[2].kind === 'text' && parts[2].value, ' \n\\ {0} ua{{b}} ');
  });

  it('past a million tokens the lexer stops with one AIS_TOO_LARGE diagnostic', { timeout: 20_000 }, () => {
    const { diagnostics } = parseAis('x '.repeat(1_100_000));
    assert.deepEqual(
      diagnostics.map((d) => d.code),
      ['AIS_TOO_LARGE'],
    );
    assert.match(diagnostics[0].message, /more than 1,000,000 tokens/);
    assert.equal(diagnostics[0].range.line, 1);
  });
});
