/**
 * The inline values of a stopped frame: each op that has an output, at its source line, with a
 * short preview (what the editor shows beside the AIS line; the Variables view has the whole value).
 */
import type { OpNode } from '../runtime/graph/types.js';
import type { Value } from '../runtime/values/value.js';
import type { InlineValue } from './protocol/inlineProtocol.js';
import { preview } from './variables.js';

/** Characters of an output shown inline. */
export const INLINE_PREVIEW_CHARS = 60;

export function inlineValues(outputs: { node: OpNode | undefined; value: Value }[]): InlineValue[] {
  const values: InlineValue[] = [];
  for (const { node, value } of outputs) {
    const src = node?.source;
    if (!node || !src) continue;
    const text = preview(value, INLINE_PREVIEW_CHARS);
    values.push({
      path: src.file,
      line: src.line,
      column: src.column,
      name: node.name,
      value: text.length > INLINE_PREVIEW_CHARS + 3 ? `${text.slice(0, INLINE_PREVIEW_CHARS)}…` : text,
    });
  }
  return values.sort((a, b) => a.line - b.line || a.column - b.column);
}
