/**
 * The AIS lexer. Never throws: a bad character or string becomes a
 * diagnostic and lexing continues, so the parser still sees the rest of the file.
 */
import { DiagnosticSink, type AisDiagnostic } from './diagnostics.js';
import { LineMap, type AisRange } from './positions.js';
import { KEYWORDS, PUNCTUATION, type StringPart, type Token } from './tokens.js';

export interface LexResult {
  tokens: Token[];
  diagnostics: AisDiagnostic[];
  lines: LineMap;
}

export function lexAis(source: string, file?: string): LexResult {
  const sink = new DiagnosticSink(file);
  const lines = new LineMap(source);
  const tokens = new Lexer(source, lines, sink).run();
  return { tokens, diagnostics: sink.sorted(), lines };
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isAlnum = (c: number): boolean => isAlpha(c) || isDigit(c);
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
const isNewline = (c: number): boolean => c === 10 || c === 13;
/** Characters that can start a token or whitespace; anything else is "unexpected". */
const startsSomething = (s: string, i: number): boolean => {
  const c = s.charCodeAt(i);
  if (isSpace(c) || isAlnum(c) || c === 34 /* " */) return true;
  if (c === 38 /* & */) return s.charCodeAt(i + 1) === 38;
  if (c === 124 /* | */) return s.charCodeAt(i + 1) === 124 || s.charCodeAt(i + 1) === 62;
  return '{}()[],:;+*%.@-/=!<>'.includes(s[i]);
};

/**
 * Past this many tokens the lexer stops with AIS_TOO_LARGE. A hand-written program has thousands;
 * each token and its syntax node hold a few hundred bytes, so a million keeps a file of
 * punctuation within about half a gigabyte instead of running out of memory.
 */
export const MAX_TOKENS = 1_000_000;

export class Lexer {
  /** The source had more than MAX_TOKENS tokens; the tokens end there. */
  truncated = false;
  private i = 0;
  private newlineBefore = true;
  private readonly tokens: Token[] = [];

  constructor(
    private readonly src: string,
    private readonly lines: LineMap,
    private readonly sink: DiagnosticSink,
  ) {
    if (src.charCodeAt(0) === 0xfeff) this.i = 1; // byte-order mark
  }

  run(): Token[] {
    const { src } = this;
    while (this.i < src.length) {
      if (this.tokens.length >= MAX_TOKENS) {
        this.truncated = true;
        const at = this.range(this.i, this.i);
        this.sink.error(
          'AIS_TOO_LARGE',
          `the file has more than ${MAX_TOKENS.toLocaleString('en-US')} tokens (words, numbers, strings, symbols); reading stopped at line ${at.line}`,
          at,
          'split the program into smaller files; a generated source this large is better written as ApxmGraph JSON',
        );
        break;
      }
      const c = src.charCodeAt(this.i);
      if (isSpace(c)) {
        if (isNewline(c)) this.newlineBefore = true;
        this.i++;
      } else if (c === 47 /* / */ && src.charCodeAt(this.i + 1) === 47) {
        while (this.i < src.length && !isNewline(src.charCodeAt(this.i))) this.i++;
      } else if (c === 47 && src.charCodeAt(this.i + 1) === 42 /* * */) {
        this.blockComment();
      } else if (isAlpha(c)) {
        this.word();
      } else if (isDigit(c)) {
        this.number();
      } else if (c === 34 /* " */) {
        this.string();
      } else if (!this.punct()) {
        this.unexpected();
      }
    }
    this.tokens.push({ kind: 'eof', text: '', range: this.range(src.length, src.length), newlineBefore: true });
    return this.tokens;
  }

  private range(a: number, b: number): AisRange {
    return this.lines.range(a, b);
  }

  private push(t: Omit<Token, 'range' | 'newlineBefore'>, start: number): Token {
    // Built field by field (not spread): one object shape for every token keeps lexing fast.
    const tok: Token = { kind: t.kind, text: t.text, value: t.value, range: this.range(start, this.i), newlineBefore: this.newlineBefore };
    if (t.terminated !== undefined) tok.terminated = t.terminated;
    this.newlineBefore = false;
    this.tokens.push(tok);
    return tok;
  }

  private word(): void {
    const start = this.i;
    while (this.i < this.src.length && isAlnum(this.src.charCodeAt(this.i))) this.i++;
    const text = this.src.slice(start, this.i);
    this.push({ kind: KEYWORDS.has(text) ? 'keyword' : 'identifier', text }, start);
  }

  /** Digits with at most one `.` (`3`, `1.5`, `1.`). A leading `-` is the parser's business. */
  private number(): void {
    const { src } = this;
    const start = this.i;
    while (this.i < src.length && isDigit(src.charCodeAt(this.i))) this.i++;
    if (src.charCodeAt(this.i) === 46 /* . */) {
      this.i++;
      while (this.i < src.length && isDigit(src.charCodeAt(this.i))) this.i++;
    }
    const text = src.slice(start, this.i);
    let value = Number(text);
    if (!Number.isFinite(value)) {
      this.sink.error(
        'AIS_NUMBER_OUT_OF_RANGE',
        `Number literal out of range: ${text.length > 20 ? text.slice(0, 17) + '…' : text}`,
        this.range(start, this.i),
        'numbers are doubles; write a smaller number or put it in a string',
      );
      value = 0;
    }
    this.push({ kind: 'number', text, value }, start);
  }

  private punct(): boolean {
    for (const p of PUNCTUATION) {
      if (this.src.startsWith(p, this.i)) {
        const start = this.i;
        this.i += p.length;
        this.push({ kind: 'punct', text: p }, start);
        return true;
      }
    }
    return false;
  }

  /** A run of characters that start nothing becomes one diagnostic. */
  private unexpected(): void {
    const { src } = this;
    const start = this.i;
    do {
      const cp = src.codePointAt(this.i) ?? 0;
      this.i += cp > 0xffff ? 2 : 1;
    } while (this.i < src.length && !startsSomething(src, this.i) && this.i - start < 4096);
    const text = src.slice(start, this.i);
    const first = text[0];
    let hint = 'remove it';
    if (first === '#') hint = 'comments start with //';
    else if (first === "'") hint = 'strings use double quotes: "text"';
    else if (first === '&') hint = "use '&&' for logical and";
    else if (first === '|') hint = "use '||' for logical or, or '|>' to pipe a value into a call";
    else if (first === '?') hint = "AIS has no '?' operator; use if (...) { ... } else { ... }";
    const cps = [...text];
    const message =
      cps.length === 1
        ? `Unexpected character: ${showChar(cps[0])}`
        : `Unexpected characters: ${JSON.stringify(cps.slice(0, 12).join(''))}${cps.length > 12 ? '…' : ''} (${cps.length} characters)`;
    this.sink.error('AIS_UNEXPECTED_CHARACTER', message, this.range(start, this.i), hint);
  }

  private blockComment(): void {
    const { src } = this;
    const start = this.i;
    const close = src.indexOf('*/', this.i + 2);
    this.i = close < 0 ? src.length : close + 2;
    if (/[\r\n]/.test(src.slice(start, this.i))) this.newlineBefore = true;
    this.sink.error(
      'AIS_BLOCK_COMMENT',
      'AIS has no block comments (/* ... */)',
      this.range(start, this.i),
      'start each comment line with //',
    );
  }

  /**
   * A string literal. One pass finds its end; the value is the source slices between escapes,
   * joined once: no per-character objects, so a literal of tens of megabytes costs its own size.
   */
  private string(): void {
    const { src } = this;
    const start = this.i;
    this.i++; // opening quote
    let terminated = false;
    let hasOpen = false;
    let lastBackslash = -1;
    let contentEnd: number;
    for (;;) {
      if (this.i >= src.length) {
        contentEnd = this.i;
        this.sink.error(
          'AIS_UNTERMINATED_STRING',
          'Unterminated string literal: the file ends before the closing "',
          this.range(start, this.i),
          'add the closing " (strings cannot span lines; join lines with +)',
        );
        break;
      }
      const c = src.charCodeAt(this.i);
      if (c === 34) {
        contentEnd = this.i;
        this.i++;
        terminated = true;
        break;
      }
      if (isNewline(c)) {
        contentEnd = this.i;
        this.sink.error(
          'AIS_NEWLINE_IN_STRING',
          'Newline in string literal: the string is not closed on this line',
          this.range(start, this.i),
          'close the string with " on the same line; for multi-line text write "line 1\\n" + "line 2"',
        );
        break;
      }
      if (c === 92 /* \ */) {
        if (this.i + 1 >= src.length) {
          contentEnd = this.i;
          this.sink.error(
            'AIS_UNTERMINATED_ESCAPE',
            'Unterminated escape sequence in string literal',
            this.range(this.i, this.i + 1),
            'remove the trailing \\ or write \\\\ for a backslash, then close the string with "',
          );
          this.i++;
          break;
        }
        lastBackslash = this.i;
        this.i = escapeEnd(src, this.i);
        continue;
      }
      if (c === 123 /* { */ && src.charCodeAt(this.i + 1) === 123) hasOpen = true;
      this.i++;
    }
    const value = unescape(src, start + 1, contentEnd, lastBackslash);
    const tok = this.push({ kind: 'string', text: src.slice(start, this.i), value, terminated }, start);
    const parts = hasOpen ? this.interpolation(start + 1, contentEnd, lastBackslash) : undefined;
    if (parts) tok.parts = parts;
  }

  /**
   * Splits `{{ name }}` references out of the string content `[from, to)`; undefined if there are
   * none. Braces written as escapes (`\{`) never open or close one. Each character is visited
   * once: a `{{` without `}}` ends the search, and after a `}}` the search goes on past it.
   */
  private interpolation(from: number, to: number, lastBackslash: number): StringPart[] | undefined {
    const { src } = this;
    const pairAt = (j: number, code: number): boolean => j + 1 < to && src.charCodeAt(j) === code && src.charCodeAt(j + 1) === code;
    const parts: StringPart[] = [];
    let found = false;
    let textStart = from;
    const flushText = (end: number): void => {
      if (end > textStart)
        parts.push({ kind: 'text', value: unescape(src, textStart, end, lastBackslash), range: this.range(textStart, end) });
    };
    let j = from;
    while (j < to) {
      if (!pairAt(j, 123 /* { */)) {
        j = src.charCodeAt(j) === 92 ? Math.min(escapeEnd(src, j), to) : j + 1;
        continue;
      }
      let k = j + 2;
      while (k < to && !pairAt(k, 125 /* } */)) k = src.charCodeAt(k) === 92 ? Math.min(escapeEnd(src, k), to) : k + 1;
      if (k >= to) {
        this.sink.error(
          'AIS_UNTERMINATED_INTERPOLATION',
          'Unterminated interpolation: missing }}',
          this.range(j, to),
          'close it with }}, or write \\{\\{ for literal braces',
        );
        break;
      }
      const range = this.range(j, k + 2);
      const name = unescape(src, j + 2, k, lastBackslash).trim();
      if (name === '') {
        this.sink.error('AIS_EMPTY_INTERPOLATION', 'Empty interpolation {{}}', range, 'put a variable name inside: {{ name }}');
      } else if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        const shown = name.length > 40 ? name.slice(0, 37) + '…' : name;
        this.sink.error(
          'AIS_INVALID_INTERPOLATION',
          `only a variable name can be interpolated, found {{ ${shown} }}`,
          range,
          'bind the value to a name first (let x = ...) and write {{ x }}, or join with +',
        );
      } else {
        flushText(j);
        parts.push({ kind: 'var', name, range });
        textStart = k + 2;
        found = true;
      }
      j = k + 2;
    }
    flushText(to);
    return found ? parts : undefined;
  }
}

