/**
 * Parser state shared by the declaration, statement and expression parsers: the token cursor,
 * error reporting, and the recovery moves (skip to a closer, synchronise, depth limit).
 *
 * Recovery model: a construct that cannot continue calls `bail()`, which reports and throws
 * `Bail`; the nearest statement/item/top-level loop catches it and synchronises. A missing closer
 * is reported and either skipped to (when it follows on the same line) or assumed (insertion).
 * A second "found X" error at the same token is suppressed, so one mistake gives one message.
 */
import type { Expression } from './ast.js';
import type { DiagnosticSink, AisDiagnosticCode } from './diagnostics.js';
import { endOf, formatPosition, span, type AisRange } from './positions.js';
import { describeToken, isKeyword, isName, isPunct, STATEMENT_KEYWORDS, type Token } from './tokens.js';

/**
 * Thrown to abandon the current statement or item; caught by the enclosing list. Not an Error:
 * no stack trace is captured, so recovering from thousands of mistakes stays cheap.
 */
export class Bail {
  static readonly instance = new Bail();
}

/** Syntactic nesting (blocks, parentheses, brackets, calls) beyond this is refused. */
export const MAX_NESTING = 200;
/** An expression tree taller than this is replaced by an Error node, so later passes can recurse safely. */
export const MAX_EXPRESSION_HEIGHT = 1000;

/** Keywords that begin or continue a construct: never inside an expression. */
const CONSTRUCT_KEYWORDS: ReadonlySet<string> = new Set([...STATEMENT_KEYWORDS, 'flow', 'agent', 'case', 'default', 'catch', 'else']);

/** Tokens that can never appear inside an expression or a bracketed list: a list ends there. */
export function endsList(t: Token): boolean {
  if (t.kind === 'eof') return true;
  if (t.kind === 'punct') return t.text === ';' || t.text === '{' || t.text === '}' || t.text === '->' || t.text === '=>' || t.text === '@';
  return t.kind === 'keyword' && CONSTRUCT_KEYWORDS.has(t.text);
}

export class Cursor {
  pos = 0;
  depth = 0;
  private lastErrorOffset = -1;
  private steps = 0;
  private readonly stepBudget: number;
  private readonly heights = new WeakMap<object, number>();
  /** One "too deep" diagnostic per outermost construct. */
  private nestingReported = false;

  constructor(
    readonly tokens: Token[],
    readonly sink: DiagnosticSink,
  ) {
    this.stepBudget = tokens.length * 64 + 10_000;
  }

  get cur(): Token {
    return this.tokens[this.pos];
  }

  peek(k = 1): Token {
    return this.tokens[Math.min(this.pos + k, this.tokens.length - 1)];
  }

  /** The last consumed token (the first token if none). */
  get prev(): Token {
    return this.tokens[Math.max(0, this.pos - 1)];
  }

  get atEof(): boolean {
    return this.cur.kind === 'eof';
  }

