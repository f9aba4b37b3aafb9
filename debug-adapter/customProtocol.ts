/**
 * Every custom DAP event and request of the APXM adapter, beside the standard protocol: names and
 * body shapes, shared by the adapter and the extension (which must not guess them). Events and
 * requests are keyed by name in one map each, so a new message is one entry here and the types of
 * both sides follow. Names start with `apxm/` so they never clash with DAP's own.
 */

import type { FrameRef } from '../runtime/events.js';
import type { GraphFlow, ProgramGraph } from '../runtime/query/programGraph.js';
import type { NodeStatusBatch, RunStatusBody } from '../runtime/query/nodeStatus.js';
import type { NodeDetail } from '../runtime/query/nodeDetail.js';
import { CAPABILITY_EVENTS, CAPABILITY_REQUESTS, type CapabilityEvents, type CapabilityRequests } from './protocol/capabilityProtocol.js';
import { MEMORY_REQUESTS, type MemoryRequests } from './protocol/memoryProtocol.js';
import type { TimelineRequests } from './protocol/timelineProtocol.js';
import { INLINE_REQUESTS, type InlineRequests } from './protocol/inlineProtocol.js';
import { STATUS_EVENTS, STATUS_REQUESTS, type StatusEvents, type StatusRequests } from './protocol/statusProtocol.js';

/** How the adapter is hosted: inside the VS Code extension host, as its own process over stdio, or as a TCP server. */
export type AdapterMode = 'inline' | 'process' | 'server';

/** The adapter → client events, by name. */
export interface ApxmEvents extends CapabilityEvents, StatusEvents {
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
  /**
   * Node states since the previous batch, only while a client is subscribed (`apxm/subscribeNodeStatus`).
   * Coalesced: one entry per node execution with its latest state; at most `maxBatchesPerSecond`
   * batches a second, and one more at once when the run stops or ends. Ids, states and timings only,
   * column by column (NodeStatusBatch; `decodeChanges` gives objects).
   */
  'apxm/nodeStatus': NodeStatusBatch;
  /**
   * A frame began (a flow call's callee, a PLAN's generated graph, a loop iteration, a message
   * handler) while subscribed. `graph` is set when the frame runs a graph that is not in
   * `apxm/programGraph` (PLAN's generated graph); otherwise `frame.flow` names a flow that is.
   */
  'apxm/frameStarted': { frame: FrameRef; graph?: GraphFlow };
  /** A frame ended while subscribed. */
  'apxm/frameEnded': { frame: FrameRef; outcome: 'succeeded' | 'failed' | 'cancelled' };
  /** The run's status and running totals while subscribed: on every state change, and with each status batch. */
  'apxm/runStatus': RunStatusBody;
}

// The status and detail shapes are the runtime's query layer's (the runtime never imports the adapter).
export type { NodeState, NodeStatusChange, NodeStatusBatch, RunStatusBody } from '../runtime/query/nodeStatus.js';
export type { ValuePreview, NodeDetail } from '../runtime/query/nodeDetail.js';

/** The client → adapter requests, by name: their arguments and response bodies. */
export interface ApxmRequests extends CapabilityRequests, MemoryRequests, TimelineRequests, StatusRequests, InlineRequests {
  /** Answers the waiting PAUSE `checkpointId` with `text`. Fails (notAvailable) when that PAUSE does not wait. */
  'apxm/answerPause': { arguments: { checkpointId: string; text: string }; body: { checkpointId: string } };
  /** The launched program's graph (runtime/query/programGraph.ts): every flow's nodes, edges, regions and critical path. */
  'apxm/programGraph': { arguments: Record<string, never>; body: ProgramGraph };
  /**
   * Starts `apxm/nodeStatus`, `apxm/frameStarted`, `apxm/frameEnded` and `apxm/runStatus` events
   * for this client. The response holds every node execution known so far and the live frames,
   * so nothing is missed between the snapshot and the first batch. Subscribing again only changes the rate.
   */
  'apxm/subscribeNodeStatus': {
    arguments: { maxBatchesPerSecond?: number };
    body: { snapshot: NodeStatusBatch; frames: FrameRef[]; plans: { frameId: number; graph: GraphFlow }[]; run?: RunStatusBody };
  };
  /** Stops the events `apxm/subscribeNodeStatus` started. */
  'apxm/unsubscribeNodeStatus': { arguments: Record<string, never>; body: Record<string, never> };
  /** One node's detail: by `nodeExecId`, or the latest execution of `flow`/`nodeId` (in `frameId`, when given). */
  'apxm/nodeDetail': { arguments: { nodeExecId?: string; flow?: string; nodeId?: number; frameId?: number }; body: NodeDetail };
  /**
   * While stopped: runs that ready op next and stops again after it (as a step into would). Fails
   * (notAvailable) when the debugger is not stopped or that op is not ready.
   */
  'apxm/runNext': { arguments: { frameId: number; nodeId: number }; body: Record<string, never> };
  /**
   * Continues until that node is about to run (in any frame), then stops there with reason `step`
   * ("run to cursor" for a node); other breakpoints still stop on the way. With `execution` (n ≥ 0),
   * the start that comes once the node has started n times in this run: a loop's later iteration,
   * not the next one (the timeline seeking forward in a replay).
   */
  'apxm/runToNode': { arguments: { flow: string; nodeId: number; execution?: number }; body: Record<string, never> };
  /** A page of a value previewed with a `pageRef`: `length` characters (at most 65,536) from `offset`. */
  'apxm/valuePage': {
    arguments: { pageRef: string; offset: number; length: number };
    body: { text: string; offset: number; total: number };
  };
}

export type ApxmEventName = keyof ApxmEvents;
export type ApxmRequestName = keyof ApxmRequests;

export const APXM_EVENTS: readonly ApxmEventName[] = [
  'apxm/sessionInfo',
  'apxm/pauseWaiting',
  'apxm/pauseDone',
  'apxm/nodeStatus',
  'apxm/frameStarted',
  'apxm/frameEnded',
  'apxm/runStatus',
  ...CAPABILITY_EVENTS,
  ...STATUS_EVENTS,
];
export const APXM_REQUESTS: readonly ApxmRequestName[] = [
  'apxm/answerPause',
  'apxm/programGraph',
  'apxm/subscribeNodeStatus',
  'apxm/unsubscribeNodeStatus',
  'apxm/nodeDetail',
  'apxm/valuePage',
  'apxm/runNext',
  'apxm/runToNode',
  ...CAPABILITY_REQUESTS,
  ...MEMORY_REQUESTS,
  'apxm/timeline',
  ...STATUS_REQUESTS,
  ...INLINE_REQUESTS,
  'apxm/rewind',
];

export const isApxmEvent = (name: string): name is ApxmEventName => (APXM_EVENTS as readonly string[]).includes(name);
