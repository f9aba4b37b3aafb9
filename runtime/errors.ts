/**
 * Errors are values with stable codes: every user-facing failure says what went wrong, where
 * (file:line:col or a JSON path) and how to fix it. The CLI, the language server and the debugger
 * all show the same object.
 */
import { terminalSafe } from './values/terminalSafe.js';

export type ErrorCode =
  // AIS source diagnostics (runtime/ais/diagnostics.ts lists them)
  | `AIS_${string}`
  // program loading and validation
  | 'E_PROGRAM_READ'
  | 'E_PROGRAM_PARSE'
  | 'E_PROGRAM_INVALID'
  | 'E_PROGRAM_CYCLE'
  | 'E_PROGRAM_UNSUPPORTED'
  // arguments
  | 'E_ARG_MISSING'
  | 'E_ARG_UNKNOWN'
  // node execution
  | 'E_ATTRIBUTE'
  | 'E_INPUT'
  | 'E_OP_FAILED'
  | 'E_OP_NOT_SUPPORTED'
  | 'E_USER_ERROR'
  | 'E_GUARD_HALT'
  | 'E_TIMEOUT'
  | 'E_CANCELLED'
  | 'E_DEADLOCK'
  | 'E_BUDGET_EXCEEDED'
  | 'E_FLOW_NOT_FOUND'
  | 'E_FLOW_DEPTH'
  // LLM
  | 'E_LLM_HTTP'
  | 'E_LLM_RATE_LIMITED'
  | 'E_LLM_TIMEOUT'
  | 'E_LLM_NETWORK'
  | 'E_LLM_AUTH'
  | 'E_LLM_BAD_REPLY'
  | 'E_LLM_SCHEMA'
  | 'E_LLM_CONFIG'
  // capabilities
  | 'E_CAPABILITY_NOT_FOUND'
  | 'E_CAPABILITY_DUPLICATE'
  | 'E_CAPABILITY_INVALID'
  | 'E_CAPABILITY_ARGS'
  | 'E_CAPABILITY_FAILED'
  | 'E_CAPABILITY_MODULE'
  | 'E_MCP'
  | 'E_SANDBOX'
  // memory and storage
  | 'E_MEMORY_TIER'
  | 'E_MEMORY'
  | 'E_STORAGE'
  | 'E_RUN_BUSY'
  // coordination
  | 'E_HUMAN_INPUT'
  | 'E_QUEUE_EMPTY'
  | 'E_COMMUNICATE'
  // runs, recordings and replay
  | 'E_RUN_NOT_FOUND'
  | 'E_RUN_STATE'
  | 'E_TRACE_FILE'
  | 'E_REPLAY_DIVERGED'
  // the command line and configuration files
  | 'E_USAGE'
  | 'E_OPTION'
  | 'E_CONFIG'
  // the debugger's expressions and requests
  | 'E_EXPRESSION'
  | 'E_DEBUG_STATE'
  | 'E_DISPOSED';

/** Where an error is: a source position, a JSON path, or both. */
export interface ErrorPlace {
  file?: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  /** JSONPath-like location inside a JSON program, e.g. `$.nodes[3].attributes.template_str`. */
  jsonPath?: string;
}

export interface ApxmErrorOptions {
  place?: ErrorPlace;
  hint?: string;
  nodeId?: number;
  op?: string;
  /** Transient errors are retried by the scheduler's single retry layer; others never are. */
  retryable?: boolean;
  /** Server-suggested delay before a retry (HTTP Retry-After), in milliseconds. */
  retryAfterMs?: number;
  /** Extra structured detail (HTTP status, prompt, reply...) for the debugger's exceptionInfo. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class ApxmError extends Error {
  readonly code: ErrorCode;
  readonly place?: ErrorPlace;
  readonly hint?: string;
  readonly nodeId?: number;
  readonly op?: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: ApxmErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApxmError';
    this.code = code;
    this.place = options.place;
    this.hint = options.hint;
    this.nodeId = options.nodeId;
    this.op = options.op;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
  }

  /** A copy that also names the node and op it happened in (kept if already set). */
  atNode(nodeId: number, op: string, place?: ErrorPlace): ApxmError {
    if (this.nodeId !== undefined) return this;
    return new ApxmError(this.code, this.message, {
      place: this.place ?? place,
      hint: this.hint,
      nodeId,
      op,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      details: this.details,
      cause: this.cause,
    });
  }

  toJSON(): SerializedError {
    return serializeError(this);
  }
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
  place?: ErrorPlace;
  hint?: string;
  nodeId?: number;
  op?: string;
  details?: Record<string, unknown>;
}

/** Any thrown thing as an ApxmError (unknown errors become E_OP_FAILED with their message). */
export function asApxmError(e: unknown, fallback: ErrorCode = 'E_OP_FAILED'): ApxmError {
  if (e instanceof ApxmError) return e;
  if (e instanceof Error) {
    if (e.name === 'AbortError') return new ApxmError('E_CANCELLED', e.message || 'cancelled', { cause: e });
    return new ApxmError(fallback, e.message, { cause: e });
  }
  return new ApxmError(fallback, String(e));
}

export function serializeError(e: ApxmError): SerializedError {
  const out: SerializedError = { code: e.code, message: e.message };
  if (e.place) out.place = e.place;
  if (e.hint) out.hint = e.hint;
  if (e.nodeId !== undefined) out.nodeId = e.nodeId;
  if (e.op) out.op = e.op;
  if (e.details) out.details = e.details;
  return out;
}

/**
 * One line: `file:line:col: [CODE] message (hint)` — what the CLI prints and the debugger shows.
 * Messages quote program text (names, values, replies): control and bidirectional characters are
 * escaped so the text cannot drive the terminal; line breaks inside message and hint stay.
 */
export function formatError(e: ApxmError | SerializedError, severity: 'error' | 'warning' = 'error'): string {
  const place = e.place && {
    ...e.place,
    file: e.place.file && shortened(e.place.file),
    jsonPath: e.place.jsonPath && shortened(e.place.jsonPath),
  };
  const where = terminalSafe(formatPlace(place));
  const node = e.nodeId !== undefined ? ` node ${e.nodeId}${e.op ? ` (${terminalSafe(shortened(e.op))})` : ''}:` : '';
  const hint = e.hint ? `\n  fix: ${terminalSafe(shortened(e.hint), true)}` : '';
  return `${where ? where + ': ' : ''}${severity}[${terminalSafe(e.code)}]${node} ${terminalSafe(shortened(e.message), true)}${hint}`;
}

/** Longest message, hint or place shown in one formatted error (`--json` keeps them whole). */
export const MAX_SHOWN_TEXT = 4096;

// Messages quote program text: a 10 MB name in one would print 10 MB per diagnostic.
function shortened(text: string): string {
  if (text.length <= MAX_SHOWN_TEXT) return text;
  const end = /[\ud800-\udbff]/.test(text[MAX_SHOWN_TEXT - 1]!) ? MAX_SHOWN_TEXT - 1 : MAX_SHOWN_TEXT;
  return `${text.slice(0, end)}… (${text.length - end} more characters)`;
}

export function formatPlace(p: ErrorPlace | undefined): string {
  if (!p) return '';
  const parts: string[] = [];
  if (p.file) parts.push(p.file + (p.line !== undefined ? `:${p.line}` + (p.column !== undefined ? `:${p.column}` : '') : ''));
  if (p.jsonPath) parts.push(p.jsonPath);
  return parts.join(' ');
}
