/**
 * Seeds, a seeded PRNG and the input generators of the loader fuzz target (bench/fuzzLoaders.ts).
 *
 * Every case is a pure function of (run seed, loader, case index): `generateCase` builds it from a
 * PRNG seeded with exactly those three numbers, so any case (a crash, or one a watchdog had to
 * kill) can be regenerated on its own, in another thread or another process.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { blake3 } from '@noble/hashes/blake3.js';
import { KEYWORDS, PUNCTUATION } from '../runtime/ais/tokens.js';
import {
  ARTIFACT_DEPENDENCY_ORDER,
  ARTIFACT_OP_ORDER,
  type ArtifactPayload,
  type WireDag,
  type WireNode,
  type WireValue,
} from '../runtime/artifact/artifactModel.js';
import { PROGRAM_SECTION_KIND } from '../runtime/artifact/programSection.js';
import { ARTIFACT_MAGIC, ARTIFACT_VERSION, HEADER_SIZE, decodeArtifact } from '../runtime/artifact/readArtifact.js';
import { encodeArtifact, programToArtifactModel } from '../runtime/artifact/writeArtifact.js';
import { loadProgramFromJsonText } from '../runtime/graph/loadGraphJson.js';
import { OP_NAMES } from '../runtime/graph/opCatalogue.js';

export type LoaderName = 'ais' | 'json' | 'apxmobj';
export const LOADERS: readonly LoaderName[] = ['ais', 'json', 'apxmobj'];
export type FuzzInput = string | Uint8Array;

/** Inputs never grow past this (chars for text, bytes for artifacts). */
export const MAX_INPUT = 256 * 1024;

// ---------------------------------------------------------------------------------------------
// PRNG

/** mulberry32, plus the helpers the mutators need. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  float(): number {
    return this.u32() / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.float() * n);
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  /** 0, 1, 2... with halving probability, capped at max. */
  small(max: number): number {
    let n = 0;
    while (n < max && this.chance(0.5)) n++;
    return n;
  }
}

function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The PRNG seed of one case. */
export function caseSeed(seed: number, loader: LoaderName, index: number): number {
  return mix32(mix32(mix32(seed >>> 0) ^ Math.imul(LOADERS.indexOf(loader) + 1, 0x9e3779b9)) ^ index);
}

// ---------------------------------------------------------------------------------------------
// Seeds

export interface Corpus {
  ais: { name: string; text: string }[];
  json: { name: string; text: string; doc: unknown }[];
  /** `.apxmobj` fixtures, then artifacts compiled here from the JSON examples (`payload` when it decodes). */
  apxmobj: { name: string; bytes: Uint8Array; payload?: ArtifactPayload }[];
}

/** The repository root: the nearest directory up from this file holding package.json and runtime/. */
export function repoRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'runtime'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no repository root above ${from}`);
    dir = up;
  }
}

function filesUnder(dir: string, ext: string, recursive: boolean, acc: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) {
      if (recursive) filesUnder(p, ext, true, acc);
    } else if (name.endsWith(ext)) acc.push(p);
  }
  return acc;
}

export function loadCorpus(root = repoRoot()): Corpus {
  const rel = (p: string) => path.relative(root, p);
  const ais = filesUnder(path.join(root, 'examples'), '.ais', false).map((p) => ({ name: rel(p), text: readFileSync(p, 'utf8') }));
  const json = filesUnder(path.join(root, 'examples'), '.json', false).map((p) => {
    const text = readFileSync(p, 'utf8');
    return { name: rel(p), text, doc: JSON.parse(text) as unknown };
  });
  const apxmobj: Corpus['apxmobj'] = filesUnder(path.join(root, 'runtime/artifact/fixtures'), '.apxmobj', true).map((p) => {
    const bytes = new Uint8Array(readFileSync(p));
    return { name: rel(p), bytes, payload: tryDecode(bytes) };
  });
  // The examples as artifacts too: these carry the apxm-ts.program section (names, labels, metadata).
  for (const j of json) {
    try {
      const bytes = encodeArtifact(programToArtifactModel(loadProgramFromJsonText(j.text, j.name), { createdAt: 0 }));
      apxmobj.push({ name: `${j.name} (compiled)`, bytes, payload: tryDecode(bytes) });
    } catch {
      // an example that does not load is simply not a seed here
    }
  }
  if (!ais.length || !json.length || !apxmobj.length) throw new Error(`fuzz corpus incomplete under ${root}`);
  return { ais, json, apxmobj };
}

function tryDecode(bytes: Uint8Array): ArtifactPayload | undefined {
  try {
    return decodeArtifact(bytes).payload;
  } catch {
    return undefined;
  }
}

/** The unmutated seeds of one loader (the baseline). */
export function seedInputs(corpus: Corpus, loader: LoaderName): FuzzInput[] {
  if (loader === 'ais') return corpus.ais.map((s) => s.text);
  if (loader === 'json') return corpus.json.map((s) => s.text);
  return corpus.apxmobj.map((s) => s.bytes);
}

// ---------------------------------------------------------------------------------------------
// Dictionaries

const FLIP_CHARS = [
  '\0',
  '\n',
  '\r',
  '\t',
  ' ',
  '"',
  '\\',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  '@',
  '-',
  '>',
  '<',
  '|',
  '&',
  '/',
  '*',
  '.',
  ',',
  ':',
  ';',
  '=',
  '!',
  '+',
  '%',
  '#',
  '$',
  '`',
  "'",
  '~',
  '^',
  '?',
  '_',
  '0',
  '9',
  'a',
  'Z',
  '\u00a0',
  '\u2028',
  '\ufeff',
  '\ud800',
  '\udfff',
  'é',
  '\u202e',
  '\uffff',
  '\x7f',
];

const UNICODE = [
  '\u0000',
  '\ufeff',
  '\ud83d\ude00',
  '\ud800',
  '\udc00',
  '\u202e',
  '\u200b',
  '\u2028',
  '\u2029',
  'é',
  'e\u0301',
  '日本語',
  '\uffff',
  '\r',
  '\r\n',
  '\x7f',
  '\x1b[31m',
  '\u0000\u0000\u0000\u0000',
  '\ud83d',
  'ǅ',
  'ﬃ',
  'İ',
];

const NUMBERS = [
  '0',
  '-0',
  '1',
  '-1',
  '1e309',
  '-1e309',
  '1e-400',
  '9007199254740993',
  '18446744073709551616',
  '99999999999999999999999999999',
  '0.1',
  '1.',
  '.5',
  '0x10',
  '1_000',
  'NaN',
  'Infinity',
  '00',
  '4294967296',
  '2147483648',
  '-9223372036854775809',
  '1e',
  '1e+',
];

