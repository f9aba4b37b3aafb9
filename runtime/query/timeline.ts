/**
 * A run as a Gantt chart: one bar per op execution on a lane (lanes are the run's concurrent
 * slots: an op takes the lowest lane free when it starts), with its latency, tokens and cost, and
 * the critical path. One shape for a live run (the debugger's RunView) and a finished one (its
 * recorded episodic trace, from the database or a trace file); `apxm trace timeline --json`
 * prints it.
 */
import { OP_CATALOGUE, isOpName } from '../graph/opCatalogue.js';
import type { EpisodicEvent } from '../memory/storage.js';
import type { RecordedRun } from '../replay/recordedRun.js';
import type { Value } from '../values/value.js';
import { CostSum, recordedCallCost } from './recordedCost.js';
import type { RunView } from './runView.js';

export type TimelineState = 'running' | 'succeeded' | 'failed' | 'replayed';

export interface TimelineBar {
  /** Index of the bar in `bars` (bars are ordered by start). */
  index: number;
  frameId: number;
  nodeId: number;
  /** `Agent.flow`; absent in recordings made before op_start carried it. */
  flow?: string;
  /** The node's name in its program, when known. */
  name?: string;
  op: string;
  lane: number;
  /** Milliseconds from the run's start. */
  start: number;
  /** Milliseconds; for a running op, up to the time the timeline was taken. */
  durationMs: number;
  tokens: number;
  /** US dollars of the op's LLM calls; absent when it made none, or one had no price (`unpriced`). */
  cost?: number;
  /** One of the op's LLM calls was of a model with no price. */
  unpriced?: true;
  state: TimelineState;
  critical: boolean;
}

export interface Timeline {
  runId: string;
  /** Wall-clock start of the run (ms since the epoch); bar starts are relative to it. */
  startedAt: number;
  /** From the run's start to the end of its last bar (or the run's end, when later). */
  durationMs: number;
  /** The run's status when known (`running` while live). */
  status?: string;
  /** Live: taken from a running (or stopped) session; else from a recording. */
  live: boolean;
  lanes: number;
  tokens: number;
  /** US dollars of the bars' LLM calls; absent when one had no price. */
  cost?: number;
  /** Ops whose LLM calls include one of a model with no price. */
  unpriced: number;
  bars: TimelineBar[];
  /** Bar indexes, first to last, of the chain of ops the run's end waited on. */
  criticalPath: number[];
  /** Ops that were skipped or cancelled (they have no bar). */
  skipped: number;
}

/** One op execution before lanes are given: absolute wall-clock start (ms since the epoch). */
export interface OpSpan {
  frameId: number;
  nodeId: number;
  flow?: string;
  name?: string;
  op: string;
  startedAt: number;
  durationMs: number;
  tokens: number;
  cost?: number;
  unpriced?: true;
  state: TimelineState;
  /** Breaks ties of equal starts (whole ms): the order the ops started in. */
  order?: number;
}

export interface TimelineHeader {
  runId: string;
  startedAt: number;
  /** The run's end, when it has ended (ms since the epoch). */
  finishedAt?: number;
  status?: string;
  live: boolean;
  skipped?: number;
}

/**
 * A bar ending within this many ms before another starts may be the one it waited for: event
 * timestamps are whole milliseconds while durations are measured finer.
 */
const SLACK_MS = 1;

