/** The single retry layer's arithmetic: exponential backoff with jitter, honouring Retry-After. */
import type { Cancellation } from '../cancellation.js';
import { ApxmError } from '../errors.js';
import type { RetryPolicy } from './types.js';

/** Delay before retry number `retry` (1-based). A server's Retry-After wins when it is longer. */
export function backoffDelay(retry: number, policy: RetryPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retry - 1));
  const jittered = base * (1 + policy.jitter * (2 * random() - 1));
  const delay = Math.max(0, Math.round(jittered));
  return retryAfterMs !== undefined ? Math.min(policy.maxDelayMs, Math.max(delay, retryAfterMs)) : delay;
}

/** Parses an HTTP Retry-After (seconds or an HTTP date) or retry-after-ms header. */
export function parseRetryAfter(value: string | null | undefined, valueMs?: string | null, now = Date.now()): number | undefined {
  if (valueMs && Number.isFinite(Number(valueMs))) return Math.max(0, Number(valueMs));
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** Sleeps, waking early with E_CANCELLED when `cancel` fires. */
export function sleep(ms: number, cancel?: Cancellation): Promise<void> {
  return new Promise((resolve, reject) => {
    if (cancel?.aborted) return reject(cancelled());
    const timer = setTimeout(() => {
      detach?.();
      resolve();
    }, ms);
    const detach = cancel?.onAbort(() => {
      clearTimeout(timer);
      reject(cancelled());
    });
  });
}

export function cancelled(): ApxmError {
  return new ApxmError('E_CANCELLED', 'the LLM call was cancelled');
}
