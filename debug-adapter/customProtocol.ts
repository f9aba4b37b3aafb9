/**
 * Every custom DAP event and request of the APXM adapter, beside the standard protocol: names and
 * body shapes, shared by the adapter and the extension (which must not guess them). Events and
 * requests are keyed by name in one map each, so a new message is one entry here and the types of
 * both sides follow. Names start with `apxm/` so they never clash with DAP's own.
 */

import type { ProgramGraph } from '../runtime/query/programGraph.js';

/** How the adapter is hosted: inside the VS Code extension host, as its own process over stdio, or as a TCP server. */
export type AdapterMode = 'inline' | 'process' | 'server';

/** The adapter → client events, by name. */
export interface ApxmEvents {
  /**
   * Once per launch, when the runtime is open: what the session runs on, for the "APXM" output
   * channel. `dbPath` is a path, never a secret; `storageSkipped` says, one line each, why the
   * backends tried before `storageBackend` did not open.
   */
  'apxm/sessionInfo': {
    storageBackend: string;
    storageSkipped: string[];
    dbPath: string;
    adapterMode: AdapterMode;
    nodeVersion: string;
    /** The Node ABI (process.versions.modules) native modules must be built for. */
    nodeAbi: string;
    program: string;
  };
  /** A PAUSE op waits for a human answer (answer with `apxm/answerPause`, or answer("…") in the Debug Console). */
  'apxm/pauseWaiting': {
    checkpointId: string;
    message: string;
    flow: string;
    nodeId: number;
    /** Where the PAUSE is in the source, when it has one. */
    source?: { path: string; line: number };
  };
  /** A waiting PAUSE no longer waits: answered (from anywhere), timed out, or its run ended. */
  'apxm/pauseDone': { checkpointId: string; outcome: 'answered' | 'withdrawn' };
}

/** The client → adapter requests, by name: their arguments and response bodies. */
export interface ApxmRequests {
  /** Answers the waiting PAUSE `checkpointId` with `text`. Fails (notAvailable) when that PAUSE does not wait. */
  'apxm/answerPause': { arguments: { checkpointId: string; text: string }; body: { checkpointId: string } };
  /** The launched program's graph (runtime/query/programGraph.ts): every flow's nodes, edges, regions and critical path. */
  'apxm/programGraph': { arguments: Record<string, never>; body: ProgramGraph };
}

export type ApxmEventName = keyof ApxmEvents;
export type ApxmRequestName = keyof ApxmRequests;

export const APXM_EVENTS: readonly ApxmEventName[] = ['apxm/sessionInfo', 'apxm/pauseWaiting', 'apxm/pauseDone'];
export const APXM_REQUESTS: readonly ApxmRequestName[] = ['apxm/answerPause', 'apxm/programGraph'];

export const isApxmEvent = (name: string): name is ApxmEventName => (APXM_EVENTS as readonly string[]).includes(name);
