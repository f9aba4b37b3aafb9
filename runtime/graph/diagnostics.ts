/** Collects every problem of a program, so one load reports all of them. */
import { ApxmError, type ErrorCode, type ErrorPlace } from '../errors.js';
import { unsafeNameProblem } from '../values/terminalSafe.js';

export interface Diagnostic {
  severity: 'error' | 'warning';
  code: ErrorCode;
  message: string;
  place: ErrorPlace;
  hint?: string;
}

export class Diagnostics {
  readonly items: Diagnostic[] = [];
  constructor(readonly file?: string) {}

  error(jsonPath: string, message: string, hint?: string, code: ErrorCode = 'E_PROGRAM_INVALID'): void {
    this.items.push({ severity: 'error', code, message, place: { file: this.file, jsonPath }, hint });
  }

  warning(jsonPath: string, message: string, hint?: string): void {
    this.items.push({ severity: 'warning', code: 'E_PROGRAM_INVALID', message, place: { file: this.file, jsonPath }, hint });
  }

  get errors(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'error');
  }

  /** Throws one ApxmError carrying every error (`details.diagnostics`) when there is any. */
  throwIfErrors(): void {
    const errors = this.errors;
    if (errors.length === 0) return;
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
    throw new ApxmError(first.code, first.message + more, {
      place: first.place,
      hint: first.hint,
      details: { diagnostics: this.items },
    });
  }
}

/** Refuses a name with control or bidirectional characters (it reaches terminals and editors raw); true if refused. */
export function checkName(name: string, what: string, path: string, diags: Diagnostics): boolean {
  const problem = unsafeNameProblem(what, name);
  if (problem) diags.error(path, problem.message, problem.hint);
  return problem !== undefined;
}

/** `$.nodes[3].attributes["template str"]` style paths. */
export function childPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}