export function buildTimeline(header: TimelineHeader, spans: OpSpan[]): Timeline {
  const sorted = [...spans].sort(
    (a, b) => a.startedAt - b.startedAt || (a.order ?? 0) - (b.order ?? 0) || a.frameId - b.frameId || a.nodeId - b.nodeId,
  );
  const laneEnds: number[] = [];
  let tokens = 0;
  let cost = 0;
  let unpriced = 0;
  let end = header.finishedAt ?? header.startedAt;
  const bars = sorted.map((s, index): TimelineBar => {
    const start = Math.max(0, s.startedAt - header.startedAt);
    const durationMs = Math.max(0, s.durationMs);
    let lane = laneEnds.findIndex((e) => e <= start);
    if (lane < 0) lane = laneEnds.push(0) - 1;
    // a zero-length bar still holds its lane for an instant, so bars starting together never share one
    laneEnds[lane] = start + Math.max(durationMs, 1e-6);
    tokens += s.tokens;
    if (s.unpriced) unpriced++;
    else cost += s.cost ?? 0;
    end = Math.max(end, s.startedAt + durationMs);
    return {
      index,
      frameId: s.frameId,
      nodeId: s.nodeId,
      ...(s.flow !== undefined ? { flow: s.flow } : {}),
      ...(s.name !== undefined ? { name: s.name } : {}),
      op: s.op,
      lane,
      start,
      durationMs,
      tokens: s.tokens,
      ...(s.cost !== undefined && !s.unpriced ? { cost: s.cost } : {}),
      ...(s.unpriced ? { unpriced: true as const } : {}),
      state: s.state,
      critical: false,
    };
  });
  const criticalPath = criticalPathOf(bars);
  for (const i of criticalPath) bars[i].critical = true;
  return {
    runId: header.runId,
    startedAt: header.startedAt,
    durationMs: Math.max(0, end - header.startedAt),
    ...(header.status !== undefined ? { status: header.status } : {}),
    live: header.live,
    lanes: laneEnds.length,
    tokens,
    ...(unpriced ? {} : { cost }),
    unpriced,
    bars,
    criticalPath,
    skipped: header.skipped ?? 0,
  };
}

/**
 * From the bar that ends last, back through the bar that ended last before each one started
 * (within SLACK_MS): the chain the run's wall time waited on. Timing alone decides it, so a
 * live run and a recording (which keeps no edges) get the same answer. O(n log n).
 */
export function criticalPathOf(bars: readonly TimelineBar[]): number[] {
  if (!bars.length) return [];
  const endOf = (b: TimelineBar) => b.start + b.durationMs;
  const byEnd = [...bars].sort((a, b) => endOf(a) - endOf(b) || a.index - b.index);
  const ends = byEnd.map(endOf);
  // timestamps are whole ms: of the ops ending within SLACK_MS of the last end, the one started last ended the run
  const last = ends[ends.length - 1];
  let i = byEnd.length - 1;
  for (let k = i; k >= 0 && ends[k] >= last - SLACK_MS; k--) if (byEnd[k].index > byEnd[i].index) i = k;
  const path: number[] = [];
  for (;;) {
    const bar = byEnd[i];
    path.push(bar.index);
    // the last position whose end is at most this bar's start (plus slack)
    let lo = 0;
    let hi = byEnd.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid] <= bar.start + SLACK_MS) lo = mid + 1;
      else hi = mid;
    }
    // only a bar that started before this one (in start order) can be the one it waited for
    let j = lo - 1;
    while (j >= 0 && byEnd[j].index >= bar.index) j--;
    if (j < 0) break;
    // of those ending within SLACK_MS of it, the one started last
    for (let k = j - 1; k >= 0 && ends[k] >= ends[j] - SLACK_MS; k--)
      if (byEnd[k].index > byEnd[j].index && byEnd[k].index < bar.index) j = k;
    i = j;
  }
  return path.reverse();
}

/** The timeline of a recorded run (from its database or a trace file). */
export function timelineOfRecording(recorded: RecordedRun): Timeline {
  const { spans, skipped, startedAt } = spansOfEvents(recorded.events, recorded.startedAt);
  return buildTimeline(
    {
      runId: recorded.runId,
      startedAt,
      ...(recorded.finishedAt !== undefined ? { finishedAt: recorded.finishedAt } : {}),
      status: recorded.status,
      live: false,
      skipped,
    },
    spans,
  );
}

