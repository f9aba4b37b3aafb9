/**
 * The memory page's read-only test hook, `window.__apxmMemory` (media/memory/main.ts): what the page
 * tests and the workbench scenario read. One shape, so a renamed field fails to compile on both sides.
 */

/** A row drawn in the table (only the rows in view are in the DOM). */
export interface HookRow {
  index: number;
  key: string;
  value: string;
  updated: string;
  changed: boolean;
  /** The changed row's marker: its accessible name (none on an unchanged row). */
  marker?: string;
}

export interface MemoryHookState {
  tab: string;
  /** Rows in the tab's listing (undefined until its first page). */
  total: number | undefined;
  /** Row elements in the DOM now. */
  rowsInDom: number;
  /** Rows the page holds in memory (fetched pages). */
  rowsHeld: number;
  rows: HookRow[];
  session?: { name: string; stopped: boolean; replay: boolean; stops: number };
  selected?: string;
  /** The detail pane: the selected key's whole value as loaded so far, and its provenance lines. */
  detail?: { key: string; value: string; complete: boolean; writes: string[]; note?: string };
  /** A message shown inline (a refused edit, a failed request). */
  error?: string;
}

export interface MemoryTestHook {
  /** Counts messages handled: a test waits for it to move. */
  readonly version: number;
  state(): MemoryHookState;
}
