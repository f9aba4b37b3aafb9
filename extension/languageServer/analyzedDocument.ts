/**
 * One analysed version of an AIS document: the text, the syntax tree and the diagnostics of
 * `analyzeAis`, plus the line index every feature needs to turn offsets into LSP positions.
 * Features are pure functions of an AnalyzedDocument and an offset, so they test without a server.
 */
import type { Range as LspRange } from 'vscode-languageserver';
import type { Program } from '../../runtime/ais/ast.js';
import { analyzeAis } from '../../runtime/ais/compileAis.js';
import type { AisDiagnostic } from '../../runtime/ais/diagnostics.js';
import type { AisRange, LineMap } from '../../runtime/ais/positions.js';
import type { Token } from '../../runtime/ais/tokens.js';

export interface AnalyzedDocument {
  text: string;
  ast: Program;
  diagnostics: AisDiagnostic[];
  lines: LineMap;
  /** The parser's tokens (ending with 'eof'): completion, signature help and folding read them instead of lexing again. */
  tokens: readonly Token[];
  /** The file path (for messages and for finding `apxm.capabilities.mjs`), when the URI is a file. */
  file?: string;
}

export function analyzeDocument(text: string, file?: string): AnalyzedDocument {
  const { ast, diagnostics, lines, tokens } = analyzeAis(text, file);
  return { text, ast, diagnostics, lines, tokens, ...(file !== undefined ? { file } : {}) };
}

/** AIS ranges are 1-based with exclusive ends; LSP ranges are 0-based with exclusive ends. */
export function toLspRange(r: AisRange): LspRange {
  return {
    start: { line: Math.max(0, r.line - 1), character: Math.max(0, r.column - 1) },
    end: { line: Math.max(0, r.endLine - 1), character: Math.max(0, r.endColumn - 1) },
  };
}

/** The LSP range between two offsets of `doc`. */
export function offsetsToLspRange(doc: AnalyzedDocument, offset: number, endOffset: number): LspRange {
  return toLspRange(doc.lines.range(offset, endOffset));
}

/** Whether `offset` touches `r` (an end-inclusive test, so a cursor just after a name is on it). */
export function touches(r: AisRange, offset: number): boolean {
  return offset >= r.offset && offset <= r.endOffset;
}
