/** Inline values while stopped (VS Code's InlineValuesProvider for AIS): the request, joined into customProtocol.ts. */

/** One op of the stopped frame that has an output, at its place in the source. */
export interface InlineValue {
  /** The source file the op was written in. */
  path: string;
  /** 1-based line and column of the op. */
  line: number;
  column: number;
  /** The op's name (its `-> name` binding in AIS). */
  name: string;
  /** A one-line preview of its output, cut at 60 characters. */
  value: string;
}

export interface InlineRequests {
  /**
   * While stopped: the outputs of the ops of stack frame `frameId` (a DAP frame id from stackTrace)
   * that ran in it so far, where their source is known; none for an unknown frame or a program
   * without source (JSON).
   */
  'apxm/inlineValues': { arguments: { frameId: number }; body: { values: InlineValue[] } };
}

export const INLINE_REQUESTS = ['apxm/inlineValues'] as const;
