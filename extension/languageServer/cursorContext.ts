/**
 * What is being typed at a position, read from the tokens rather than the syntax tree: while a
 * line is half written the parser drops the statement, but the tokens before the cursor still
 * tell whether it follows `Agent.`, sits in the arguments of `ask(`, names a new binding, or lies
 * in a string or a comment.
 */
import { lexAis } from '../../runtime/ais/lexer.js';
import { isName, isPunct, isWord, type Token } from '../../runtime/ais/tokens.js';

export interface CallSite {
  /** `ask` for `ask(`, `flow` for `Agent.flow(`. */
  callee: string;
  /** Set for `Agent.flow(`. */
  agent?: string;
  /** 0-based index of the argument the cursor is in (commas at depth 0 before it). */
  argIndex: number;
  /** How many positional (not `name:`) arguments come before the cursor's argument. */
  positionalIndex: number;
  /** Named arguments already written in this call. */
  namedGiven: string[];
  /** The current argument has `name:` written: the cursor is in a named argument's value. */
  inNamedValue?: string;
  /** The cursor is where an argument begins (right after `(` or `,`): a named argument can go here. */
  atArgumentStart: boolean;
}

export type CursorKind =
  /** Nothing to offer: a string, a comment, a number, or a new name being declared. */
  | { kind: 'none' }
  /** After `object.` */
  | { kind: 'member'; object: string }
  /** Inside `"... {{ na` */
  | { kind: 'interpolation' }
  /** After `name:` in a parameter list or `let x:`. */
  | { kind: 'type' }
  /** Where a value or a statement can be written. */
  | { kind: 'code'; call?: CallSite; statementStart: boolean };

export interface CursorContext {
  /** The word being typed before the cursor ('' when none). */
  prefix: string;
  /** Offsets of the whole word under the cursor (what a completion replaces). */
  wordStart: number;
  wordEnd: number;
  at: CursorKind;
}

const DECLARING_KEYWORDS = new Set(['let', 'flow', 'agent', 'capability', 'on']);
const CALL_NOT_KEYWORDS = new Set(['if', 'loop', 'switch', 'return']);

/** `tokens`: the text's tokens when the caller has them (an analysed document), else it is lexed here. */
export function cursorContext(text: string, offset: number, tokens: readonly Token[] = lexAis(text).tokens): CursorContext {
  return contextFromTokens(text, tokens.at(-1)?.kind === 'eof' ? tokens.slice(0, -1) : tokens, offset);
}

function contextFromTokens(text: string, tokens: readonly Token[], offset: number): CursorContext {
  let last = -1;
  while (last + 1 < tokens.length && tokens[last + 1].range.offset < offset) last++;
  const t = last >= 0 ? tokens[last] : undefined;
  const empty = { prefix: '', wordStart: offset, wordEnd: offset };
  if (inLineComment(text, offset)) return { ...empty, at: { kind: 'none' } };
  if (t && t.kind === 'string' && (offset < t.range.endOffset || (t.terminated === false && offset === t.range.endOffset))) {
    return { ...empty, ...interpolationWord(text, t.range.offset, offset) };
  }
  let prevIdx = last;
  let word = empty;
  if (t && isWord(t) && offset <= t.range.endOffset) {
    word = { prefix: text.slice(t.range.offset, offset), wordStart: t.range.offset, wordEnd: t.range.endOffset };
    prevIdx = last - 1;
  } else if (t && offset < t.range.endOffset) {
    return { ...empty, at: { kind: 'none' } }; // inside a number or a multi-character operator
  } else if (t && t.kind === 'number' && offset === t.range.endOffset) {
    return { ...empty, at: { kind: 'none' } };
  }
  return { ...word, at: classify(tokens, prevIdx, t && word.prefix ? t : undefined) };
}

