/**
 * The AIS front end in one call: parse → check → lower. The CLI, the runtime's program loader,
 * the language server and the debugger all go through here, so they report the same diagnostics.
 */
import type { Program as AisProgram } from './ast.js';
import type { CallMapping } from './classifyCall.js';
import { checkAis } from './checkAis.js';
import { inSourceOrder, type AisDiagnostic } from './diagnostics.js';
import { lowerAis } from './lowerAis.js';
import { parseAis } from './parser.js';
import { toErrorPlace, type LineMap } from './positions.js';
import type { Token } from './tokens.js';
import { ApxmError } from '../errors.js';
import type { Diagnostic } from '../graph/diagnostics.js';
import type { Program } from '../graph/types.js';

export interface AisCompileOptions {
  /** 'fix' (default): print/exc/communicate are their own ops. 'head': upstream's INV lowering. */
  mapping?: CallMapping;
  /** Capability names known to the host; when given, a call of an unknown name is an error, not a warning. */
  capabilities?: Iterable<string>;
  /** Optimisation level: 0 (default, one node per source operation) or 1 (fuse chains of asks). */
  optimize?: 0 | 1;
  /** Receives the warnings of a source that compiled (loadAisProgram). */
  onWarnings?: (warnings: Diagnostic[]) => void;
}

export interface AisAnalysis {
  ast: AisProgram;
  /** Parser and checker findings, in source order. */
  diagnostics: AisDiagnostic[];
  /** The source's tokens and line index, kept for the language server (it would lex again otherwise). */
  tokens: readonly Token[];
  lines: LineMap;
}

export interface AisCompileResult extends AisAnalysis {
  /** Present when there is no error diagnostic. */
  program?: Program;
}

/** Parses and checks; never throws. What the language server runs on every keystroke. */
export function analyzeAis(source: string, file?: string, options: AisCompileOptions = {}): AisAnalysis {
  const parsed = parseAis(source, file);
  if (parsed.diagnostics.some((d) => d.severity === 'error' && (d.code === 'AIS_TOO_MANY_ERRORS' || d.code === 'AIS_TOO_LARGE')))
    return parsed;
  const checked = checkAis(parsed.ast, { ...options, file });
  return { ...parsed, diagnostics: inSourceOrder([...parsed.diagnostics, ...checked]) };
}

/** Parses, checks and lowers; never throws. */
export function compileAis(source: string, file?: string, options: AisCompileOptions = {}): AisCompileResult {
  const analysis = analyzeAis(source, file, options);
  if (analysis.diagnostics.some((d) => d.severity === 'error')) return analysis;
  const lowered = lowerAis(analysis.ast, { ...options, file });
  const diagnostics = inSourceOrder([...analysis.diagnostics, ...lowered.diagnostics]);
  return {
    ...analysis,
    diagnostics,
    ...(lowered.program && !diagnostics.some((d) => d.severity === 'error') ? { program: lowered.program } : {}),
  };
}

/** Compiles or throws one E_PROGRAM_INVALID error carrying every diagnostic (the runtime's loader). */
export function loadAisProgram(source: string, file?: string, options: AisCompileOptions = {}): Program {
  const r = compileAis(source, file, options);
  const diagnostics = r.diagnostics.map(toDiagnostic);
  if (r.program) {
    if (diagnostics.length) options.onWarnings?.(diagnostics);
    return r.program;
  }
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0] ?? { code: 'E_PROGRAM_INVALID', message: 'the AIS source did not compile', place: { file } };
  throw new ApxmError(
    'E_PROGRAM_INVALID',
    `${first.code}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : ''}`,
    {
      place: first.place,
      hint: first.hint,
      details: { diagnostics },
    },
  );
}

/** The runtime's diagnostic shape (what the CLI prints and the debugger shows). */
export function toDiagnostic(d: AisDiagnostic): Diagnostic {
  return {
    severity: d.severity,
    code: d.code,
    message: d.message,
    place: toErrorPlace(d.range, d.file),
    ...(d.hint ? { hint: d.hint } : {}),
  };
}
