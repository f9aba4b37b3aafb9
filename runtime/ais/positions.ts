/**
 * Source positions of AIS text. Lines and columns are 1-based; columns count UTF-16 code units
 * (what editors and the Debug Adapter Protocol use). Ends are exclusive: `endColumn` is the column
 * just after the last character, `endOffset` the offset just after it.
 */
import type { ErrorPlace } from '../errors.js';
import type { SourceRange } from '../graph/types.js';

export interface AisRange {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** 0-based UTF-16 offsets into the source text. */
  offset: number;
  endOffset: number;
}

/** Maps offsets to line/column. Line breaks are `\r\n`, `\n` or a lone `\r`. */
export class LineMap {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      } else if (c === 10 /* \n */) {
        this.starts.push(i + 1);
      }
    }
  }

  position(offset: number): { line: number; column: number } {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - this.starts[lo] + 1 };
  }

  range(offset: number, endOffset: number): AisRange {
    const a = this.position(offset);
    const b = this.position(endOffset);
    return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column, offset, endOffset };
  }
}

/** The range from the start of `a` to the end of `b`. */
export function span(a: AisRange, b: AisRange): AisRange {
  return { line: a.line, column: a.column, endLine: b.endLine, endColumn: b.endColumn, offset: a.offset, endOffset: b.endOffset };
}

/** An empty range at the start of `r` (for "missing X here" diagnostics). */
export function startOf(r: AisRange): AisRange {
  return { line: r.line, column: r.column, endLine: r.line, endColumn: r.column, offset: r.offset, endOffset: r.offset };
}

/** An empty range at the end of `r` (where a missing token belongs). */
export function endOf(r: AisRange): AisRange {
  return { line: r.endLine, column: r.endColumn, endLine: r.endLine, endColumn: r.endColumn, offset: r.endOffset, endOffset: r.endOffset };
}

/** `3:9` — how messages refer to a position. */
export function formatPosition(r: AisRange): string {
  return `${r.line}:${r.column}`;
}

/** The graph model's source reference for a node lowered from `r`. */
export function toSourceRange(r: AisRange, file: string): SourceRange {
  return { file, line: r.line, column: r.column, endLine: r.endLine, endColumn: r.endColumn };
}

/** The shape errors carry (`ApxmError.place`). */
export function toErrorPlace(r: AisRange, file?: string): ErrorPlace {
  return { file, line: r.line, column: r.column, endLine: r.endLine, endColumn: r.endColumn };
}