/** Where the escape sequence starting with the backslash at `i` ends (the escaped character may be a surrogate pair). */
function escapeEnd(src: string, i: number): number {
  const cp = src.codePointAt(i + 1) ?? 0;
  return i + 1 + (cp > 0xffff ? 2 : 1);
}

/** Escapes `\n`, `\r`, `\t`; any other `\c` is `c` (`\\`, `\"`, `\{`, `\}`...). */
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t' };

/**
 * The unescaped text of string content `[from, to)` whose last backslash is at `lastBackslash`
 * (-1: none). Runs between escapes are copied by slice and joined 4 K pieces at a time, so time
 * and memory stay proportional to the content; knowing the last backslash keeps each search for
 * the next one inside the literal (searching to the end of the file for every piece of a literal
 * with many interpolations was quadratic).
 */
function unescape(src: string, from: number, to: number, lastBackslash: number): string {
  let bs = from <= lastBackslash ? src.indexOf('\\', from) : -1;
  if (bs < 0 || bs >= to) return src.slice(from, to);
  const chunks: string[] = [];
  let pieces: string[] = [];
  let i = from;
  while (bs >= 0 && bs < to) {
    pieces.push(src.slice(i, bs));
    if (bs + 1 >= to) {
      i = to;
      break;
    } // a trailing lone backslash (the file ended)
    const end = escapeEnd(src, bs);
    const raw = src.slice(bs + 1, end);
    pieces.push(ESCAPES[raw] ?? raw);
    i = end;
    bs = i <= lastBackslash ? src.indexOf('\\', i) : -1;
    if (pieces.length >= 4096) {
      chunks.push(pieces.join(''));
      pieces = [];
    }
  }
  if (i < to) pieces.push(src.slice(i, to));
  chunks.push(pieces.join(''));
  return chunks.join('');
}

function showChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0)) return `'\\u${cp.toString(16).padStart(4, '0')}'`;
  if (cp >= 0xd800 && cp <= 0xdfff) return `'\\u${cp.toString(16)}'`;
  return `'${ch}'`;
}
