/**
 * The live status of a run as a graph view shows it: per node execution its state and timings,
 * and the run's state and running totals. Ids, states and timings only — never values (those are
 * read one node at a time, nodeDetail.ts). The debug adapter sends these as its `apxm/nodeStatus`
 * and `apxm/runStatus` events.
 */

/** What the graph shows of a node execution. `replayed`: its output came from a recording, not a new run. */
export type NodeState = 'pending' | 'ready' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'replayed';

export interface NodeStatusChange {
  /** The frame the node ran in (loop iterations and flow calls have frames of their own; see `apxm/frameStarted`). */
  frameId: number;
  nodeId: number;
  /** `Agent.flow` of the frame. */
  flow: string;
  state: NodeState;
  /** Milliseconds since the run started. */
  startedAt?: number;
  durationMs?: number;
  tokens?: number;
}

export interface NodeStatusBatch {
  runId: string;
  /** Increases by one per batch of a run, so a client can tell a lost or reordered batch. */
  seq: number;
  changes: NodeStatusChange[];
}

export interface RunStatusBody {
  runId: string;
  state: 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled';
  /** Where the debugger stopped, while `paused`. */
  stoppedAt?: { frameId: number; nodeId: number; flow: string };
  /** While `paused`: the ready ops, any of which `apxm/runNext` can run next. */
  ready?: { frameId: number; nodeId: number; flow: string }[];
  stats: {
    nodesTotal: number;
    nodesDone: number;
    nodesFailed: number;
    nodesSkipped: number;
    running: number;
    llmCalls: number;
    tokens: number;
    elapsedMs: number;
  };
}
