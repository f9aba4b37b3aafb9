/**
 * The capability explorer's custom requests and event (joined into customProtocol.ts). Shapes are
 * the runtime's query layer's (runtime/query/capabilityCatalog.ts, capabilityInvoke.ts).
 */
import type { CapabilityCatalog, CapabilityStatsEntry } from '../../runtime/query/capabilityCatalog.js';
import type { InvokeOutcome } from '../../runtime/query/capabilityInvoke.js';
import type { Value } from '../../runtime/values/value.js';

export type {
  CapabilityCatalog,
  CapabilityOrigin,
  CapabilityStatsEntry,
  CatalogCapability,
  CatalogProblem,
} from '../../runtime/query/capabilityCatalog.js';
export type { InvokeError, InvokeOutcome } from '../../runtime/query/capabilityInvoke.js';

export interface CapabilityEvents {
  /**
   * Calls counted since the previous event, while a client is subscribed (`apxm/capabilities`
   * with `subscribe: true`): each changed capability's totals this session. At most 4 a second.
   * `catalogChanged`: capabilities were registered or removed (ask `apxm/capabilities` again).
   */
  'apxm/capabilityStats': { stats: Record<string, CapabilityStatsEntry>; catalogChanged?: boolean };
}

export interface CapabilityRequests {
  /**
   * What the session's runtime has registered, each capability with its origin, schema and this
   * session's call stats. `subscribe: true` starts `apxm/capabilityStats` events, `false` stops them.
   */
  'apxm/capabilities': { arguments: { subscribe?: boolean }; body: CapabilityCatalog };
  /**
   * Calls one capability in the session's runtime (not as a run's op: the run's trace does not
   * record it; the session's stats count it, apart as `invoked`). `params` are checked against its schema first: a mismatch is an `error`
   * naming the JSON path (`$.params.version`) and the fix, and nothing is called.
   */
  'apxm/invokeCapability': { arguments: { name: string; params: { [key: string]: Value } }; body: InvokeOutcome };
}

export const CAPABILITY_EVENTS = ['apxm/capabilityStats'] as const;
export const CAPABILITY_REQUESTS = ['apxm/capabilities', 'apxm/invokeCapability'] as const;
