/**
 * Cancellation without an EventTarget. An AbortController costs ~4 µs to make and its abort ~10 µs
 * (an event and, without a reason, a DOMException); an LLM call used to make two per attempt. Inside
 * the runtime a node and an LLM attempt cancel through this; an AbortSignal is made only where a
 * library needs one (the openai SDK, capability handlers) with `signalOf`.
 */
export interface Cancellation {
  readonly aborted: boolean;
  readonly reason: unknown;
  /** Calls `listener` once when cancelled (at once if it already is); returns the unsubscribe. */
  onAbort(listener: (reason: unknown) => void): () => void;
}

const nothing = (): void => undefined;

export class CancellationSource implements Cancellation {
  aborted = false;
  reason: unknown = undefined;
  private listeners: ((reason: unknown) => void)[] | undefined;

  onAbort(listener: (reason: unknown) => void): () => void {
    if (this.aborted) {
      listener(this.reason);
      return nothing;
    }
    (this.listeners ??= []).push(listener);
    return () => {
      const ls = this.listeners;
      const i = ls ? ls.indexOf(listener) : -1;
      if (ls && i >= 0) ls.splice(i, 1);
    };
  }

  /** Cancels with `reason` (the first abort wins) and tells every listener once. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const ls = this.listeners;
    this.listeners = undefined;
    if (ls) for (const l of ls) l(reason);
  }
}

/** A Cancellation view of an AbortSignal (for callers that hold a signal). */
export function cancellationOf(signal: AbortSignal): Cancellation {
  return {
    get aborted() {
      return signal.aborted;
    },
    get reason(): unknown {
      return signal.reason as unknown;
    },
    onAbort(listener) {
      if (signal.aborted) {
        listener(signal.reason);
        return nothing;
      }
      const l = () => listener(signal.reason);
      signal.addEventListener('abort', l, { once: true });
      return () => signal.removeEventListener('abort', l);
    },
  };
}

/** An AbortSignal that aborts with `c`; `release` detaches it once the signal is no longer needed. */
export function signalOf(c: Cancellation): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const release = c.onAbort((reason) => controller.abort(reason));
  return { signal: controller.signal, release };
}
