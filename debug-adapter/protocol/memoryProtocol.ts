/**
 * The memory inspector's custom requests (joined into customProtocol.ts's ApxmRequests). Pages and
 * provenance are the runtime's query shapes (runtime/query/memoryPages.ts); long values are read
 * with `apxm/valuePage`.
 */
import type { MemoryPage, MemoryPageQuery, MemoryProvenance, MemoryRow, MemoryTab } from '../../runtime/query/memoryPages.js';

export type {
  MemoryPage,
  MemoryPageQuery,
  MemoryProvenance,
  MemoryRow,
  MemoryTab,
  MemoryWrite,
  MemorySort,
} from '../../runtime/query/memoryPages.js';

/** Tabs whose values can be set while stopped (as the Variables view's setVariable does). */
export type EditableTab = 'stm' | 'beliefs';
/** Tabs a key can be deleted from while stopped. */
export type DeletableTab = 'stm' | 'ltm' | 'beliefs';

export interface MemoryRequests {
  /**
   * One page of a tab: at most 500 rows from `offset`, with the listing's total. `prefix` keeps keys
   * starting with it (episodic: event types); `search` is words (LTM: the full-text index, best
   * first, at most 1,000 hits); `sort` is `key` or `updated`. Each row says whether it changed since
   * the previous stop. Works while running, stopped, after the end, and in a replay.
   */
  'apxm/memoryPage': { arguments: MemoryPageQuery; body: MemoryPage };
  /** Which ops wrote a key and when, newest first (STM: this run; LTM: any run in the database; beliefs and goals: the AAM log). */
  'apxm/memoryProvenance': { arguments: { tab: MemoryTab; key: string; limit?: number }; body: MemoryProvenance };
  /**
   * While stopped (not in a replay): sets an STM value or a belief to `value`, typed as in the
   * Variables view (JSON, else bare text as a string). Fails (notAvailable) while running, after the
   * end and in a replay; (badArguments) for a value nested too deep.
   */
  'apxm/memorySet': { arguments: { tab: EditableTab; key: string; value: string }; body: { row: MemoryRow } };
  /** While stopped (not in a replay): deletes a key from STM, LTM or the beliefs. `deleted` is false when there was no such key. */
  'apxm/memoryDelete': { arguments: { tab: DeletableTab; key: string }; body: { deleted: boolean } };
  /**
   * "Watch this key": adds (or with `watch: false` removes) a data breakpoint on an STM or LTM key,
   * kept beside the ones the Breakpoints view sets (VS Code 1.91 has no API to add a data
   * breakpoint). `watching` lists every key watched this way, as `tier:key`.
   */
  'apxm/watchKey': {
    arguments: { tier: 'stm' | 'ltm'; key: string; watch: boolean; accessType?: 'read' | 'write' | 'readWrite' };
    body: { dataId: string; watching: string[] };
  };
}

export const MEMORY_REQUESTS: readonly (keyof MemoryRequests)[] = [
  'apxm/memoryPage',
  'apxm/memoryProvenance',
  'apxm/memorySet',
  'apxm/memoryDelete',
  'apxm/watchKey',
];
