/** AIS tokens. */
import type { AisRange } from './positions.js';

export type TokenKind = 'identifier' | 'keyword' | 'string' | 'number' | 'punct' | 'eof';

/** A piece of an interpolated string: literal text, or a `{{ name }}` variable reference. */
export type StringPart = { kind: 'text'; value: string; range: AisRange } | { kind: 'var'; name: string; range: AisRange };

export interface Token {
  kind: TokenKind;
  /** Exact source spelling (for strings: with the quotes; for EOF: ''). */
  text: string;
  /** Strings: the unescaped text. Numbers: the numeric value. */
  value?: string | number;
  range: AisRange;
  /** A line break lies between the previous token and this one (or this is the first token). */
  newlineBefore: boolean;
  /** Strings only: the closing quote was found. */
  terminated?: boolean;
  /** Strings only, when they contain `{{ name }}`: the pieces in order. */
  parts?: StringPart[];
}

/** Every reserved word, exact and case-sensitive. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  // BDI
  'agent',
  'beliefs',
  'context',
  'from',
  'goals',
  'on',
  'plans',
  'when',
  'with',
  // structure
  'capability',
  'discoverable',
  'flow',
  'memory',
  'tools',
  // control
  'case',
  'catch',
  'default',
  'else',
  'if',
  'in',
  'let',
  'loop',
  'parallel',
  'return',
  'switch',
  'try',
  // operations
  'ask',
  'exec',
  'llm',
  'merge',
  'mem',
  'plan',
  'print',
  'reason',
  'reflect',
  'talk',
  'think',
  'tool',
  'verify',
  'wait',
  // literals and types
  'bool',
  'false',
  'json',
  'null',
  'number',
  'string',
  'true',
  // memory tiers
  'Episodic',
  'LTM',
  'STM',
  // type words
  'goal',
  'handle',
  'response',
  'token',
  'void',
  // annotation
  'entry',
]);

/**
 * Keywords with a structural role: never a name. Every other keyword is "soft" and is accepted
 * wherever a name is expected, because the project's own examples bind `-> plan` and take a
 * parameter `goal` (upstream rejects both).
 */
export const HARD_KEYWORDS: ReadonlySet<string> = new Set([
  'agent',
  'beliefs',
  'context',
  'from',
  'goals',
  'on',
  'capability',
  'discoverable',
  'flow',
  'memory',
  'tools',
  'case',
  'catch',
  'default',
  'else',
  'if',
  'in',
  'let',
  'loop',
  'parallel',
  'return',
  'switch',
  'try',
  'true',
  'false',
  'null',
]);

/** Keywords that begin a statement (besides expressions). */
export const STATEMENT_KEYWORDS: ReadonlySet<string> = new Set(['let', 'return', 'if', 'parallel', 'loop', 'try', 'switch']);

/** Keywords that begin an agent item. */
export const AGENT_ITEM_KEYWORDS: ReadonlySet<string> = new Set([
  'tools',
  'discoverable',
  'context',
  'memory',
  'beliefs',
  'goals',
  'capability',
  'flow',
  'on',
]);

/** Type words accepted where a type is expected, besides identifiers. */
export const TYPE_KEYWORDS: ReadonlySet<string> = new Set([
  'string',
  'number',
  'bool',
  'json',
  'goal',
  'handle',
  'response',
  'void',
  'token',
]);

/** Punctuation, longest first so the lexer can match greedily. */
export const PUNCTUATION: readonly string[] = [
  '->',
  '=>',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '|>',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ',',
  ':',
  ';',
  '+',
  '*',
  '%',
  '.',
  '@',
  '-',
  '/',
  '=',
  '!',
  '<',
  '>',
];

export function isPunct(t: Token, p: string): boolean {
  return t.kind === 'punct' && t.text === p;
}

export function isKeyword(t: Token, k: string): boolean {
  return t.kind === 'keyword' && t.text === k;
}

/** An identifier, or a soft keyword used as one. */
export function isName(t: Token): boolean {
  return t.kind === 'identifier' || (t.kind === 'keyword' && !HARD_KEYWORDS.has(t.text));
}

/** Any word: identifier or keyword (named-argument keys, member names). */
export function isWord(t: Token): boolean {
  return t.kind === 'identifier' || t.kind === 'keyword';
}

/** How messages name a token: `';'`, `keyword 'flow'`, `string "abc"`, `end of file`. */
export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of file';
    case 'punct':
      return `'${t.text}'`;
    case 'keyword':
      return `keyword '${t.text}'`;
    case 'identifier':
      return `'${t.text}'`;
    case 'number':
      return `number ${t.text}`;
    case 'string': {
      const s = t.text.length > 24 ? t.text.slice(0, 21) + '…' : t.text;
      return `string ${s}`;
    }
  }
}
