/**
 * The timeline page's geometry and decisions, DOM-free (node:test runs them): the time scale and
 * its ticks, zoom and pan on the time axis, which bar is under a point (per lane, by binary
 * search: 5,000 bars stay cheap), what the tooltip says, and where a click on the time axis of a
 * replay runs to.
 */
import { formatCost } from '../../runtime/llm/costText.js';
import { durationText } from '../../runtime/query/durationText.js';
import type { Timeline, TimelineBar } from './protocol.js';

/** Page layout, in CSS px. */
export const AXIS_H = 26;
export const ROW_H = 22;
export const BAR_H = 14;
export const GUTTER = 64;
/** The narrowest window zoom goes to (ms), and how far past the run's ends the view may go. */
export const MIN_SPAN_MS = 0.05;
const OVERSCROLL = 0.1;

/** The visible time window: `start` ms from the run's start, `span` ms wide. */
export interface TimeView {
  start: number;
  span: number;
}

export const bandWidth = (width: number) => Math.max(1, width - GUTTER);

export function xOf(t: number, view: TimeView, width: number): number {
  return GUTTER + ((t - view.start) / view.span) * bandWidth(width);
}

export function timeAt(x: number, view: TimeView, width: number): number {
  return view.start + ((x - GUTTER) / bandWidth(width)) * view.span;
}

/** The whole run with a little room on both sides (a run of no length still gets a window). */
export function fitView(t: Pick<Timeline, 'durationMs'>): TimeView {
  const span = Math.max(t.durationMs, 1);
  return { start: -span * 0.02, span: span * 1.04 };
}

function clampView(v: TimeView, total: number): TimeView {
  const room = Math.max(total, 1) * OVERSCROLL;
  const span = Math.min(Math.max(v.span, MIN_SPAN_MS), Math.max(total, 1) + 2 * room);
  const start = Math.min(Math.max(v.start, -room), Math.max(total, 1) + room - span);
  return { start, span };
}

/** Zooms by `factor` (< 1 zooms in) keeping the time under `anchor` where it is. */
export function zoomAt(v: TimeView, anchor: number, factor: number, total: number): TimeView {
  const span = v.span * factor;
  return clampView({ start: anchor - (anchor - v.start) * (span / v.span), span }, total);
}

/** Pans by `dt` ms (positive: later). */
export function panBy(v: TimeView, dt: number, total: number): TimeView {
  return clampView({ start: v.start + dt, span: v.span }, total);
}

/** Tick times for the axis: a 1/2/5 step giving at least `minPx` between labels. */
export function ticks(v: TimeView, width: number, minPx = 90): { step: number; times: number[] } {
  const raw = (v.span / bandWidth(width)) * minPx;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const times: number[] = [];
  for (let t = Math.ceil(v.start / step) * step; t <= v.start + v.span && times.length < 200; t += step) times.push(t);
  return { step, times };
}

/** A time or duration: `step` (the axis's tick step; by default the value itself) chooses the unit and the digits. */
export function formatMs(ms: number, step = Math.abs(ms)): string {
  // past a minute the step no longer matters: read as every other view reads a duration
  if (Math.abs(ms) >= 60_000) return `${ms < 0 ? '-' : ''}${durationText(Math.abs(ms))}`;
  if (Math.abs(ms) >= 1000 || step >= 1000) {
    const digits = step >= 1000 ? (step % 1000 === 0 ? 0 : 1) : step >= 100 ? 1 : 2;
    return `${(ms / 1000).toFixed(digits)} s`;
  }
  const digits = step >= 1 || ms === 0 ? 0 : step >= 0.1 ? 1 : 2;
  return `${ms.toFixed(digits)} ms`;
}

/** Bars by lane, each lane's in start order (bars of one lane never overlap): hit tests search them. */
export class LaneIndex {
  readonly lanes: number[][];

  constructor(
    readonly bars: readonly TimelineBar[],
    laneCount: number,
  ) {
    this.lanes = Array.from({ length: Math.max(laneCount, 0) }, () => []);
    for (const b of bars) (this.lanes[b.lane] ??= []).push(b.index);
    for (const l of this.lanes) l.sort((a, b) => bars[a].start - bars[b].start || a - b);
  }