const AIS_SNIPPETS = [
  '@entry',
  '@',
  'entry',
  'agent A {',
  'agent',
  'flow',
  'flow main() -> str {',
  'flow f(x: str) {',
  '@entry flow main(q: str) -> str {',
  '"',
  '"{{x}}"',
  '"{{',
  '}}',
  '"\\{"',
  '"\\',
  '"unterminated',
  '/*',
  '*/',
  '//',
  '\\',
  '${',
  '{{ }}',
  '"{{ 1 + }}"',
  'switch',
  'switch x {',
  'case "a" =>',
  'case',
  'default =>',
  '=>',
  'loop (x in xs) {',
  'loop',
  'try {',
  '} catch {',
  'catch',
  'parallel {',
  'if (',
  ') {',
  '} else {',
  'else',
  'let x =',
  'let',
  '-> x',
  '->',
  'return',
  'return x',
  'on',
  'when',
  'beliefs {',
  'goals {',
  'memory {',
  'x: STM',
  'y: LTM',
  'h: Episodic',
  'capability c(x: str) -> str;',
  'tools: [a, b]',
  'discoverable: [a]',
  'context: "c"',
  'inv("cap", "{}")',
  'qmem(x, "ltm")',
  'umem(x, "stm")',
  'ask("q")',
  'think("t", x)',
  'reason(x)',
  'plan(x)',
  'reflect(x)',
  'verify("c", x)',
  'merge(a, b)',
  'print(x)',
  'exc("code")',
  'communicate("A", x)',
  'wait(a, b)',
  'A.main(x)',
  'Agent.flow(',
  '.',
  'x |> ask',
  'str',
  'int',
  'float',
  'bool',
  'json',
  'void',
  'null',
  'true',
  'false',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ',',
  ':',
  ';',
  '\n',
  '\n\n',
  ' ',
  '\t',
];
const AIS_DICT = [...AIS_SNIPPETS, ...KEYWORDS, ...PUNCTUATION];
const AIS_REPEAT = [
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  '"',
  '->',
  '!',
  '-',
  '@',
  'if (x) { ',
  '( ',
  'a + ',
  '"{{',
  '\\',
  '/*',
  'x.',
  'ask(',
  '\n',
];

const JSON_DICT = [
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '"',
  'null',
  'true',
  'false',
  '0',
  '-1',
  '1e400',
  '-0',
  '1.5',
  '9007199254740993',
  '"id"',
  '"nodes"',
  '"edges"',
  '"from"',
  '"to"',
  '"op"',
  '"ASK"',
  '"attributes"',
  '"name"',
  '"flows"',
  '"entry"',
  '"label"',
  '"dependency"',
  '"Data"',
  '"Control"',
  '"Effect"',
  '"__proto__"',
  '"constructor"',
  '"\\u0000"',
  '"\\ud800"',
  '\\',
  '"{{x}}"',
  '{}',
  '[]',
  '"parameters"',
  '"type_name"',
  '"metadata"',
  '"is_entry"',
  '"template_str"',
  '{"id":1,"name":"n","op":"ASK"}',
  '{"from":1,"to":1}',
  ',,',
  '//',
  '/*',
];
const JSON_REPEAT = ['[', '{', '{"a":', '"', '[1,', '{}', ',', '\\'];

/** Values that are the wrong type, out of range or otherwise awkward. */
const WEIRD: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  -0,
  2 ** 53,
  2 ** 53 + 2,
  1e308,
  -1e308,
  5e-324,
  4294967296,
  '',
  ' ',
  'x',
  '1',
  'ASK',
  'true',
  '{{x}}',
  '{0}',
  '\u0000',
  '\ud800',
  'A.b.c',
  '.',
  'x'.repeat(5000),
  [],
  [1],
  [null],
  {},
  { a: 1 },
  JSON.parse('{"__proto__": {"polluted": 1}}'),
  [[[]]],
];
const ATTR_KEYS = [
  'template_str',
  'value',
  'capability',
  'params',
  'items',
  'count',
  'max_iterations',
  'condition',
  'cases',
  'label',
  'true_label',
  'false_label',
  'memory_tier',
  'space',
  'key',
  'query',
  'limit',
  'model',
  'temperature',
  'max_tokens',
  'system_prompt',
  'token_budget',
  'output_schema',
  'flow_name',
  'agent_name',
  'checkpoint_id',
  'queue',
  'code',
  'message',
  'strategy',
  'on_fail',
  'timeout_ms',
  'prompt',
  'while',
  'until',
  'goal',
  'belief_updates',
  'new_goals',
  'enable_inner_plan',
  '__proto__',
  'constructor',
  'toString',
  '',
];
const LABELS = ['true', 'false', 'try', 'catch', 'default', 'a', 'billing', '', 'TRUE', '0'];
const KEYS = [
  'name',
  'nodes',
  'edges',
  'id',
  'op',
  'from',
  'to',
  'flows',
  'entry',
  'label',
  'dependency',
  'attributes',
  'metadata',
  'parameters',
  '__proto__',
  'x',
  '',
];

// ---------------------------------------------------------------------------------------------
// Text mutators (AIS and JSON text)

const TOKEN_RE =
  /"(?:[^"\\\n]|\\.)*"?|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|->|=>|==|!=|<=|>=|&&|\|\||\|>|\/\/[^\n]*|\s+|[\s\S]/g;

function cap(s: string): string {
  return s.length > MAX_INPUT ? s.slice(0, MAX_INPUT) : s;
}

function insertAt(s: string, at: number, piece: string): string {
  return s.slice(0, at) + piece + s.slice(at);
}

function identifier(rng: Rng, length: number): string {
  if (rng.chance(0.5)) return 'a'.repeat(length);
  let out = String.fromCharCode(97 + rng.int(26));
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_';
  while (out.length < length) out += chars[rng.int(chars.length)];
  return out;
}

/** One havoc round: 1..8 stacked text mutations. */
export function mutateText(
  rng: Rng,
  text: string,
  dict: readonly string[],
  repeatable: readonly string[],
  donors: readonly string[],
): string {
  let s = text;
  const rounds = 1 + rng.small(7);
  for (let r = 0; r < rounds; r++) s = cap(mutateTextOnce(rng, s, dict, repeatable, donors));
  return s;
}

