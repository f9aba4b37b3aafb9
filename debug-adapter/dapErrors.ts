/**
 * The `id` of every error the adapter sends (`response.body.error.id`), one per kind of failure,
 * so a client can tell them apart without reading the text. Stable: README lists them.
 */
export const DapErrorId = {
  /** A request's arguments are missing or of the wrong type; the message names the field (`arguments.threadId`). */
  badArguments: 3001,
  /** The program could not be loaded: not found, does not compile, its capabilities or replay failed to open. */
  programLoad: 3002,
  /** The request does not apply now: no run, not stopped on an exception, step back outside a replay, no such source or variable. */
  notAvailable: 3003,
  /** A Debug Console, hover or watch expression failed (unknown name, syntax, a tool call that failed). */
  evaluate: 3004,
  /** A command this adapter does not implement. */
  unsupported: 3005,
  /** A handler failed unexpectedly (a bug): the session goes on serving. */
  internal: 3006,
  /** A message that could not be read (too large, bad header, not JSON): reported in an `output` event's `data`. */
  unreadableMessage: 3007,
} as const;

export type DapErrorIdValue = (typeof DapErrorId)[keyof typeof DapErrorId];

/** A request a handler turns down: the session answers it with this id, message and (when there is one) the runtime's error code. */
export class DapRefusal extends Error {
  constructor(
    readonly id: DapErrorIdValue,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export function refuse(id: DapErrorIdValue, message: string, code?: string): never {
  throw new DapRefusal(id, message, code);
}