/** The op executions in a run's episodic events: op_start paired with its op_success / op_failure by frame and node. */
export function spansOfEvents(
  events: readonly EpisodicEvent[],
  runStartedAt: number,
): { spans: OpSpan[]; skipped: number; startedAt: number } {
  const open = new Map<string, OpSpan & { at: number }>();
  /** The cost of the LLM calls of each op in flight (frame:node), taken when it ends. */
  const costs = new Map<string, CostSum>();
  const spans: OpSpan[] = [];
  let skipped = 0;
  let startedAt = runStartedAt;
  const lastTimestamp = events.length ? events[events.length - 1].timestamp : runStartedAt;
  let order = 0;
  for (const e of events) {
    order++;
    if (e.eventType === 'run_start') {
      startedAt = e.timestamp;
      continue;
    }
    if (e.frameId === null || e.nodeId === null) continue;
    const key = `${e.frameId}:${e.nodeId}`;
    const p = isObject(e.payload) ? e.payload : {};
    const op = typeof p.op === 'string' ? p.op : '?';
    if (e.eventType === 'llm_call') {
      let sum = costs.get(key);
      if (!sum) costs.set(key, (sum = new CostSum()));
      sum.add(recordedCallCost(e.payload));
    } else if (e.eventType === 'op_start') {
      // a retried op starts again: its bar spans every attempt
      if (open.has(key)) continue;
      open.set(key, {
        frameId: e.frameId,
        nodeId: e.nodeId,
        ...(typeof p.flow === 'string' ? { flow: p.flow } : {}),
        ...(typeof p.name === 'string' ? { name: p.name } : {}),
        op,
        startedAt: e.timestamp,
        at: e.timestamp,
        order,
        durationMs: 0,
        tokens: 0,
        state: 'running',
      });
    } else if (e.eventType === 'op_success' || e.eventType === 'op_failure') {
      const measured = typeof p.duration_ms === 'number' ? p.duration_ms : undefined;
      const started = open.get(key);
      open.delete(key);
      const durationMs = started ? Math.max(measured ?? 0, e.timestamp - started.at) : (measured ?? 0);
      const { at: _, ...base } = started ?? {
        frameId: e.frameId,
        nodeId: e.nodeId,
        op,
        // settled from an earlier attempt's output: no op_start was recorded
        startedAt: e.timestamp - durationMs,
        at: 0,
        order,
        durationMs: 0,
        tokens: 0,
        state: 'running' as const,
      };
      const sum = costs.get(key);
      costs.delete(key);
      spans.push({
        ...base,
        durationMs,
        tokens: typeof p.tokens === 'number' ? p.tokens : 0,
        ...costOf(sum),
        state: e.eventType === 'op_failure' ? 'failed' : p.replayed === true ? 'replayed' : 'succeeded',
      });
    } else if (e.eventType === 'op_skipped') skipped++;
  }
  // ops still in flight when the recording ends (a stopped, interrupted or live run)
  for (const [key, { at: _, ...s }] of open)
    spans.push({ ...s, durationMs: Math.max(0, lastTimestamp - s.startedAt), ...costOf(costs.get(key)) });
  return { spans, skipped, startedAt };
}

/** The timeline of the run a debug session is showing, at `now`. */
export function timelineOfRunView(view: RunView, now = Date.now()): Timeline {
  const spans: OpSpan[] = [];
  let skipped = 0;
  let order = 0;
  for (const r of view.nodes.values()) {
    order++;
    if (r.state === 'skipped' || r.state === 'cancelled') {
      skipped++;
      continue;
    }
    if (r.state === 'ready' || r.startedAt === undefined) continue;
    spans.push({
      frameId: r.ref.frameId,
      nodeId: r.ref.nodeId,
      flow: r.ref.flow,
      name: r.ref.name,
      // the name the recording keeps (`Ask`), so both sources say the same
      op: isOpName(r.ref.op) ? OP_CATALOGUE[r.ref.op].debugName : r.ref.op,
      startedAt: r.startedAt,
      durationMs: r.state === 'running' ? Math.max(0, now - r.startedAt) : (r.durationMs ?? 0),
      tokens: r.tokens ?? 0,
      ...(r.unpriced ? { unpriced: true as const } : r.cost !== undefined ? { cost: r.cost } : {}),
      state: r.state,
      order,
    });
  }
  const status = view.finished?.status ?? 'running';
  return buildTimeline({ runId: view.runId, startedAt: view.startedAt, status, live: true, skipped }, spans);
}

const costOf = (sum: CostSum | undefined): Pick<OpSpan, 'cost' | 'unpriced'> =>
  !sum ? {} : sum.hasUnpriced ? { unpriced: true } : { cost: sum.total ?? 0 };

const isObject = (v: Value | undefined): v is Record<string, Value> => v !== null && typeof v === 'object' && !Array.isArray(v);
