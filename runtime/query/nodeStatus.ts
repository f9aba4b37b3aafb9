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

/**
 * One change as it travels: `[frameId, nodeId, flow, state, startedAt, durationMs, tokens]` by
 * position, `flow` an index into its batch's `flows`; the timings are null when unknown and
 * trailing ones are left out. Positional because a batch carries thousands of these while a
 * run streams: a third of the bytes of the same changes as objects (decode with `decodeChanges`).
 */
export type NodeStatusEntry = [
  frameId: number,
  nodeId: number,
  flow: number,
  state: NodeState,
  startedAt?: number | null,
  durationMs?: number | null,
  tokens?: number,
];

export interface NodeStatusBatch {
  runId: string;
  /** Increases by one per batch of a run, so a client can tell a lost or reordered batch. */
  seq: number;
  /** The flows (`Agent.flow`) the entries name, by index. */
  flows: string[];
  changes: NodeStatusEntry[];
}

/** Builds a batch's `flows` and `changes` one change at a time. */
export class NodeStatusEncoder {
  readonly flows: string[] = [];
  readonly changes: NodeStatusEntry[] = [];
  private readonly flowIndex = new Map<string, number>();

  add(frameId: number, nodeId: number, flow: string, state: NodeState, startedAt?: number, durationMs?: number, tokens?: number): void {
    let f = this.flowIndex.get(flow);
    if (f === undefined) {
      f = this.flows.push(flow) - 1;
      this.flowIndex.set(flow, f);
    }
    const e: NodeStatusEntry = [frameId, nodeId, f, state];
    if (tokens) e.push(startedAt ?? null, durationMs ?? null, tokens);
    else if (durationMs !== undefined) e.push(startedAt ?? null, durationMs);
    else if (startedAt !== undefined) e.push(startedAt);
    this.changes.push(e);
  }
}

/** Changes as objects, encoded for a batch. */
export function encodeChanges(changes: Iterable<NodeStatusChange>): Pick<NodeStatusBatch, 'flows' | 'changes'> {
  const enc = new NodeStatusEncoder();
  for (const c of changes) enc.add(c.frameId, c.nodeId, c.flow, c.state, c.startedAt, c.durationMs, c.tokens);
  return { flows: enc.flows, changes: enc.changes };
}

/** A batch with its changes as objects. */
export function decodeBatch(batch: NodeStatusBatch): { runId: string; seq: number; changes: NodeStatusChange[] } {
  return { runId: batch.runId, seq: batch.seq, changes: decodeChanges(batch) };
}

/** A batch's changes as objects. */
export function decodeChanges(batch: Pick<NodeStatusBatch, 'flows' | 'changes'>): NodeStatusChange[] {
  return batch.changes.map(([frameId, nodeId, f, state, startedAt, durationMs, tokens]) => {
    const c: NodeStatusChange = { frameId, nodeId, flow: batch.flows[f] ?? '', state };
    if (startedAt !== undefined && startedAt !== null) c.startedAt = startedAt;
    if (durationMs !== undefined && durationMs !== null) c.durationMs = durationMs;
    if (tokens !== undefined) c.tokens = tokens;
    return c;
  });
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
    /** US dollars by the price table; absent when a call's model had no price. */
    cost?: number;
    elapsedMs: number;
  };
}
