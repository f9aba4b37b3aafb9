/**
 * The timeline page's read-only test hook, `window.__apxmTimeline` (media/timeline/main.ts): what
 * the page tests, the workbench scenario and the bench read. One shape for both sides.
 */
import type { TimelineSource } from './protocol.js';

/** A bar as drawn: its op and its box in client (viewport) CSS px (clipped to the time band). */
export interface HookBar {
  index: number;
  key: string;
  flow?: string;
  nodeId: number;
  frameId: number;
  name?: string;
  op: string;
  lane: number;
  critical: boolean;
  /** Replay: an op the replay has not started yet (drawn faded). */
  ahead: boolean;
  /** Coloured by tokens or cost: where the bar is on that scale (0.15–1), null for a bar without the figure; absent by state. */
  heat?: number | null;
  box: { x: number; y: number; w: number; h: number };
}

export interface TimelineTestHook {
  /** Counts the timelines shown. */
  readonly version: number;
  /** A timeline is drawn for the latest message. */
  readonly ready: boolean;
  readonly source: TimelineSource | undefined;
  /** The header's summary line, or the empty page's message. */
  summary(): string;
  /** What the bars' colour says, and the legend shown for a heat colouring. */
  colour(): { mode: string; legend: string };
  /** The bars drawn in view. */
  bars(): HookBar[];
  view(): { start: number; span: number };
  /** The x (client px) of a time in ms, and of the replay cursor when there is one. */
  xOfTime(ms: number): number;
  cursorX(): number | undefined;
  selected(): string | undefined;
  /** The tooltip's text while it shows. */
  tooltip(): string | undefined;
  /** From the message's arrival to its first frame drawn (ms), when that frame was drawn (performance.now()), and the last draw's time. */
  stats(): { firstRenderMs?: number; firstFrameAt?: number; drawMs: number; drawn: number };
  /** Draws now and returns the milliseconds it took: for the bench. */
  drawNow(): number;
}
