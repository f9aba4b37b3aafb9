/**
 * Folding ranges: agents, flows and `on` handlers, blocks (if/else, loop, try/catch, switch,
 * parallel), `memory`/`beliefs`/`goals` blocks, block comments and runs of `//` lines.
 * A range ending in `}` stops on the line before it, so the brace stays visible when folded.
 */
import { FoldingRangeKind, type FoldingRange } from 'vscode-languageserver';
import type { AisRange } from '../../runtime/ais/positions.js';
import { isKeyword, isPunct } from '../../runtime/ais/tokens.js';
import type { AnalyzedDocument } from './analyzedDocument.js';
import { bodiesOf, forEachStatement, nestedBlocks } from './astWalk.js';

const ITEM_BLOCKS = ['memory', 'beliefs', 'goals'];

export function foldingRanges(doc: AnalyzedDocument): FoldingRange[] {
  const out: FoldingRange[] = [];
  const addLines = (startLine: number, endLine: number, kind?: FoldingRangeKind): void => {
    if (endLine > startLine) out.push({ startLine, endLine, ...(kind ? { kind } : {}) });
  };
  const add = (r: AisRange, kind?: FoldingRangeKind): void => {
    const closesWithBrace = r.endOffset > 0 && doc.text[r.endOffset - 1] === '}';
    addLines(r.line - 1, r.endLine - 1 - (closesWithBrace ? 1 : 0), kind);
  };
  for (const agent of doc.ast.agents) {
    add(agent.range);
    for (const body of bodiesOf(agent)) {
      add(body.range);
      forEachStatement(body.body, (s) => {
        if (s.kind === 'Switch') add(s.range);
        else for (const b of nestedBlocks(s)) for (const r of b.ranges) add(r);
      });
    }
  }
  itemBlocks(doc, add);
  comments(doc, add, addLines);
  return uniqueByStartLine(out);
}

/** `memory { ... }`, `beliefs { ... }`, `goals { ... }`: the tree keeps their entries, not the braces. */
function itemBlocks(doc: AnalyzedDocument, add: (r: AisRange) => void): void {
  const tokens = doc.tokens;
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (!ITEM_BLOCKS.some((k) => isKeyword(tokens[i], k)) || !isPunct(tokens[i + 1], '{')) continue;
    let depth = 0;
    for (let j = i + 1; j < tokens.length; j++) {
      if (isPunct(tokens[j], '{')) depth++;
      else if (isPunct(tokens[j], '}') && --depth === 0) {
        add(doc.lines.range(tokens[i].range.offset, tokens[j].range.endOffset));
        break;
      }
    }
  }
}

type AddLines = (startLine: number, endLine: number, kind?: FoldingRangeKind) => void;

function comments(doc: AnalyzedDocument, add: (r: AisRange, kind?: FoldingRangeKind) => void, addLines: AddLines): void {
  // AIS has no block comments, but the lexer reports each one with its extent: fold it all the same.
  for (const d of doc.diagnostics) if (d.code === 'AIS_BLOCK_COMMENT') add(d.range, FoldingRangeKind.Comment);
  const lines = doc.text.split(/\r\n|\r|\n/);
  let runStart = -1;
  for (let i = 0; i <= lines.length; i++) {
    const isComment = i < lines.length && /^\s*\/\//.test(lines[i]);
    if (isComment && runStart < 0) runStart = i;
    if (!isComment && runStart >= 0) {
      addLines(runStart, i - 1, FoldingRangeKind.Comment);
      runStart = -1;
    }
  }
}

function uniqueByStartLine(ranges: FoldingRange[]): FoldingRange[] {
  const byStart = new Map<number, FoldingRange>();
  for (const r of ranges) if (!byStart.has(r.startLine)) byStart.set(r.startLine, r);
  return [...byStart.values()].sort((a, b) => a.startLine - b.startLine);
}