function classify(tokens: readonly Token[], prevIdx: number, wordTok: Token | undefined): CursorKind {
  const prev = prevIdx >= 0 ? tokens[prevIdx] : undefined;
  if (!prev) return { kind: 'code', statementStart: true };
  if (isPunct(prev, '.')) {
    const obj = tokens[prevIdx - 1];
    return obj && isName(obj) ? { kind: 'member', object: obj.text } : { kind: 'none' };
  }
  if (isPunct(prev, '->')) return { kind: 'none' };
  if (prev.kind === 'keyword' && DECLARING_KEYWORDS.has(prev.text)) return { kind: 'none' };
  if (isPunct(prev, '@')) return { kind: 'none' };
  const open = enclosingOpen(tokens, prevIdx);
  if (open >= 0 && isPunct(tokens[open], '(')) {
    const before = tokens[open - 1];
    const beforeThat = tokens[open - 2];
    if (before && isName(before) && beforeThat?.kind === 'keyword' && (beforeThat.text === 'flow' || beforeThat.text === 'capability')) {
      return isPunct(prev, ':') ? { kind: 'type' } : { kind: 'none' }; // a parameter list
    }
    if (before?.kind === 'keyword' && before.text === 'loop' && open === prevIdx) return { kind: 'none' }; // the loop variable
    const call = callSite(tokens, open, prevIdx);
    if (call) return { kind: 'code', call, statementStart: false };
  }
  if (isPunct(prev, ':')) {
    const name = tokens[prevIdx - 1];
    const kw = tokens[prevIdx - 2];
    if (name && isName(name) && kw?.kind === 'keyword' && kw.text === 'let') return { kind: 'type' };
  }
  const statementStart = isPunct(prev, '{') || isPunct(prev, '}') || isPunct(prev, ';') || (wordTok ? wordTok.newlineBefore : false);
  return { kind: 'code', statementStart };
}

/** Index of the innermost bracket opened before `idx` (inclusive) and not closed by then, or -1. */
function enclosingOpen(tokens: readonly Token[], idx: number): number {
  let depth = 0;
  for (let i = idx; i >= 0; i--) {
    const t = tokens[i];
    if (t.kind !== 'punct') continue;
    if (t.text === ')' || t.text === ']' || t.text === '}') depth++;
    else if (t.text === '(' || t.text === '[' || t.text === '{') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/** The call whose `(` is at `open`, with the cursor after token `prevIdx`. */
function callSite(tokens: readonly Token[], open: number, prevIdx: number): CallSite | undefined {
  const name = tokens[open - 1];
  if (!name || !isName(name) || (name.kind === 'keyword' && CALL_NOT_KEYWORDS.has(name.text))) return undefined;
  const dot = tokens[open - 2];
  const agent = dot && isPunct(dot, '.') && tokens[open - 3] && isName(tokens[open - 3]) ? tokens[open - 3].text : undefined;
  let argIndex = 0;
  let positionalIndex = 0;
  let depth = 0;
  const namedGiven: string[] = [];
  let currentNamed: string | undefined;
  for (let i = open + 1; i <= prevIdx; i++) {
    const t = tokens[i];
    if (t.kind === 'punct') {
      if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
      else if (t.text === ')' || t.text === ']' || t.text === '}') depth--;
      else if (t.text === ',' && depth === 0) {
        argIndex++;
        if (!currentNamed) positionalIndex++;
        currentNamed = undefined;
        continue;
      }
    }
    const startsArg = i === open + 1 || isPunct(tokens[i - 1], ',');
    if (depth === 0 && startsArg && isWord(t) && tokens[i + 1] && isPunct(tokens[i + 1], ':') && i + 1 <= prevIdx) {
      namedGiven.push(t.text);
      currentNamed = t.text;
    }
  }
  const prev = tokens[prevIdx];
  return {
    callee: name.text,
    ...(agent ? { agent } : {}),
    argIndex,
    positionalIndex,
    namedGiven,
    ...(currentNamed ? { inNamedValue: currentNamed } : {}),
    atArgumentStart: isPunct(prev, '(') || isPunct(prev, ','),
  };
}

/** Inside a string: `{{ na|` offers names; anything else offers nothing. */
function interpolationWord(
  text: string,
  stringStart: number,
  offset: number,
): Pick<CursorContext, 'prefix' | 'wordStart' | 'wordEnd' | 'at'> {
  const inString = text.slice(stringStart, offset);
  const open = inString.lastIndexOf('{{');
  if (open < 0 || inString.indexOf('}}', open) >= 0 || (open > 0 && inString[open - 1] === '\\')) {
    return { prefix: '', wordStart: offset, wordEnd: offset, at: { kind: 'none' } };
  }
  const m = /[A-Za-z_][A-Za-z0-9_]*$/.exec(inString.slice(open + 2));
  const prefix = m ? m[0] : '';
  const rest = /^[A-Za-z0-9_]*/.exec(text.slice(offset))?.[0] ?? '';
  return { prefix, wordStart: offset - prefix.length, wordEnd: offset + rest.length, at: { kind: 'interpolation' } };
}

/** Whether `offset` follows a `//` on its line (outside a string). */
function inLineComment(text: string, offset: number): boolean {
  let start = offset;
  while (start > 0 && text[start - 1] !== '\n' && text[start - 1] !== '\r') start--;
  let inStr = false;
  for (let i = start; i < offset; i++) {
    const c = text[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '/' && text[i + 1] === '/' && i + 1 < offset) return true;
  }
  return false;
}
