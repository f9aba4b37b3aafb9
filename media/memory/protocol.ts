/**
 * Every message between the extension host's memory panel and the memory page in the webview, typed
 * in one file both sides import. Messages travel as `{ type, body }`. The page reads the adapter
 * through `call`: a request from MEMORY_CALLS with its arguments, answered by `memory/reply` with
 * the same `requestId`; the shapes are the adapter's own (debug-adapter/protocol/memoryProtocol.ts).
 */
import type { ApxmRequests } from '../../debug-adapter/customProtocol.js';

/** The adapter requests the page may make through the host: the memory inspector's, and paging a long value. */
export const MEMORY_CALLS = [
  'apxm/memoryPage',
  'apxm/valuePage',
  'apxm/memoryProvenance',
  'apxm/memorySet',
  'apxm/memoryDelete',
  'apxm/watchKey',
] as const;
export type MemoryCallName = (typeof MEMORY_CALLS)[number];
export type MemoryCalls = Pick<ApxmRequests, MemoryCallName>;

/** The debug session the panel shows, as the page needs to know it. */
export interface SessionView {
  /** The debug session's id: another id is another run, read from the top. */
  id: string;
  name: string;
  /** The session replays a recorded run: memory follows the recording and cannot be edited. */
  replay: boolean;
  /** The debugger is stopped (a breakpoint, a step, Pause): edits can be made. */
  stopped: boolean;
  /** Counts the stops the host has seen in this session: a new one refreshes every tab. */
  stops: number;
}

/** Host → page. */
export interface HostMessages {
  /** The session the panel is bound to (none: no APXM debug session; the page keeps its last rows, read-only) and whether it is stopped. */
  'memory/session': { session?: SessionView };
  /** The answer to a `call`: the adapter's body, or its error message (shown to the user as the adapter wrote it). */
  'memory/reply': { requestId: number; body?: unknown; error?: string };
}

/** Page → host. */
export interface PageMessages {
  /** The page has loaded (first load or after a reload) and wants `memory/session`. */
  ready: Record<string, never>;
  /** An adapter request on the bound session; answered by `memory/reply`. */
  call: { [K in MemoryCallName]: { requestId: number; name: K; args: MemoryCalls[K]['arguments'] } }[MemoryCallName];
  /** Select the op that wrote a key in the program's graph panel (opened if it is not). */
  revealInGraph: { flow: string; nodeId: number };
  /** Open a source file at a line (an AIS line the op came from). */
  openSource: { path: string; line: number };
  /** Something went wrong in the page: logged in the APXM output channel. */
  pageError: { message: string };
}

export type HostMessage = { [K in keyof HostMessages]: { type: K; body: HostMessages[K] } }[keyof HostMessages];
export type PageMessage = { [K in keyof PageMessages]: { type: K; body: PageMessages[K] } }[keyof PageMessages];

/** What the page keeps with `setState` (handed to the serializer after a reload). */
export interface MemoryPageState {
  tab: string;
  /** Per tab: the search box, its mode and the sort. */
  queries?: Record<string, { text: string; mode: 'prefix' | 'words'; sort?: string }>;
  selected?: { tab: string; key: string };
}