function mutateTextOnce(rng: Rng, s: string, dict: readonly string[], repeatable: readonly string[], donors: readonly string[]): string {
  const at = rng.int(s.length + 1);
  const span = () => 1 + (rng.chance(0.8) ? rng.int(16) : rng.int(Math.max(1, s.length >> 1)));
  switch (rng.int(16)) {
    case 0: // flip one char
      return s.length
        ? s.slice(0, at) + (rng.chance(0.7) ? rng.pick(FLIP_CHARS) : String.fromCharCode(rng.int(0x10000))) + s.slice(at + 1)
        : s;
    case 1:
    case 2: {
      // grammar token
      const tok = rng.pick(dict);
      const pad = rng.pick(['', ' ', '\n']);
      return insertAt(s, at, pad + tok + pad);
    }
    case 3: // repetition of a nesting/opening token
      return insertAt(s, at, rng.pick(repeatable).repeat(rng.pick([2, 10, 100, 199, 200, 201, 250, 999, 1000, 1001, 5000, 20000])));
    case 4: // deletion
      return s.slice(0, at) + s.slice(at + span());
    case 5: {
      // duplicate a slice elsewhere
      const len = span();
      return insertAt(s, rng.int(s.length + 1), s.slice(at, at + len));
    }
    case 6: {
      // crossover with another seed
      const d = rng.pick(donors);
      const b = rng.int(d.length + 1);
      if (rng.chance(0.5)) return s.slice(0, at) + d.slice(b);
      return insertAt(s, at, d.slice(b, b + 1 + rng.int(d.length - b + 1)));
    }
    case 7: // truncation
      return s.slice(0, at);
    case 8: // very long identifier
      return insertAt(s, at, identifier(rng, rng.pick([64, 256, 4096, 65536, 200000])));
    case 9: {
      // swap two slices
      const b = rng.int(s.length + 1);
      const [lo, hi] = at < b ? [at, b] : [b, at];
      const len = Math.min(span(), hi - lo);
      return s.slice(0, lo) + s.slice(hi, hi + len) + s.slice(lo + len, hi) + s.slice(lo, lo + len) + s.slice(hi + len);
    }
    case 10: {
      // line operations
      const lines = s.split('\n');
      const i = rng.int(lines.length);
      const j = rng.int(lines.length);
      const op = rng.int(3);
      if (op === 0) lines.splice(i, 1);
      else if (op === 1) lines.splice(j, 0, lines[i]);
      else [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join(rng.chance(0.9) ? '\n' : rng.pick(['\r\n', '\r', '\u2028']));
    }
    case 11: {
      // numbers
      const m = /\d+(\.\d+)?/g;
      const hits = [...s.matchAll(m)];
      const n = rng.pick(NUMBERS);
      if (hits.length && rng.chance(0.7)) {
        const h = rng.pick(hits);
        return s.slice(0, h.index) + n + s.slice(h.index + h[0].length);
      }
      return insertAt(s, at, n);
    }
    case 12: // unicode, NUL, BOM, surrogates
      return insertAt(s, at, rng.pick(UNICODE));
    case 13: {
      // token-level edits
      const toks = s.match(TOKEN_RE) ?? [];
      if (!toks.length) return rng.pick(dict);
      const i = rng.int(toks.length);
      const op = rng.int(5);
      if (op === 0) toks.splice(i, 1);
      else if (op === 1) toks.splice(i, 0, toks[i]);
      else if (op === 2) toks[i] = rng.pick(dict);
      else if (op === 3 && i + 1 < toks.length) [toks[i], toks[i + 1]] = [toks[i + 1], toks[i]];
      else toks.splice(i, 0, toks[rng.int(toks.length)]);
      return toks.join('');
    }
    case 14: {
      // rename a word everywhere (to a long name, sometimes with one near miss)
      const words = [...new Set(s.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [])];
      if (!words.length) return s;
      const from = rng.pick(words);
      const to = rng.chance(0.5) ? identifier(rng, rng.pick([16, 64, 1000, 4096, 20000, 65536])) : rng.pick(dict);
      let n = 0;
      const miss = rng.chance(0.5) ? 1 + rng.int(3) : -1;
      return s.replace(/[A-Za-z_][A-Za-z0-9_]*/g, (w) =>
        w !== from ? w : ++n === miss ? to.slice(0, -1) + (to.endsWith('b') ? 'c' : 'b') : to,
      );
    }
    default: {
      // case change of a word
      const words = [...s.matchAll(/[A-Za-z_]+/g)];
      if (!words.length) return s;
      const w = rng.pick(words);
      const t = rng.chance(0.5) ? w[0].toUpperCase() : w[0][0].toUpperCase() + w[0].slice(1);
      return s.slice(0, w.index) + t + s.slice(w.index + w[0].length);
    }
  }
}

function randomChars(rng: Rng): string {
  const n = rng.pick([0, 1, 2, 8, 64, 512, 4096]);
  let out = '';
  for (let i = 0; i < n; i++) {
    const k = rng.int(10);
    out += k < 6 ? String.fromCharCode(32 + rng.int(95)) : k < 8 ? rng.pick(FLIP_CHARS) : String.fromCharCode(rng.int(0x10000));
  }
  return out;
}

function tokenSoup(rng: Rng, dict: readonly string[]): string {
  const n = 1 + rng.int(rng.pick([10, 100, 600]));
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = rng.int(10);
    parts.push(
      k < 7
        ? rng.pick(dict)
        : k < 8
          ? identifier(rng, 1 + rng.int(12))
          : k < 9
            ? JSON.stringify(randomChars(rng).slice(0, 20))
            : rng.pick(NUMBERS),
    );
    parts.push(rng.pick([' ', ' ', '', '\n']));
  }
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------
// AIS: a small random program generator (reaches the checker and lowering, not just the parser)

class AisGen {
  private counter = 0;
  constructor(
    private readonly rng: Rng,
    private readonly flows: string[],
  ) {}

  private fresh(): string {
    return this.rng.chance(0.9)
      ? `v${this.counter++}`
      : this.rng.pick(['plan', 'goal', 'ask', 'x', 'city', 'result', 'item', 'index', '_', 'let']);
  }

  private str(scope: string[]): string {
    const r = this.rng;
    const bits = ['text', 'Hello', '', 'a\\"b', '\\n', '\\{', '{0}', 'é😀'];
    let s = r.pick(bits);
    if (scope.length && r.chance(0.3)) s += `{{${r.chance(0.9) ? r.pick(scope) : r.pick(['nope', ' ', '1', 'a.b'])}}}`;
    return `"${s}"`;
  }

  expr(scope: string[], depth: number): string {
    const r = this.rng;
    const name = () => (scope.length && r.chance(0.9) ? r.pick(scope) : this.fresh());
    const leaf = () => {
      const k = r.int(6);
      return k < 2 ? this.str(scope) : k < 3 ? r.pick(NUMBERS.slice(0, 10)) : k < 4 ? r.pick(['true', 'false', 'null']) : name();
    };
    if (depth <= 0 || r.chance(0.35)) return leaf();
    const e = () => this.expr(scope, depth - 1);
    switch (r.int(9)) {
      case 0:
      case 1:
        return `${e()} ${r.pick(['+', '+', '-', '*', '/', '%', '==', '!=', '<', '>', '<=', '>=', '&&', '||'])} ${e()}`;
      case 2:
        return `[${Array.from({ length: r.small(4) }, e).join(', ')}]`;
      case 3:
        return `${name()}.${r.pick(['field', 'length', 'result', 'plan'])}`;
      case 4:
        return `${r.pick(['!', '-'])}${e()}`;
      case 5:
        return `(${e()})`;
      case 6:
        return `${e()} |> ${r.pick(['ask', 'think', 'reason', 'print', 'verify'])}`;
      default:
        return this.call(scope, depth - 1);
    }
  }

  call(scope: string[], depth: number): string {
    const r = this.rng;
    const e = () => this.expr(scope, depth);
    const args = (n: number) => Array.from({ length: n }, e).join(', ');
    const tier = () => r.pick(['"stm"', '"ltm"', '"episodic"', '"STM"', '"nowhere"', 'x']);
    switch (r.int(12)) {
      case 0:
        return `inv(${this.str(scope)}, ${e()})`;
      case 1:
        return `qmem(${e()}, ${tier()})`;
      case 2:
        return `umem(${e()}, ${tier()})`;
      case 3:
        return `merge(${args(r.small(4))})`;
      case 4:
        return `print(${args(1 + r.small(2))})`;
      case 5:
        return `exc(${this.str(scope)})`;
      case 6:
        return `communicate(${this.str(scope)}, ${e()})`;
      case 7:
        return this.flows.length ? `${r.pick(this.flows)}(${args(r.small(3))})` : `wait(${args(r.small(3))})`;
      case 8:
        return `${r.pick(['tool', 'llm', 'talk', 'exec', 'mem', 'wait'])}(${args(r.small(3))})`;
      default:
        return `${r.pick(['ask', 'think', 'reason', 'plan', 'reflect', 'verify'])}(${args(1 + r.small(3))})`;
    }
  }

  block(scope: string[], depth: number, indent: string): string {
    const n = 1 + this.rng.int(depth > 0 ? 5 : 3);
    const local = [...scope];
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(indent + this.stmt(local, depth, indent));
    if (this.rng.chance(0.5)) lines.push(`${indent}return ${this.expr(local, 2)}`);
    return lines.join('\n');
  }

  stmt(scope: string[], depth: number, indent: string): string {
    const r = this.rng;
    const inner = indent + '    ';
    const bind = () => {
      const n = this.fresh();
      scope.push(n);
      return n;
    };
    const k = depth > 0 ? r.int(11) : r.int(4);
    switch (k) {
      case 0:
      case 1:
        return `${this.call(scope, 2)} -> ${bind()}`;
      case 2: {
        const e = this.expr(scope, 2);
        return `let ${bind()} = ${e}`;
      }
      case 3:
        return this.call(scope, 1);
      case 4:
        return `if (${this.expr(scope, 2)}) {\n${this.block(scope, depth - 1, inner)}\n${indent}}${r.chance(0.6) ? ` else {\n${this.block(scope, depth - 1, inner)}\n${indent}}` : ''}`;
      case 5: {
        const item = this.fresh();
        return `loop (${item} in ${this.expr(scope, 1)}) {\n${this.block([...scope, item], depth - 1, inner)}\n${indent}}`;
      }
      case 6:
        return `try {\n${this.block(scope, depth - 1, inner)}\n${indent}} catch {\n${this.block(scope, depth - 1, inner)}\n${indent}}`;
      case 7: {
        const cases = Array.from(
          { length: r.small(3) + (r.chance(0.9) ? 1 : 0) },
          () => `${inner}case ${this.str([])} => ${this.expr(scope, 1)}`,
        );
        if (r.chance(0.7)) cases.push(`${inner}default => ${this.expr(scope, 1)}`);
        const target = r.chance(0.8) ? ` -> ${bind()}` : '';
        return `switch ${this.expr(scope, 1)} {\n${cases.join('\n')}\n${indent}}${target}`;
      }
      case 8:
        return `parallel {\n${this.block(scope, depth - 1, inner)}\n${indent}}`;
      case 9:
        return `${this.call(scope, 1)} -> ${bind()}`;
      default:
        return `return ${this.expr(scope, 2)}`;
    }
  }
}

export function generateAis(rng: Rng): string {
  const agentCount = 1 + rng.small(2);
  const agents = Array.from({ length: agentCount }, (_, i) => (rng.chance(0.95) ? `Agent${i}` : rng.pick(['A', 'agent', 'Agent0', ''])));
  const flowNames = agents.map(() => Array.from({ length: 1 + rng.small(2) }, (_, j) => (j === 0 ? 'main' : `f${j}`)));
  const qualified = agents.flatMap((a, i) => flowNames[i].map((f) => `${a}.${f}`));
  const gen = new AisGen(rng, qualified);
  const entryAt = rng.chance(0.9) ? rng.int(qualified.length) : -1;
  let k = 0;
  const out: string[] = [];
  agents.forEach((agent, i) => {
    const items: string[] = [];
    if (rng.chance(0.3)) items.push(`    memory {\n        notes: ${rng.pick(['STM', 'LTM', 'Episodic', 'Nope'])}\n    }`);
    if (rng.chance(0.1)) items.push(`    tools: [${rng.pick(['a, b', '', 'fetch'])}]`);
    if (rng.chance(0.1)) items.push(`    context: "${rng.pick(['helpful', ''])}"`);
    if (rng.chance(0.1)) items.push(`    capability fetch(url: str) -> str;`);
    for (const f of flowNames[i]) {
      const params = Array.from(
        { length: rng.small(3) },
        (_, p) => `p${p}: ${rng.pick(['str', 'str', 'int', 'float', 'bool', 'json', 'number', 'string', 'Thing'])}`,
      );
      const ret = rng.chance(0.7) ? ` -> ${rng.pick(['str', 'json', 'int', 'void'])}` : '';
      const entry = k++ === entryAt ? '@entry ' : '';
      const body = gen.block(
        params.map((p) => p.split(':')[0]),
        1 + rng.int(3),
        '        ',
      );
      items.push(`    ${entry}flow ${f}(${params.join(', ')})${ret} {\n${body}\n    }`);
    }
    out.push(`agent ${agent} {\n${items.join('\n\n')}\n}`);
  });
  return out.join('\n\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// JSON: structural mutations on the parsed program

type Slot = { parent: Record<string, unknown> | unknown[]; key: string | number };

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Every value slot of the tree, breadth first (bounded). */
function slotsOf(root: unknown, limit = 5000): Slot[] {
  const out: Slot[] = [];
  const queue: unknown[] = [root];
  while (queue.length && out.length < limit) {
    const v = queue.shift();
    if (Array.isArray(v))
      v.forEach((x, i) => {
        out.push({ parent: v, key: i });
        queue.push(x);
      });
    else if (isRecord(v))
      for (const k of Object.keys(v)) {
        out.push({ parent: v, key: k });
        queue.push(v[k]);
      }
  }
  return out;
}

/** Objects with a `nodes` array (flows), anywhere in the tree. */
function flowsOf(root: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const visit = (v: unknown, depth: number) => {
    if (depth > 6) return;
    if (Array.isArray(v)) v.forEach((x) => visit(x, depth + 1));
    else if (isRecord(v)) {
      if (Array.isArray(v.nodes)) out.push(v);
      for (const k of Object.keys(v)) visit(v[k], depth + 1);
    }
  };
  visit(root, 0);
  return out;
}

function randomJsonValue(rng: Rng, depth: number): unknown {
  const k = rng.int(depth > 0 ? 10 : 7);
  if (k < 4) return JSON.parse(JSON.stringify(rng.pick(WEIRD)) ?? 'null'); // a copy that keeps an own "__proto__" key
  if (k < 5) return rng.float() * 10 ** rng.int(30) * (rng.chance(0.5) ? -1 : 1);
  if (k < 6) return randomChars(rng).slice(0, 40);
  if (k < 7) return rng.pick(OP_NAMES);
  if (k < 9) return Array.from({ length: rng.small(4) }, () => randomJsonValue(rng, depth - 1));
  const o: Record<string, unknown> = {};
  for (let i = rng.small(4); i > 0; i--) o[rng.pick([...KEYS, ...ATTR_KEYS])] = randomJsonValue(rng, depth - 1);
  return o;
}

function nodeIds(flow: Record<string, unknown>): unknown[] {
  return (flow.nodes as unknown[]).map((n) => (isRecord(n) ? n.id : undefined));
}

function randomId(rng: Rng, ids: unknown[]): unknown {
  if (ids.length && rng.chance(0.6)) return rng.pick(ids);
  return rng.pick([
    0,
    1,
    999,
    -1,
    1.5,
    2 ** 53,
    2 ** 53 - 1,
    1e308,
    '1',
    null,
    Math.max(0, ...ids.filter((x): x is number => typeof x === 'number')) + 1,
  ]);
}

/** Placeholders replaced after JSON.stringify by text too deep for JSON.stringify itself. */
interface DeepHole {
  marker: string;
  text: string;
}

function deepText(rng: Rng, depth: number): string {
  switch (rng.int(4)) {
    case 0:
      return '['.repeat(depth) + ']'.repeat(depth);
    case 1:
      return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    case 2:
      return '[{"x":'.repeat(depth) + 'null' + '}]'.repeat(depth);
    default:
      return '['.repeat(depth); // unbalanced: a parse error after a deep descent
  }
}

function mutateJsonDocOnce(rng: Rng, holder: { root: unknown }, holes: DeepHole[]): void {
  const flows = flowsOf(holder.root);
  const flow = flows.length ? rng.pick(flows) : undefined;
  const nodes = flow && Array.isArray(flow.nodes) ? (flow.nodes as unknown[]) : undefined;
  const slots = slotsOf(holder.root);
  const slot = slots.length ? rng.pick(slots) : { parent: holder as unknown as Record<string, unknown>, key: 'root' };
  const set = (v: unknown) => ((slot.parent as Record<string | number, unknown>)[slot.key] = v);
  switch (rng.int(18)) {
    case 0: // delete a key (or an array element)
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete slot.parent[slot.key as string];
      return;
    case 1:
    case 2: // swap a value's type
      return void set(randomJsonValue(rng, 2));
    case 3: // duplicate a node (duplicate id)
      if (nodes?.length) nodes.splice(rng.int(nodes.length + 1), 0, structuredClone(rng.pick(nodes)));
      return;
    case 4: // change a node id
      if (nodes?.length) {
        const n = rng.pick(nodes);
        if (isRecord(n)) n.id = randomId(rng, nodeIds(flow as Record<string, unknown>));
      }
      return;
    case 5:
    case 6: {
      // dangling, self, reversed or repeated edges
      if (!flow) return;
      const ids = nodeIds(flow);
      if (!Array.isArray(flow.edges)) flow.edges = [];
      const edges = flow.edges as unknown[];
      const k = rng.int(4);
      if (k === 0 && edges.length) {
        const e = rng.pick(edges);
        if (isRecord(e)) edges.push({ ...e, from: e.to, to: e.from }); // a cycle
      } else if (k === 1 && edges.length) edges.push(structuredClone(rng.pick(edges)));
      else {
        const from = randomId(rng, ids);
        const edge: Record<string, unknown> = { from, to: k === 2 ? from : randomId(rng, ids) };
        if (rng.chance(0.7)) edge.dependency = rng.pick(['Data', 'Control', 'Effect', 'data', 'X', null, 1]);
        if (rng.chance(0.4)) edge.label = rng.chance(0.8) ? rng.pick(LABELS) : randomJsonValue(rng, 1);
        edges.splice(rng.int(edges.length + 1), 0, edge);
      }
      return;
    }
    case 7: // an op change (valid op, wrong attributes) or a bad op
      if (nodes?.length) {
        const n = rng.pick(nodes);
        if (isRecord(n)) {
          if (rng.chance(0.15)) {
            delete n.op;
            n.op_type = rng.pick(OP_NAMES);
          } else n.op = rng.chance(0.85) ? rng.pick(OP_NAMES) : rng.pick(['ask', '', 'ASKK', 'op', 3, null]);
        }
      }
      return;
    case 8:
    case 9: // attributes
      if (nodes?.length) {
        const n = rng.pick(nodes);
        if (isRecord(n)) {
          if (!isRecord(n.attributes)) n.attributes = {};
          const a = n.attributes as Record<string, unknown>;
          Object.defineProperty(a, rng.pick(ATTR_KEYS), {
            value: randomJsonValue(rng, 3),
            enumerable: true,
            writable: true,
            configurable: true,
          });
          if (rng.chance(0.3)) a.template_str = rng.pick(['{0}', '{{city}}', '{{node_1}}', '{99}', '{{', '}}', '{{item}} {{index}}', '']);
        }
      }
      return;
    case 10: {
      // deep nesting
      const marker = `@@deep${holes.length}@@`;
      holes.push({ marker, text: deepText(rng, rng.pick([64, 257, 513, 1000, 3000, 5000, 20000, 100000])) });
      return void set(marker);
    }
    case 11: {
      // wrap in a bundle, or change the bundle's entry
      if (isRecord(holder.root) && Array.isArray(holder.root.flows)) {
        holder.root.entry = rng.chance(0.7) ? rng.pick([...flows.map((f) => f.name), 'Nope.main', '', 3]) : randomJsonValue(rng, 1);
        return;
      }
      const copy = structuredClone(holder.root);
      if (isRecord(copy)) copy.name = rng.pick(['Other.flow', holder.root && isRecord(holder.root) ? holder.root.name : 'x', '', 'A.b.c']);
      const bundle: Record<string, unknown> = { name: rng.pick(['bundle', '', 1]), flows: rng.chance(0.9) ? [holder.root, copy] : [] };
      if (rng.chance(0.5)) bundle.entry = rng.pick(['Other.flow', 'nope', '']);
      holder.root = bundle;
      return;
    }
    case 12: // entry flags and metadata
      if (flow) flow.metadata = rng.chance(0.7) ? { is_entry: rng.pick([true, false, 'yes', null]) } : randomJsonValue(rng, 2);
      return;
    case 13: // parameters
      if (flow) {
        if (!Array.isArray(flow.parameters)) flow.parameters = [];
        (flow.parameters as unknown[]).push(
          rng.chance(0.7)
            ? { name: rng.pick(['city', 'x', '', ' ', 'node_1']), type_name: rng.pick(['str', 'int', 'json', '', 'Nope']) }
            : randomJsonValue(rng, 1),
        );
      }
      return;
    case 14: {
      // many nodes in a chain (scaling of validation)
      if (!flow) return;
      const n = rng.pick([100, 1000, 5000]);
      const op = rng.pick(['CONST_STR', 'PRINT', 'MERGE', 'ASK']);
      flow.nodes = Array.from({ length: n }, (_, i) => ({
        id: i + 1,
        name: `n${i + 1}`,
        op,
        attributes: { value: 'v', template_str: '{0}' },
      }));
      flow.edges = Array.from({ length: n - 1 }, (_, i) => ({ from: rng.chance(0.999) ? i + 1 : n, to: i + 2, dependency: 'Data' }));
      return;
    }
    case 15: // reorder
      if (Array.isArray(slot.parent)) slot.parent.reverse();
      else if (nodes) nodes.sort(() => rng.float() - 0.5);
      return;
    case 16: {
      // prototype-ish keys
      const objs = slots.map((s) => (s.parent as Record<string | number, unknown>)[s.key]).filter(isRecord);
      const target = objs.length ? rng.pick(objs) : holder.root;
      if (isRecord(target))
        Object.defineProperty(target, rng.pick(['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf']), {
          value: randomJsonValue(rng, 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return;
    }
    default: // huge strings and numbers
      return void set(
        rng.pick<unknown>(['x'.repeat(100000), 1e308, -1e308, 2 ** 64, Number.MAX_SAFE_INTEGER + 2, '{{' + 'a'.repeat(50000) + '}}']),
      );
  }
}

function stringifyWithHoles(rng: Rng, doc: unknown, holes: DeepHole[]): string {
  let text = JSON.stringify(doc, null, rng.chance(0.3) ? 2 : undefined) ?? 'null';
  for (const h of holes) text = text.replace(`"${h.marker}"`, () => h.text);
  return text;
}

export function mutateJsonDoc(rng: Rng, doc: unknown): string {
  const holder = { root: structuredClone(doc) };
  const holes: DeepHole[] = [];
  const rounds = 1 + rng.small(5);
  for (let r = 0; r < rounds; r++) mutateJsonDocOnce(rng, holder, holes);
  return stringifyWithHoles(rng, holder.root, holes);
}

/** A random program-shaped document (valid ops, random everything else). */
function randomProgramDoc(rng: Rng): unknown {
  const flow = () => {
    const n = rng.small(6);
    const nodes = Array.from({ length: n }, (_, i) => ({
      id: rng.chance(0.9) ? i + 1 : randomJsonValue(rng, 0),
      name: rng.chance(0.9) ? `n${i}` : randomJsonValue(rng, 0),
      op: rng.pick(OP_NAMES),
      attributes: Object.fromEntries(Array.from({ length: rng.small(3) }, () => [rng.pick(ATTR_KEYS), randomJsonValue(rng, 2)])),
    }));
    const edges = Array.from({ length: rng.small(6) }, () => ({
      from: 1 + rng.int(n + 1),
      to: 1 + rng.int(n + 1),
      dependency: rng.pick(['Data', 'Control', 'Effect']),
      ...(rng.chance(0.3) ? { label: rng.pick(LABELS) } : {}),
    }));
    return { name: `A${rng.int(3)}.f${rng.int(3)}`, nodes, edges, ...(rng.chance(0.3) ? { metadata: { is_entry: rng.chance(0.5) } } : {}) };
  };
  return rng.chance(0.7) ? flow() : { name: 'p', flows: Array.from({ length: 1 + rng.small(3) }, flow) };
}

// ---------------------------------------------------------------------------------------------
// Artifacts

const U64_INTERESTING = [
  0n,
  1n,
  2n,
  3n,
  7n,
  8n,
  255n,
  256n,
  65535n,
  65536n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  (1n << 53n) - 1n,
  1n << 53n,
  (1n << 63n) - 1n,
  1n << 63n,
  (1n << 64n) - 1n,
];

/** Header (magic, version, payload length, BLAKE3 of the declared payload, flags) + payload + trailing bytes. */
export function sealArtifact(
  payload: Uint8Array,
  options: { version?: number; flags?: number; declaredLength?: bigint; trailing?: Uint8Array } = {},
): Uint8Array {
  const trailing = options.trailing ?? new Uint8Array(0);
  const out = new Uint8Array(HEADER_SIZE + payload.length + trailing.length);
  const view = new DataView(out.buffer);
  out.set(ARTIFACT_MAGIC, 0);
  view.setUint32(4, options.version ?? ARTIFACT_VERSION, true);
  const declared = options.declaredLength ?? BigInt(payload.length);
  view.setBigUint64(8, declared & ((1n << 64n) - 1n), true);
  const hashed = declared <= BigInt(payload.length + trailing.length) ? Number(declared) : payload.length;
  const body = new Uint8Array(payload.length + trailing.length);
  body.set(payload, 0);
  body.set(trailing, payload.length);
  out.set(blake3(body.subarray(0, hashed)), 16);
  view.setUint32(48, options.flags ?? 0, true);
  out.set(body, HEADER_SIZE);
  return out;
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.chance(0.3) ? rng.pick([0, 1, 0xff, 0x7f, 0x80]) : rng.int(256);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function mutateBytes(rng: Rng, input: Uint8Array, donors: readonly Uint8Array[]): Uint8Array {
  let b: Uint8Array = input.slice();
  const rounds = 1 + rng.small(7);
  for (let r = 0; r < rounds; r++) {
    const at = rng.int(b.length + 1);
    const span = () => 1 + (rng.chance(0.8) ? rng.int(16) : rng.int(Math.max(1, b.length >> 1)));
    switch (rng.int(9)) {
      case 0:
        if (b.length) b[Math.min(at, b.length - 1)] ^= 1 << rng.int(8);
        break;
      case 1:
        if (b.length) b[Math.min(at, b.length - 1)] = rng.chance(0.5) ? rng.pick([0, 1, 2, 0x7f, 0x80, 0xfe, 0xff]) : rng.int(256);
        break;
      case 2:
      case 3: {
        // a u32 or u64 (a length prefix, a variant index, an id) overwritten
        const wide = rng.chance(0.6);
        const w = wide ? 8 : 4;
        if (b.length < w) break;
        const pos = Math.min(at, b.length - w);
        const v = rng.pick(U64_INTERESTING);
        const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
        if (wide) view.setBigUint64(pos, v, true);
        else view.setUint32(pos, Number(v & 0xffffffffn), true);
        break;
      }
      case 4:
        b = concat(b.subarray(0, at), randomBytes(rng, span()), b.subarray(at));
        break;
      case 5:
        b = concat(b.subarray(0, at), b.subarray(at + span()));
        break;
      case 6: {
        const len = span();
        const to = rng.int(b.length + 1);
        b = concat(b.subarray(0, to), b.slice(at, at + len), b.subarray(to));
        break;
      }
      case 7: {
        const d = rng.pick(donors);
        const from = rng.int(d.length + 1);
        b = rng.chance(0.5)
          ? concat(b.subarray(0, at), d.subarray(from))
          : concat(b.subarray(0, at), d.subarray(from, from + span()), b.subarray(at));
        break;
      }
      default:
        b = b.slice(0, at);
    }
    if (b.length > MAX_INPUT) b = b.slice(0, MAX_INPUT);
  }
  return b;
}

function randomWireString(rng: Rng): string {
  return rng.pick([
    '',
    'x',
    'template_str',
    'value',
    '__proto__',
    'A.main',
    ' ',
    '{{x}}',
    '{0}',
    'é😀',
    '\u0000',
    'a'.repeat(1000),
    ...ATTR_KEYS,
  ]);
}

function randomWireValue(rng: Rng, depth: number): WireValue {
  if (depth > 0 && rng.chance(0.03)) {
    // nesting right at the reader's limit (256) and past it
    let v: WireValue = { kind: 'Null' };
    for (let i = rng.pick([100, 254, 255, 256]); i > 0; i--)
      v = rng.chance(0.5) ? { kind: 'Array', items: [v] } : { kind: 'Object', entries: [{ key: 'k', value: v }] };
    return v;
  }
  switch (rng.int(depth > 0 ? 8 : 6)) {
    case 0:
      return { kind: 'Null' };
    case 1:
      return { kind: 'Bool', value: rng.chance(0.5) };
    case 2:
      return { kind: 'Integer', value: rng.pick([0n, -1n, 1n, (1n << 53n) + 1n, -(1n << 63n), (1n << 63n) - 1n, BigInt(rng.int(100))]) };
    case 3:
      return { kind: 'Float', value: rng.pick([0, -0, 1.5, NaN, Infinity, -Infinity, 1e308, 5e-324]) };
    case 4:
      return { kind: 'String', value: randomWireString(rng) };
    case 5:
      return { kind: 'Token', value: rng.pick(U64_INTERESTING) };
    case 6:
      return { kind: 'Array', items: Array.from({ length: rng.small(4) }, () => randomWireValue(rng, depth - 1)) };
    default:
      return {
        kind: 'Object',
        entries: Array.from({ length: rng.small(4) }, () => ({ key: randomWireString(rng), value: randomWireValue(rng, depth - 1) })),
      };
  }
}

function randomWireId(rng: Rng, dag: WireDag | undefined): bigint {
  if (dag?.nodes.length && rng.chance(0.6)) return rng.pick(dag.nodes).id;
  return rng.pick(U64_INTERESTING);
}

function randomWireNode(rng: Rng, id: bigint): WireNode {
  return {
    id,
    op_type: rng.pick(ARTIFACT_OP_ORDER),
    attributes: Array.from({ length: rng.small(3) }, () => ({ key: rng.pick(ATTR_KEYS), value: randomWireValue(rng, 2) })),
    input_tokens: Array.from({ length: rng.small(3) }, () => BigInt(rng.int(6))),
    output_tokens: Array.from({ length: rng.small(3) }, () => BigInt(rng.int(6))),
    metadata: {
      priority: rng.pick([0, 1, 0xffffffff]),
      estimated_latency: rng.chance(0.2) ? rng.pick(U64_INTERESTING) : null,
      codelet_source_id: rng.chance(0.2) ? rng.pick(U64_INTERESTING) : null,
    },
  };
}

function randomDag(rng: Rng): WireDag {
  const n = rng.small(6);
  const nodes = Array.from({ length: n }, (_, i) => randomWireNode(rng, rng.chance(0.9) ? BigInt(i + 1) : rng.pick(U64_INTERESTING)));
  const dag: WireDag = {
    nodes,
    edges: [],
    entry_nodes: [],
    exit_nodes: [],
    metadata_name: rng.chance(0.8) ? `A.f${rng.int(3)}` : null,
    is_entry: rng.chance(0.5),
    parameters: [],
  };
  dag.edges = Array.from({ length: rng.small(6) }, (_, k) => ({
    from: randomWireId(rng, dag),
    to: randomWireId(rng, dag),
    token_id: BigInt(k + 1),
    dependency: rng.pick(ARTIFACT_DEPENDENCY_ORDER),
  }));
  return dag;
}

/** Mutates the program section's JSON text (names, labels, metadata, sources). */
function mutateSection(rng: Rng, data: Uint8Array, jsonDonors: readonly string[]): Uint8Array {
  const text = new TextDecoder().decode(data);
  let out: string;
  if (rng.chance(0.6)) {
    try {
      out = mutateJsonDoc(rng, JSON.parse(text));
    } catch {
      out = mutateText(rng, text, JSON_DICT, JSON_REPEAT, jsonDonors);
    }
  } else out = mutateText(rng, text, JSON_DICT, JSON_REPEAT, jsonDonors);
  const bytes = new TextEncoder().encode(out);
  return rng.chance(0.05) ? concat(bytes, new Uint8Array([0xff, 0xfe])) : bytes;
}

function mutateModelOnce(rng: Rng, m: ArtifactPayload, jsonDonors: readonly string[]): void {
  const dag = m.dags.length ? rng.pick(m.dags) : undefined;
  const node = dag?.nodes.length ? rng.pick(dag.nodes) : undefined;
  const edge = dag?.edges.length ? rng.pick(dag.edges) : undefined;
  switch (rng.int(16)) {
    case 0:
      if (node) node.id = randomWireId(rng, dag);
      return;
    case 1:
      if (edge) edge[rng.pick(['from', 'to'] as const)] = randomWireId(rng, dag);
      return;
    case 2:
      if (dag)
        dag.edges.push({
          from: randomWireId(rng, dag),
          to: randomWireId(rng, dag),
          token_id: rng.pick(U64_INTERESTING),
          dependency: rng.pick(ARTIFACT_DEPENDENCY_ORDER),
        });
      return;
    case 3:
      if (node) node.op_type = rng.pick(ARTIFACT_OP_ORDER);
      return;
    case 4:
    case 5:
      if (node) {
        if (node.attributes.length && rng.chance(0.3)) node.attributes.splice(rng.int(node.attributes.length), 1);
        else
          node.attributes.push({
            key: rng.chance(0.5) && node.attributes.length ? rng.pick(node.attributes).key : rng.pick(ATTR_KEYS),
            value: randomWireValue(rng, 3),
          });
      }
      return;
    case 6:
      if (node)
        node.input_tokens = rng.chance(0.5) ? node.input_tokens.slice().reverse() : [...node.input_tokens, rng.pick(U64_INTERESTING)];
      return;
    case 7:
      if (dag && node) dag.nodes.push(structuredClone(rng.chance(0.5) ? node : randomWireNode(rng, rng.pick(U64_INTERESTING))));
      return;
    case 8:
      if (dag)
        dag.metadata_name = rng.pick([null, '', ' ', 'A.main', 'A.b.c', '.', 'main', 'x'.repeat(500), m.dags[0]?.metadata_name ?? null]);
      return;
    case 9:
      for (const d of m.dags) d.is_entry = rng.chance(0.5);
      return;
    case 10:
      if (dag) dag.parameters.push({ name: randomWireString(rng), type_name: rng.pick(['str', 'int', '', 'Nope', 'json']) });
      return;
    case 11: {
      // DAG count
      const k = rng.int(3);
      if (k === 0 && dag) m.dags.push(structuredClone(dag));
      else if (k === 1 && m.dags.length) m.dags.splice(rng.int(m.dags.length), 1);
      else m.dags.push(randomDag(rng));
      return;
    }
    case 12:
    case 13: {
      // the apxm-ts.program section
      const sec = m.sections.find((s) => s.kind === PROGRAM_SECTION_KIND);
      if (sec && rng.chance(0.85)) sec.data = mutateSection(rng, sec.data, jsonDonors);
      else if (sec) m.sections = m.sections.filter((s) => s !== sec);
      else
        m.sections.push({
          kind: PROGRAM_SECTION_KIND,
          data: new TextEncoder().encode(
            JSON.stringify({
              format: 1,
              name: 'x',
              dags: m.dags.map((d) => ({
                node_names: d.nodes.map((_, i) => `n${i}`),
                edge_labels: d.edges.map(() => rng.pick([null, ...LABELS])),
                metadata: {},
              })),
            }),
          ),
        });
      return;
    }
    case 14:
      m.sections.push({ kind: rng.pick([PROGRAM_SECTION_KIND, 'other', '']), data: randomBytes(rng, rng.int(64)) });
      return;
    default:
      m.metadata = {
        module_name: rng.pick([null, '', 'A.main', 'é']),
        created_at: rng.pick(U64_INTERESTING),
        compiler_version: rng.pick(['0.0.1', '', 'x'.repeat(300)]),
      };
  }
}

function randomModel(rng: Rng): ArtifactPayload {
  return {
    metadata: { module_name: rng.chance(0.5) ? 'A.f0' : null, created_at: 0n, compiler_version: '0.0.1' },
    dags: Array.from({ length: rng.small(3) + (rng.chance(0.9) ? 1 : 0) }, () => randomDag(rng)),
    sections: [],
  };
}

function payloadOf(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(HEADER_SIZE);
}

function resealed(rng: Rng, payload: Uint8Array): Uint8Array {
  const k = rng.int(20);
  if (k === 0) return sealArtifact(payload, { version: rng.pick([0, 2, 0xffffffff]) });
  if (k === 1) return sealArtifact(payload, { flags: rng.pick([1, 0xffffffff]) });
  if (k === 2 && payload.length)
    return sealArtifact(payload.subarray(0, payload.length - 1 - rng.int(payload.length)), {
      trailing: payload.subarray(payload.length - 1),
    });
  if (k === 3) return sealArtifact(payload, { trailing: randomBytes(rng, 1 + rng.int(16)) });
  if (k === 4) return sealArtifact(payload, { declaredLength: rng.pick([BigInt(payload.length + 1), (1n << 64n) - 1n, 1n << 53n]) });
  return sealArtifact(payload);
}

function generateArtifact(rng: Rng, corpus: Corpus): Uint8Array {
  const seeds = corpus.apxmobj;
  const seed = rng.pick(seeds);
  const donors = seeds.map((s) => payloadOf(s.bytes));
  const jsonDonors = corpus.json.map((j) => j.text);
  const r = rng.int(100);
  if (r < 15)
    return mutateBytes(
      rng,
      seed.bytes,
      seeds.map((s) => s.bytes),
    ); // raw: mostly stopped by the header and hash checks
  if (r < 50) return resealed(rng, mutateBytes(rng, payloadOf(seed.bytes), donors)); // behind the hash check
  if (r < 85) {
    // structural, re-encoded by the writer
    const decodable = seeds.filter((s) => s.payload);
    const model = rng.chance(0.9) && decodable.length ? structuredClone(rng.pick(decodable).payload as ArtifactPayload) : randomModel(rng);
    for (let i = 1 + rng.small(5); i > 0; i--) mutateModelOnce(rng, model, jsonDonors);
    let bytes: Uint8Array;
    try {
      bytes = encodeArtifact(model);
    } catch {
      return resealed(rng, mutateBytes(rng, payloadOf(seed.bytes), donors)); // a model the writer refuses
    }
    return rng.chance(0.2) ? resealed(rng, mutateBytes(rng, payloadOf(bytes), donors)) : bytes;
  }
  if (r < 92) {
    // header fields
    const b = seed.bytes.slice();
    const view = new DataView(b.buffer);
    const k = rng.int(5);
    if (k === 0) view.setUint32(4, rng.pick([0, 2, 0xffffffff]), true);
    else if (k === 1) view.setBigUint64(8, rng.pick(U64_INTERESTING), true);
    else if (k === 2) b[rng.int(4)] ^= 0x20;
    else if (k === 3) return b.slice(0, rng.int(HEADER_SIZE + 1));
    else view.setUint32(48, rng.u32(), true);
    return b;
  }
  // random: bare bytes, or random payload bytes behind a correct header
  const bytes = randomBytes(rng, rng.pick([0, 3, 4, 51, 52, 53, 100, 1000]));
  if (rng.chance(0.3)) return bytes;
  return rng.chance(0.5) ? sealArtifact(bytes) : sealArtifact(concat(new Uint8Array([0]), new Uint8Array(8), new Uint8Array(8), bytes));
}

// ---------------------------------------------------------------------------------------------
// One case

export function generateCase(loader: LoaderName, corpus: Corpus, seed: number, index: number): FuzzInput {
  const rng = new Rng(caseSeed(seed, loader, index));
  const r = rng.int(100);
  if (loader === 'ais') {
    const donors = corpus.ais.map((s) => s.text);
    if (r < 8) return rng.chance(0.5) ? tokenSoup(rng, AIS_DICT) : randomChars(rng); // purely random
    if (r < 30) {
      // generated programs, half of them mutated
      const g = generateAis(rng);
      return rng.chance(0.5) ? g : mutateText(rng, g, AIS_DICT, AIS_REPEAT, donors);
    }
    return mutateText(rng, rng.pick(donors), AIS_DICT, AIS_REPEAT, donors);
  }
  if (loader === 'json') {
    const donors = corpus.json.map((s) => s.text);
    if (r < 8)
      return rng.chance(0.4)
        ? randomChars(rng)
        : rng.chance(0.5)
          ? tokenSoup(rng, JSON_DICT)
          : stringifyWithHoles(rng, randomJsonValue(rng, 4), []);
    if (r < 18) {
      // random program-shaped documents, some mutated further
      const doc = randomProgramDoc(rng);
      return rng.chance(0.5) ? JSON.stringify(doc) : mutateJsonDoc(rng, doc);
    }
    if (r < 60) {
      // structural
      const s = mutateJsonDoc(rng, rng.pick(corpus.json).doc);
      return rng.chance(0.1) ? mutateText(rng, s, JSON_DICT, JSON_REPEAT, donors) : s;
    }
    return mutateText(rng, rng.pick(donors), JSON_DICT, JSON_REPEAT, donors);
  }
  return generateArtifact(rng, corpus);
}
