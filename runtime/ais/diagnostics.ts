/** Diagnostics of the AIS front end: each says what was expected, what was found, and how to fix it. */
import type { AisRange } from './positions.js';

export type AisDiagnosticCode =
  // lexer
  | 'AIS_UNEXPECTED_CHARACTER'
  | 'AIS_UNTERMINATED_STRING'
  | 'AIS_NEWLINE_IN_STRING'
  | 'AIS_UNTERMINATED_ESCAPE'
  | 'AIS_UNTERMINATED_INTERPOLATION'
  | 'AIS_EMPTY_INTERPOLATION'
  | 'AIS_INVALID_INTERPOLATION'
  | 'AIS_NUMBER_OUT_OF_RANGE'
  | 'AIS_BLOCK_COMMENT'
  | 'AIS_TOO_LARGE'
  // parser
  | 'AIS_EXPECTED_AGENT'
  | 'AIS_EXPECTED_AGENT_ITEM'
  | 'AIS_EXPECTED_TOKEN'
  | 'AIS_UNCLOSED'
  | 'AIS_EXPECTED_NAME'
  | 'AIS_RESERVED_KEYWORD'
  | 'AIS_EXPECTED_TYPE'
  | 'AIS_EXPECTED_STATEMENT'
  | 'AIS_EXPECTED_EXPRESSION'
  | 'AIS_EXPECTED_ENTRY'
  | 'AIS_MULTIPLE_ENTRY'
  | 'AIS_RETURN_TYPE_NEEDS_PARAMS'
  | 'AIS_CALL_TARGET'
  | 'AIS_PIPELINE_STAGE'
  | 'AIS_INVALID_ASSIGNMENT'
  | 'AIS_DUPLICATE_ARGUMENT'
  | 'AIS_CASE_LABEL'
  | 'AIS_UNKNOWN_GOAL_ATTRIBUTE'
  | 'AIS_NO_EFFECT'
  | 'AIS_NESTING_TOO_DEEP'
  | 'AIS_TOO_MANY_ERRORS'
  | 'AIS_INTERNAL'
  // checker and lowering
  | 'AIS_UNDEFINED_VARIABLE'
  | 'AIS_UNKNOWN_CALL'
  | 'AIS_UNKNOWN_FLOW'
  | 'AIS_INVALID_TIER'
  | 'AIS_EMPTY_PROMPT'
  | 'AIS_EMPTY_SWITCH'
  | 'AIS_TYPE_MISMATCH'
  | 'AIS_ARITY'
  | 'AIS_ARGUMENT_OUT_OF_RANGE'
  | 'AIS_UNUSED_BINDING'
  | 'AIS_UNUSED_RESULT'
  | 'AIS_UNREACHABLE'
  | 'AIS_DUPLICATE_AGENT'
  | 'AIS_DUPLICATE_FLOW'
  | 'AIS_NO_ENTRY'
  | 'AIS_UNSUPPORTED'
  | 'AIS_MISSING_ARGUMENT'
  | 'AIS_UNKNOWN_ARGUMENT'
  | 'AIS_DUPLICATE_PARAM'
  | 'AIS_MISSING_RETURN'
  | 'AIS_INVALID_PARAMS'
  | 'AIS_EMPTY_CAPABILITY'
  | 'AIS_INVALID_NAME';

export interface AisDiagnostic {
  severity: 'error' | 'warning';
  code: AisDiagnosticCode;
  message: string;
  range: AisRange;
  hint?: string;
  file?: string;
  /** Other places the message refers to (e.g. where an unclosed '(' was opened). */
  related?: { message: string; range: AisRange }[];
}

/** Past this many, one AIS_TOO_MANY_ERRORS closes the list (binary garbage must not flood a UI). */
export const MAX_DIAGNOSTICS = 100;

/** Collects diagnostics with a cap; shared by the lexer and the parser of one file. */
export class DiagnosticSink {
  readonly items: AisDiagnostic[] = [];
  private capped = false;

  constructor(readonly file?: string) {}

  add(d: Omit<AisDiagnostic, 'file'>): void {
    if (this.capped) return;
    if (this.items.length >= MAX_DIAGNOSTICS) {
      this.capped = true;
      this.items.push({
        severity: 'error',
        code: 'AIS_TOO_MANY_ERRORS',
        file: this.file,
        range: d.range,
        message: `too many problems (more than ${MAX_DIAGNOSTICS}); stopped reporting`,
        hint: 'fix the first ones and check again; is this really an AIS source file?',
      });
      return;
    }
    this.items.push(this.file === undefined ? { ...d } : { ...d, file: this.file });
  }

  error(code: AisDiagnosticCode, message: string, range: AisRange, hint?: string, related?: AisDiagnostic['related']): void {
    this.add({ severity: 'error', code, message, range, ...(hint ? { hint } : {}), ...(related ? { related } : {}) });
  }

  warning(code: AisDiagnosticCode, message: string, range: AisRange, hint?: string): void {
    this.add({ severity: 'warning', code, message, range, ...(hint ? { hint } : {}) });
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }

  /** Diagnostics in source order (lexer and parser findings interleaved). */
  sorted(): AisDiagnostic[] {
    return inSourceOrder(this.items);
  }
}

/** By position (a stable sort keeps the order of findings at one place); the cap's notice last. */
export function inSourceOrder(list: readonly AisDiagnostic[]): AisDiagnostic[] {
  const last = (d: AisDiagnostic) => (d.code === 'AIS_TOO_MANY_ERRORS' ? 1 : 0);
  return [...list].sort((a, b) => last(a) - last(b) || a.range.offset - b.range.offset);
}
