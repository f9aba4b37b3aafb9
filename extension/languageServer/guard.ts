/**
 * Every request handler runs through `guarded`: an exception (a bug in a feature, a tree shape
 * nobody expected) becomes a logged error and an empty reply, never a dead server.
 */
export type Log = (message: string) => void;

export function guarded<P, R>(name: string, log: Log, empty: R, handler: (params: P) => R | Promise<R>): (params: P) => Promise<R> {
  return async (params: P) => {
    try {
      return await handler(params);
    } catch (e) {
      log(`${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return empty;
    }
  };
}

/** The same for notifications and timers: nothing to reply, only to log. */
export function guardedVoid<A extends unknown[]>(name: string, log: Log, fn: (...args: A) => void | Promise<void>): (...args: A) => void {
  return (...args: A) => {
    void guarded<A, void>(name, log, undefined, (a) => fn(...a))(args);
  };
}
