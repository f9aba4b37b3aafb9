/**
 * The AIS lexer (spec formats.md §1.1). Never throws: a bad character or string becomes a
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

/** Escape sequences of string literals; any other `\c` yields `c`. */
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', '{': '{', '}': '}' };

/** One unescaped character of a string literal, with where it came from. */
interface StrChar { ch: string; escaped: boolean; start: number; end: number }

export class Lexer {
  private i = 0;
  private newlineBefore = true;
  private readonly tokens: Token[] = [];

  constructor(private readonly src: string, private readonly lines: LineMap, private readonly sink: DiagnosticSink) {
    if (src.charCodeAt(0) === 0xfeff) this.i = 1; // byte-order mark
  }

  run(): Token[] {
    const { src } = this;
    while (this.i < src.length) {
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
      this.sink.error('AIS_NUMBER_OUT_OF_RANGE', `Number literal out of range: ${text.length > 20 ? text.slice(0, 17) + '…' : text}`,
        this.range(start, this.i), 'numbers are doubles; write a smaller number or put it in a string');
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
    const message = cps.length === 1
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
    this.sink.error('AIS_BLOCK_COMMENT', 'AIS has no block comments (/* ... */)', this.range(start, this.i),
      'start each comment line with //');
  }

  private string(): void {
    const { src } = this;
    const start = this.i;
    this.i++; // opening quote
    const chars: StrChar[] = [];
    let terminated = false;
    for (;;) {
      if (this.i >= src.length) {
        this.sink.error('AIS_UNTERMINATED_STRING', 'Unterminated string literal: the file ends before the closing "',
          this.range(start, this.i), 'add the closing " (strings cannot span lines; join lines with +)');
        break;
      }
      const c = src.charCodeAt(this.i);
      if (c === 34) { this.i++; terminated = true; break; }
      if (isNewline(c)) {
        this.sink.error('AIS_NEWLINE_IN_STRING', 'Newline in string literal: the string is not closed on this line',
          this.range(start, this.i), 'close the string with " on the same line; for multi-line text write "line 1\\n" + "line 2"');
        break;
      }
      if (c === 92 /* \ */) {
        if (this.i + 1 >= src.length) {
          this.sink.error('AIS_UNTERMINATED_ESCAPE', 'Unterminated escape sequence in string literal',
            this.range(this.i, this.i + 1), 'remove the trailing \\ or write \\\\ for a backslash, then close the string with "');
          this.i++;
          break;
        }
        const cp = src.codePointAt(this.i + 1) ?? 0;
        const raw = String.fromCodePoint(cp);
        const end = this.i + 1 + raw.length;
        chars.push({ ch: ESCAPES[raw] ?? raw, escaped: true, start: this.i, end });
        this.i = end;
        continue;
      }
      chars.push({ ch: src[this.i], escaped: false, start: this.i, end: this.i + 1 });
      this.i++;
    }
    const value = chars.map((x) => x.ch).join('');
    const tok = this.push({ kind: 'string', text: src.slice(start, this.i), value, terminated }, start);
    const parts = this.interpolation(chars, start + 1);
    if (parts) tok.parts = parts;
  }

  /** Splits `{{ name }}` references out of a string's unescaped characters; undefined if there are none. */
  private interpolation(chars: StrChar[], contentStart: number): StringPart[] | undefined {
    const open = (j: number): boolean => chars[j]?.ch === '{' && !chars[j].escaped && chars[j + 1]?.ch === '{' && !chars[j + 1].escaped;
    const close = (j: number): boolean => chars[j]?.ch === '}' && !chars[j].escaped && chars[j + 1]?.ch === '}' && !chars[j + 1].escaped;
    const parts: StringPart[] = [];
    let text: StrChar[] = [];
    let found = false;
    const flushText = (): void => {
      if (text.length) parts.push({ kind: 'text', value: text.map((x) => x.ch).join(''), range: this.range(text[0].start, text[text.length - 1].end) });
      text = [];
    };
    let j = 0;
    while (j < chars.length) {
      if (!open(j)) { text.push(chars[j++]); continue; }
      let k = j + 2;
      while (k < chars.length && !close(k)) k++;
      const from = chars[j].start;
      if (k >= chars.length) {
        const end = chars.length ? chars[chars.length - 1].end : contentStart;
        this.sink.error('AIS_UNTERMINATED_INTERPOLATION', 'Unterminated interpolation: missing }}', this.range(from, end),
          'close it with }}, or write \\{\\{ for literal braces');
        for (let m = j; m < chars.length; m++) text.push(chars[m]); // no spread: the rest may be huge
        break;
      }
      const range = this.range(from, chars[k + 1].end);
      const name = chars.slice(j + 2, k).map((x) => x.ch).join('').trim();
      if (name === '') {
        this.sink.error('AIS_EMPTY_INTERPOLATION', 'Empty interpolation {{}}', range, 'put a variable name inside: {{ name }}');
      } else if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        this.sink.error('AIS_INVALID_INTERPOLATION', `only a variable name can be interpolated, found {{ ${name} }}`, range,
          'bind the value to a name first (let x = ...) and write {{ x }}, or join with +');
      } else {
        flushText();
        parts.push({ kind: 'var', name, range });
        found = true;
      }
      j = k + 2;
    }
    flushText();
    return found ? parts : undefined;
  }
}

function showChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0)) return `'\\u${cp.toString(16).padStart(4, '0')}'`;
  if (cp >= 0xd800 && cp <= 0xdfff) return `'\\u${cp.toString(16)}'`;
  return `'${ch}'`;
}
