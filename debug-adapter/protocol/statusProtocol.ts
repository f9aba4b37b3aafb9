/**
 * The run status subscription (the VS Code status bar's progress, without the graph's node feed):
 * its request and event, joined into customProtocol.ts's maps.
 */
import type { RunStatusBody } from '../../runtime/query/nodeStatus.js';

export interface StatusEvents {
  /**
   * The run's status while a client is subscribed with `apxm/subscribeRunStatus`: at most
   * `maxPerSecond` a second while it goes, and at once when it stops, goes on, ends, or a new run
   * (restart, step back) starts. Totals only, no per-op state.
   */
  'apxm/runProgress': RunStatusBody;
}

export interface StatusRequests {
  /** Starts `apxm/runProgress` (1 or 2 a second, default 2); the response has the status now, if a run exists. Again: only the rate changes. */
  'apxm/subscribeRunStatus': { arguments: { maxPerSecond?: number }; body: { run?: RunStatusBody } };
  /** Stops `apxm/runProgress`. */
  'apxm/unsubscribeRunStatus': { arguments: Record<string, never>; body: Record<string, never> };
}

export const STATUS_EVENTS = ['apxm/runProgress'] as const;
export const STATUS_REQUESTS = ['apxm/subscribeRunStatus', 'apxm/unsubscribeRunStatus'] as const;