  /** The bar of `lane` covering `t`, or the nearest within `tolerance` ms (a bar too thin to hit exactly). */
  barAt(lane: number, t: number, tolerance: number): TimelineBar | undefined {
    const ids = this.lanes[lane];
    if (!ids?.length) return undefined;
    // the last bar starting at or before t
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.bars[ids[mid]].start <= t) lo = mid + 1;
      else hi = mid;
    }
    let best: TimelineBar | undefined;
    let bestGap = tolerance;
    for (const k of [lo - 1, lo]) {
      const b = k >= 0 && k < ids.length ? this.bars[ids[k]] : undefined;
      if (!b) continue;
      const gap = t < b.start ? b.start - t : t > b.start + b.durationMs ? t - (b.start + b.durationMs) : 0;
      if (gap <= bestGap) {
        best = b;
        bestGap = gap;
      }
    }
    return best;
  }

  /** The bar under the point (x, y) of a page `width` wide, or undefined. */
  hit(x: number, y: number, view: TimeView, width: number, slopPx = 3): TimelineBar | undefined {
    if (x < GUTTER || y < AXIS_H) return undefined;
    const lane = Math.floor((y - AXIS_H) / ROW_H);
    const inRow = y - AXIS_H - lane * ROW_H;
    const top = (ROW_H - BAR_H) / 2;
    if (inRow < top - 1 || inRow > top + BAR_H + 1) return undefined;
    const msPerPx = view.span / bandWidth(width);
    return this.barAt(lane, timeAt(x, view, width), slopPx * msPerPx);
  }
}

export const barKey = (b: Pick<TimelineBar, 'frameId' | 'nodeId'>) => `${b.frameId}:${b.nodeId}`;

/** A bar's cost as shown: `$0.0042`, `cost unknown` when a call's model had no price, '' when it made no LLM call. */
export function barCost(b: Pick<TimelineBar, 'cost' | 'unpriced'>): string {
  return b.unpriced ? 'cost unknown' : b.cost !== undefined ? formatCost(b.cost) : '';
}

/** The tooltip's lines: the op (name, op, flow), its duration, tokens and cost, its state, and whether it is on the critical path. */
export function describeBar(b: TimelineBar): string[] {
  const cost = b.unpriced
    ? ' · cost unknown (a model without a price: add it to apxm.llm.prices)'
    : b.cost !== undefined
      ? ` · ${formatCost(b.cost)}`
      : '';
  return [
    `${b.name ?? `#${b.nodeId}`} — ${b.op}`,
    `flow ${b.flow ?? '(not recorded)'} · node ${b.nodeId} · frame ${b.frameId}`,
    `${formatMs(b.durationMs)} from ${formatMs(b.start)} · ${b.tokens} tokens${cost}`,
    `${b.state}${b.critical ? ' · on the critical path' : ''}`,
  ];
}

/** The text drawn inside a bar wide enough for it. */
export function barLabel(b: TimelineBar): string {
  const cost = barCost(b);
  return `${b.name ?? b.op} ${formatMs(b.durationMs)}${b.tokens ? ` · ${b.tokens} tok` : ''}${cost ? ` · ${cost}` : ''}`;
}

/**
 * One line about the run: ops, lanes, duration, tokens, cost (when an op called an LLM) and the
 * critical path's length.
 */
export function summarize(t: Timeline): string {
  const path = t.criticalPath.map((i) => t.bars[i]);
  const onPath = path.reduce((s, b) => s + b.durationMs, 0);
  const skipped = t.skipped ? ` · ${t.skipped} skipped` : '';
  const cost = t.unpriced
    ? ` · cost unknown (${t.unpriced} op${t.unpriced === 1 ? '' : 's'} without a price)`
    : t.cost !== undefined && t.bars.some((b) => b.cost !== undefined)
      ? ` · ${formatCost(t.cost)}`
      : '';
  return (
    `${t.bars.length} ops on ${t.lanes} lane${t.lanes === 1 ? '' : 's'} · ${formatMs(t.durationMs)}` +
    ` · ${t.tokens} tokens${cost} · critical path ${path.length} ops, ${formatMs(onPath)}${skipped}`
  );
}

