/**
 * The run status subscription (the VS Code status bar's progress, without the graph's node feed):
 * its request and event, joined into customProtocol.ts's maps.
 */
import type { FlowTotalsBody } from '../../runtime/query/flowTotals.js';
import type { RunStatusBody } from '../../runtime/query/nodeStatus.js';

export interface StatusEvents {
  /**
   * The run's status while a client is subscribed with `apxm/subscribeRunStatus`: at most
   * `maxPerSecond` a second while it goes, and at once when it stops, goes on, ends, or a new run
   * (restart, step back) starts. Totals only, no per-op state.
   */
  'apxm/runProgress': RunStatusBody;
  /**
   * When a run ends, to a client subscribed with `flowTotals: true`: per flow its calls, latency
   * (time held by the debugger left out), tokens and cost, callees included (the editor's CodeLens).
   */
  'apxm/flowTotals': FlowTotalsBody;
}

export interface StatusRequests {
  /** Starts `apxm/runProgress` (1 or 2 a second, default 2); the response has the status now, if a run exists. Again: only the rate changes. */
  'apxm/subscribeRunStatus': { arguments: { maxPerSecond?: number; flowTotals?: boolean }; body: { run?: RunStatusBody } };
  /** Stops `apxm/runProgress`. */
  'apxm/unsubscribeRunStatus': { arguments: Record<string, never>; body: Record<string, never> };
}

export const STATUS_EVENTS = ['apxm/runProgress', 'apxm/flowTotals'] as const;
export const STATUS_REQUESTS = ['apxm/subscribeRunStatus', 'apxm/unsubscribeRunStatus'] as const;
