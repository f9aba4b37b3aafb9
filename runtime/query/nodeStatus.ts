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
  /** US dollars of its LLM calls; absent when it made none, or one was of a model without a price. */
  cost?: number;
}

/** Each state as one letter on the wire (`NodeStatusBatch.state`). */
const STATE_LETTER: Record<NodeState, string> = {
  pending: 'p',
  ready: 'r',
  running: 'R',
  succeeded: 's',
  failed: 'f',
  skipped: 'k',
  cancelled: 'c',
  replayed: 'y',
};
const LETTER_STATE = Object.fromEntries(Object.entries(STATE_LETTER).map(([state, letter]) => [letter, state])) as Record<
  string,
  NodeState
>;

/**
 * A batch of changes as it travels: column by column, each column one entry per change, so a
 * batch of thousands is a few flat arrays of integers (the cheapest JSON to write and to parse:
 * a run streams these while it runs, and a stop sends every change since the last batch at once).
 * Decode with `decodeChanges`.
 */
export interface NodeStatusBatch {
  runId: string;
  /** Increases by one per batch of a run, so a client can tell a lost or reordered batch. */
  seq: number;
  /** The flows (`Agent.flow`) that `flow` indexes. */
  flows: string[];
  /** Per change: its frame id. */
  frame: number[];
  /** Per change: its node id. */
  node: number[];
  /** Per change: its flow, an index into `flows`. */
  flow: number[];
  /** Per change: its state, one letter each: p pending, r ready, R running, s succeeded, f failed, k skipped, c cancelled, y replayed. */
  state: string;
  /** Per change: milliseconds from the run's start to the node's, -1 when unknown; left out when no change has one. */
  start?: number[];
  /** Per change: the node's duration in microseconds, -1 when unknown; left out when no change has one. */
  dur?: number[];
  /** Per change: its tokens, 0 when none; left out when no change has any. */
  tokens?: number[];
  /** Per change: its cost in millionths of a US dollar (rounded up: a call that cost anything shows), -1 when none; left out when no change has one. */
  cost?: number[];
}

/** The changes of a batch, without its run id and sequence number. */
export type NodeStatusColumns = Omit<NodeStatusBatch, 'runId' | 'seq'>;

/** Builds a batch's columns one change at a time. */
export class NodeStatusEncoder {
  private readonly flows: string[] = [];
  private readonly flowIndex = new Map<string, number>();
  private readonly frame: number[] = [];
  private readonly node: number[] = [];
  private readonly flow: number[] = [];
  private state = '';
  private readonly start: number[] = [];
  private readonly dur: number[] = [];
  private readonly tokens: number[] = [];
  private readonly cost: number[] = [];
  private hasStart = false;
  private hasDur = false;
  private hasTokens = false;
  private hasCost = false;

  /** `startedAt` in milliseconds since the run started, `durationMs` in milliseconds (sent to the microsecond), `cost` in US dollars. */
  add(
    frameId: number,
    nodeId: number,
    flow: string,
    state: NodeState,
    startedAt?: number,
    durationMs?: number,
    tokens?: number,
    cost?: number,
  ): void {
    let f = this.flowIndex.get(flow);
    if (f === undefined) {
      f = this.flows.push(flow) - 1;
      this.flowIndex.set(flow, f);
    }
    this.frame.push(frameId);
    this.node.push(nodeId);
    this.flow.push(f);
    this.state += STATE_LETTER[state];
    if (startedAt !== undefined) this.hasStart = true;
    this.start.push(startedAt === undefined ? -1 : Math.round(startedAt));
    if (durationMs !== undefined) this.hasDur = true;
    this.dur.push(durationMs === undefined ? -1 : Math.round(durationMs * 1000));
    if (tokens) this.hasTokens = true;
    this.tokens.push(tokens ?? 0);
    if (cost !== undefined) this.hasCost = true;
    this.cost.push(cost === undefined ? -1 : Math.max(0, Math.ceil(cost * 1e6 - 1e-9)));
  }

  columns(): NodeStatusColumns {
    return {
      flows: this.flows,
      frame: this.frame,
      node: this.node,
      flow: this.flow,
      state: this.state,
      ...(this.hasStart ? { start: this.start } : {}),
      ...(this.hasDur ? { dur: this.dur } : {}),
      ...(this.hasTokens ? { tokens: this.tokens } : {}),
      ...(this.hasCost ? { cost: this.cost } : {}),
    };
  }
}

/** Changes as objects, encoded for a batch. */
export function encodeChanges(changes: Iterable<NodeStatusChange>): NodeStatusColumns {
  const enc = new NodeStatusEncoder();
  for (const c of changes) enc.add(c.frameId, c.nodeId, c.flow, c.state, c.startedAt, c.durationMs, c.tokens, c.cost);
  return enc.columns();
}

/** A batch with its changes as objects. */
export function decodeBatch(batch: NodeStatusBatch): { runId: string; seq: number; changes: NodeStatusChange[] } {
  return { runId: batch.runId, seq: batch.seq, changes: decodeChanges(batch) };
}

/** How many changes a batch holds. */
export const changeCount = (batch: Pick<NodeStatusColumns, 'node'>): number => batch.node.length;

/** A batch's changes as objects. */
export function decodeChanges(batch: NodeStatusColumns): NodeStatusChange[] {
  const { flows, frame, node, flow, state, start, dur, tokens, cost } = batch;
  const out: NodeStatusChange[] = new Array<NodeStatusChange>(node.length);
  for (let i = 0; i < node.length; i++) {
    const c: NodeStatusChange = {
      frameId: frame[i],
      nodeId: node[i],
      flow: flows[flow[i]] ?? '',
      state: LETTER_STATE[state[i]] ?? 'pending',
    };
    if (start && start[i] >= 0) c.startedAt = start[i];
    if (dur && dur[i] >= 0) c.durationMs = dur[i] / 1000;
    if (tokens && tokens[i]) c.tokens = tokens[i];
    if (cost && cost[i] >= 0) c.cost = cost[i] / 1e6;
    out[i] = c;
  }
  return out;
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