/** What a bar's colour says: its state, or how many tokens or how much money the op took (a heat scale). */
export type BarColour = 'state' | 'tokens' | 'cost';

export const BAR_COLOURS: readonly { value: BarColour; label: string }[] = [
  { value: 'state', label: 'Colour by state' },
  { value: 'tokens', label: 'Colour by tokens' },
  { value: 'cost', label: 'Colour by cost' },
];

/** A bar's figure for a heat colouring; undefined when it has none (no LLM call, or a model without a price). */
export function heatValue(b: Pick<TimelineBar, 'tokens' | 'cost' | 'unpriced'>, colour: Exclude<BarColour, 'state'>): number | undefined {
  if (colour === 'tokens') return b.tokens > 0 ? b.tokens : undefined;
  return b.unpriced ? undefined : b.cost;
}

/** The heat scale's top: the largest figure among the bars (0 when none has one). */
export function heatMax(bars: readonly TimelineBar[], colour: Exclude<BarColour, 'state'>): number {
  let max = 0;
  for (const b of bars) max = Math.max(max, heatValue(b, colour) ?? 0);
  return max;
}

/**
 * Where a bar sits on the heat scale, 0.15 (least) to 1 (most), so the cheapest op that took any
 * still shows; undefined for a bar without a figure (drawn apart, not as "zero").
 */
export function heatLevel(b: TimelineBar, colour: Exclude<BarColour, 'state'>, max: number): number | undefined {
  const v = heatValue(b, colour);
  if (v === undefined) return undefined;
  return max > 0 ? 0.15 + 0.85 * (v / max) : 0.15;
}

/** The legend of a heat colouring: what the scale spans, and what the faint bars are. */
export function heatLegend(t: Pick<Timeline, 'bars'>, colour: Exclude<BarColour, 'state'>): string {
  const max = heatMax(t.bars, colour);
  const unpriced = colour === 'cost' ? t.bars.filter((b) => b.unpriced).length : 0;
  const top = colour === 'tokens' ? `${max} tokens` : formatCost(max);
  const none =
    colour === 'tokens'
      ? 'ops without LLM calls faint'
      : `ops without a cost faint${unpriced ? ` (${unpriced} of a model without a price)` : ''}`;
  return `${colour}: the stronger the colour, the more (up to ${top}) · ${none}`;
}

/** What a click at `time` on a replay's time axis does, given the recording and how many ops the replay has started. */
export type SeekPlan =
  | { kind: 'rewind'; ops: number }
  | { kind: 'runToNode'; flow: string; nodeId: number; execution: number; ops: number }
  | { kind: 'continue' }
  | { kind: 'here' }
  | { kind: 'unknown'; reason: string };

/**
 * The point in time is "before the first recorded op starting at or after it": going back there
 * re-executes that many ops (apxm/rewind); going forward runs to that op (apxm/runToNode), to its
 * start after as many earlier starts as the recording has before it (a loop's later iteration, not
 * the next); past the last op start, the replay continues to its end.
 */
export function seekPlan(recording: Pick<Timeline, 'bars'>, started: number, time: number): SeekPlan {
  const bars = recording.bars;
  let lo = 0;
  let hi = bars.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bars[mid].start < time) lo = mid + 1;
    else hi = mid;
  }
  const k = lo;
  if (k === started) return { kind: 'here' };
  if (k < started) return { kind: 'rewind', ops: k };
  if (k >= bars.length) return { kind: 'continue' };
  const b = bars[k];
  if (b.flow === undefined)
    return { kind: 'unknown', reason: 'the recording does not name the flow of that op (recorded by an older APXM)' };
  let execution = 0;
  for (let i = 0; i < k; i++) if (bars[i].nodeId === b.nodeId && bars[i].flow === b.flow) execution++;
  return { kind: 'runToNode', flow: b.flow, nodeId: b.nodeId, execution, ops: k };
}

/** The time of the replay's position on the recording: where its next op starts (the run's end once all started). */
export function replayCursor(recording: Pick<Timeline, 'bars' | 'durationMs'>, started: number): number {
  return started < recording.bars.length ? recording.bars[started].start : recording.durationMs;
}