  advance(): Token {
    const t = this.cur;
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  at(p: string): boolean {
    return isPunct(this.cur, p);
  }

  atKw(k: string): boolean {
    return isKeyword(this.cur, k);
  }

  eat(p: string): Token | undefined {
    return this.at(p) ? this.advance() : undefined;
  }

  /** From the start of `start` to the end of the last consumed token. */
  rangeFrom(start: AisRange): AisRange {
    const end = this.pos > 0 ? this.prev.range : start;
    return end.endOffset >= start.offset ? span(start, end) : start;
  }

  /** Called once per iteration of every token loop: a runaway loop becomes an internal error, not a hang. */
  tick(): void {
    if (++this.steps > this.stepBudget) throw new Error('parser step budget exceeded');
  }

  /** Reports at the current token ("expected X, found Y"); suppressed if this token already has one. */
  errorHere(
    code: AisDiagnosticCode,
    message: string,
    hint?: string,
    related?: { message: string; range: AisRange }[],
    range?: AisRange,
  ): void {
    const t = this.cur;
    if (t.range.offset === this.lastErrorOffset) return;
    this.lastErrorOffset = t.range.offset;
    this.sink.error(code, message, range ?? t.range, hint, related);
  }

  /** Reports at a given range (semantic problems: reserved names, duplicate @entry...). */
  errorAt(code: AisDiagnosticCode, message: string, range: AisRange, hint?: string): void {
    this.sink.error(code, message, range, hint);
  }

  /**
   * The name at the cursor, consumed; or undefined (reported, nothing consumed). A reserved
   * keyword is reported but taken as the name, unless it begins a construct or a new line.
   */
  name(what: string, hint: string): Token | undefined {
    const t = this.cur;
    if (isName(t)) return this.advance();
    const n = this.peek();
    const takeable = !(CONSTRUCT_KEYWORDS.has(t.text) || t.text === 'in') || isPunct(n, '=') || isPunct(n, ':');
    if (t.kind === 'keyword' && !t.newlineBefore && takeable) {
      this.errorAt(
        'AIS_RESERVED_KEYWORD',
        `'${t.text}' is a reserved keyword and cannot be used as an identifier`,
        t.range,
        `choose another name, e.g. '${t.text}_value'`,
      );
      return this.advance();
    }
    this.errorHere('AIS_EXPECTED_NAME', `expected ${what}, found ${this.found()}`, hint);
    return undefined;
  }

  expectName(what: string, hint: string): Token {
    const t = this.name(what, hint);
    if (!t) throw Bail.instance;
    return t;
  }

  /** A type name (free text: any identifier or type word), or bail. */
  typeName(what: string): Token {
    if (isName(this.cur)) return this.advance();
    return this.bail(
      'AIS_EXPECTED_TYPE',
      `expected a type ${what}, found ${this.found()}`,
      'a type is a name such as str, number, bool or json',
    );
  }

  found(): string {
    return describeToken(this.cur);
  }

  bail(code: AisDiagnosticCode, message: string, hint?: string): never {
    this.errorHere(code, message, hint);
    throw Bail.instance;
  }

  /** Consumes punctuation `p` or bails with "expected 'p' <what>, found X". */
  expect(p: string, what: string, hint?: string): Token {
    const t = this.eat(p);
    if (t) return t;
    return this.bail('AIS_EXPECTED_TOKEN', `expected '${p}' ${what}, found ${this.found()}`, hint);
  }

  /**
   * Consumes the closer of `open`. If it is missing: reports, then skips to it when it follows on
   * the same line (garbage before it), else assumes it was forgotten and consumes nothing.
   */
  close(closer: string, open: Token, what: string): boolean {
    if (this.eat(closer)) return true;
    // When the next token is on a later line, point where the closer belongs instead.
    const afterPrev = this.cur.newlineBefore && this.pos > 0;
    this.errorHere(
      'AIS_UNCLOSED',
      `expected '${closer}' to close ${what} started at ${formatPosition(open.range)}, found ${this.found()}`,
      `add '${closer}' ${afterPrev ? `after ${describeToken(this.prev)}` : this.cur.kind === 'eof' ? 'at the end' : `before ${this.found()}`}` +
        ((closer === ')' || closer === ']') && ['string', 'number', 'identifier'].includes(this.cur.kind)
          ? `, or a ',' if ${this.found()} is one more item`
          : ''),
      [{ message: `'${open.text}' opened here`, range: open.range }],
      afterPrev ? endOf(this.prev.range) : undefined,
    );
    const at = this.findOnLine(closer);
    if (at >= 0) {
      this.pos = at + 1;
      return true;
    }
    return false;
  }

  /**
   * Index of `closer` ahead at bracket depth 0, if it comes before the line ends or the list
   * cannot continue; -1 otherwise. Bounded look-ahead.
   */
  findOnLine(closer: string): number {
    let depth = 0;
    for (let i = this.pos, n = 0; i < this.tokens.length && n < 256; i++, n++) {
      const t = this.tokens[i];
      if (i > this.pos && t.newlineBefore) return -1;
      if (t.kind === 'punct') {
        if (depth === 0 && t.text === closer) return i;
        if (t.text === '(' || t.text === '[') depth++;
        else if (t.text === ')' || t.text === ']') {
          if (depth === 0) return -1;
          depth--;
        }
      }
      if (endsList(t)) return -1;
    }
    return -1;
  }

  /** Skips a balanced `{ ... }` starting at the current `{` (to EOF if unbalanced). */
  skipBraces(): void {
    let depth = 0;
    while (!this.atEof) {
      this.tick();
      const t = this.advance();
      if (isPunct(t, '{')) depth++;
      else if (isPunct(t, '}') && --depth <= 0) return;
    }
  }

  /**
   * Depth guard for recursive constructs. When too deep: reports, skips the rest of the nested
   * construct (up to the closer that ends the enclosing one) and returns false.
   */
  enter(): boolean {
    if (this.depth < MAX_NESTING) {
      this.depth++;
      return true;
    }
    if (!this.nestingReported)
      this.errorHere(
        'AIS_NESTING_TOO_DEEP',
        `nesting too deep: more than ${MAX_NESTING} levels of blocks, parentheses or brackets`,
        'split the expression with let bindings, or move inner blocks into separate flows',
      );
    this.nestingReported = true;
    let depth = 0;
    while (!this.atEof) {
      this.tick();
      const t = this.cur;
      if (t.kind === 'punct') {
        if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
        else if (t.text === ')' || t.text === ']' || t.text === '}') {
          if (depth === 0) break;
          depth--;
        }
      }
      this.advance();
    }
    return false;
  }

  leave(): void {
    if (--this.depth === 0) this.nestingReported = false;
  }

  /** Registers a new expression node; one that would make the tree too tall becomes an Error node. */
  node(n: Expression, ...children: Expression[]): Expression {
    let h = 1;
    for (const k of children) h = Math.max(h, (this.heights.get(k) ?? 1) + 1);
    if (h <= MAX_EXPRESSION_HEIGHT) {
      if (h > 1) this.heights.set(n, h);
      return n;
    }
    if (!this.nestingReported) {
      this.nestingReported = true;
      this.sink.error(
        'AIS_NESTING_TOO_DEEP',
        `expression too deeply nested: more than ${MAX_EXPRESSION_HEIGHT} operators or operations inside one another`,
        n.range,
        'split it into several statements with let bindings',
      );
    }
    return { kind: 'Error', range: n.range };
  }

  /** After a bail inside a statement: skip to where the next statement can start. */
  syncStatement(startPos: number): void {
    while (!this.atEof) {
      this.tick();
      const t = this.cur;
      if (isPunct(t, ';')) {
        this.advance();
        return;
      }
      if (isPunct(t, '}') || isPunct(t, '@')) return;
      if (t.kind === 'keyword' && (STATEMENT_KEYWORDS.has(t.text) || ['case', 'default', 'flow', 'agent'].includes(t.text))) return;
      // A name at the start of a line followed by a call, binding or member access: a new statement.
      if (this.pos > startPos && t.newlineBefore && isName(t)) {
        const n = this.peek();
        if (isPunct(n, '(') || isPunct(n, '.') || isPunct(n, '->') || isPunct(n, '=')) return;
      }
      if (isPunct(t, '{')) this.skipBraces();
      else this.advance();
    }
  }
}
