/**
 * One node execution in full, as a detail view shows it: inputs, output, error, the rendered
 * prompt and reply of its LLM call, tokens, timing and how often the node ran. Values come as
 * bounded previews; the rest of a long value is read in pages from a small store.
 */
import type { SerializedError } from '../errors.js';
import type { Value } from '../values/value.js';
import type { NodeState } from './nodeStatus.js';
import type { NodeRecord, RunView } from './runView.js';

/** A value as the UI first sees it: a bounded preview; the rest is read in pages with `apxm/valuePage`. */
export interface ValuePreview {
  /** The value's type (`str`, `json`, `list`…). */
  type: string;
  /** At most 4,000 characters of the value's text. */
  text: string;
  /** Characters in the whole text. */
  length: number;
  /** Set when `text` is not the whole value: the handle `apxm/valuePage` reads from (valid until the session ends). */
  pageRef?: string;
}

export interface NodeDetail {
  frameId: number;
  nodeId: number;
  flow: string;
  nodeExecId: string;
  op: string;
  name: string;
  state: NodeState;
  startedAt?: number;
  durationMs?: number;
  tokens?: number;
  /** US dollars of its LLM calls by the price table; absent when it made none or its model has no price. */
  cost?: number;
  inputs: ValuePreview[];
  output?: ValuePreview;
  error?: SerializedError;
  /** The rendered prompt of its last LLM call. */
  prompt?: { role: string; content: ValuePreview }[];
  reply?: ValuePreview;
  /** How many times this node has run in this session's run (loop iterations, flow calls). */
  executions: number;
}

/** Characters of a value's text in its preview. */
export const PREVIEW_CHARS = 4000;
/** The most characters one `apxm/valuePage` returns. */
export const MAX_PAGE_CHARS = 65_536;

/** The type name a program would write for a value: `str`, `int`, `float`, `bool`, `list`, `json`, `null`. */
export function valueTypeName(v: Value | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return Array.isArray(v) ? 'list' : 'json';
}

/** A value's whole text as a detail view shows it: a string as it is, anything else as indented JSON. */
export function valueText(v: Value | undefined): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return JSON.stringify(v, null, 2);
  return String(v);
}

/**
 * The full texts of previewed values that were cut, by page handle, for `apxm/valuePage`. Bounded
 * (the most recent `maxValues` values, and `maxChars` characters in all): an old handle expires.
 * The same value previewed again (the same `key`) keeps its handle.
 */
export class PageStore {
  private readonly texts = new Map<string, string>();
  private readonly byKey = new Map<string, string>();
  private chars = 0;
  private next = 1;

  constructor(
    readonly maxValues = 256,
    readonly maxChars = 32 * 1024 * 1024,
  ) {}

  put(text: string, key?: string): string {
    const known = key !== undefined ? this.byKey.get(key) : undefined;
    if (known !== undefined && this.texts.get(known) === text) {
      // most recently used again
      this.texts.delete(known);
      this.texts.set(known, text);
      return known;
    }
    const ref = `page-${this.next++}`;
    this.texts.set(ref, text);
    if (key !== undefined) this.byKey.set(key, ref);
    this.chars += text.length;
    for (const [old, t] of this.texts) {
      if (this.texts.size <= this.maxValues && this.chars <= this.maxChars) break;
      if (old === ref) break; // the newest always stays, however long
      this.texts.delete(old);
      this.chars -= t.length;
    }
    if (this.byKey.size > this.maxValues * 2) for (const [k, r] of this.byKey) if (!this.texts.has(r)) this.byKey.delete(k);
    return ref;
  }

  /** `length` characters from `offset`, or undefined when `ref` is unknown or expired. */
  page(ref: string, offset: number, length: number): { text: string; offset: number; total: number } | undefined {
    const text = this.texts.get(ref);
    if (text === undefined) return undefined;
    return { text: text.slice(offset, offset + Math.min(length, MAX_PAGE_CHARS)), offset, total: text.length };
  }

  get size(): number {
    return this.texts.size;
  }

  clear(): void {
    this.texts.clear();
    this.byKey.clear();
    this.chars = 0;
  }
}

/** A value's preview: its first `chars` (4,000) characters, and a page handle for the rest when there is more. */
export function previewValue(v: Value | undefined, pages: PageStore, key?: string, chars = PREVIEW_CHARS): ValuePreview {
  const text = valueText(v);
  const type = valueTypeName(v);
  if (text.length <= chars) return { type, text, length: text.length };
  return { type, text: text.slice(0, chars), length: text.length, pageRef: pages.put(text, key) };
}

/** Which execution: by its id, or the latest of `flow`/`nodeId` (in `frameId`, when given). */
export interface NodeQuery {
  nodeExecId?: string;
  flow?: string;
  nodeId?: number;
  frameId?: number;
}

/** The record a query names, or undefined. The latest execution is the one recorded last. */
export function findExecution(view: RunView, q: NodeQuery): NodeRecord | undefined {
  if (q.nodeExecId !== undefined) return view.nodes.get(q.nodeExecId);
  let found: NodeRecord | undefined;
  for (const r of view.nodes.values())
    if (r.ref.flow === q.flow && r.ref.nodeId === q.nodeId && (q.frameId === undefined || r.ref.frameId === q.frameId)) found = r;
  return found;
}

/** One execution's detail from the run's record; long values are previewed, their rest kept in `pages`. */
export function nodeDetail(view: RunView, r: NodeRecord, pages: PageStore): NodeDetail {
  const { ref } = r;
  const key = (part: string) => `${ref.nodeExecId}/${part}`;
  return {
    frameId: ref.frameId,
    nodeId: ref.nodeId,
    flow: ref.flow,
    nodeExecId: ref.nodeExecId,
    op: ref.op,
    name: ref.name,
    state: r.state,
    ...(r.startedAt !== undefined ? { startedAt: Math.max(0, r.startedAt - view.startedAt) } : {}),
    ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}),
    ...(r.tokens !== undefined ? { tokens: r.tokens } : {}),
    ...(r.cost !== undefined && !r.unpriced ? { cost: r.cost } : {}),
    inputs: (r.inputs ?? []).map((v, i) => previewValue(v, pages, key(`in${i}`))),
    ...(r.output !== undefined ? { output: previewValue(r.output, pages, key('out')) } : {}),
    ...(r.error ? { error: r.error } : {}),
    ...(r.prompt ? { prompt: r.prompt.map((m, i) => ({ role: m.role, content: previewValue(m.content, pages, key(`prompt${i}`)) })) } : {}),
    ...(r.reply !== undefined ? { reply: previewValue(r.reply, pages, key('reply')) } : {}),
    executions: Math.max(view.executions(ref.flow, ref.nodeId), r.startedAt !== undefined ? 1 : 0),
  };
}
