/**
 * Every message between the extension host's timeline panel and the timeline page, typed in one
 * file both sides import. Messages travel as `{ type, body }`. The timeline's shape is the
 * runtime's (runtime/query/timeline.ts), passed through.
 */
import type { Timeline } from '../../runtime/query/timeline.js';

export type { Timeline, TimelineBar, TimelineState } from '../../runtime/query/timeline.js';

/** Where the shown timeline comes from: kept in the page's state, so a restored panel reads it again. */
export type TimelineSource =
  | { kind: 'run'; runId: string; db: string; program: string }
  | { kind: 'trace'; file: string; program: string }
  | { kind: 'session'; program: string; name: string };

/** Host → page. */
export interface HostMessages {
  /**
   * The timeline to draw. In a replay session `recording` is the recorded run's whole timeline:
   * the page draws it, marks the ops the replay has started (`timeline.bars.length`) and lets a
   * click on the time axis run to that point in time (`seek`).
   */
  'timeline/show': { source: TimelineSource; title: string; timeline: Timeline; recording?: Timeline; live: boolean };
  /** Nothing to draw (the session ended before a run, or the run could not be read): says why. */
  'timeline/empty': { source?: TimelineSource; title: string; message: string };
}

/** Page → host. */
export interface PageMessages {
  /** The page has loaded (first load or after a reload) and wants `timeline/show`. */
  ready: Record<string, never>;
  /** A bar was clicked: select that node in the graph and show its source. */
  select: { flow: string; nodeId: number; frameId: number };
  /** Replay: run to that point in time (ms from the recording's start): forward, or back. */
  seek: { time: number };
  /** Something went wrong in the page: logged in the APXM output channel. */
  pageError: { message: string };
}

export type HostMessage = { [K in keyof HostMessages]: { type: K; body: HostMessages[K] } }[keyof HostMessages];
export type PageMessage = { [K in keyof PageMessages]: { type: K; body: PageMessages[K] } }[keyof PageMessages];

/** What the page keeps with `setState`, restored after a reload (and handed to the serializer). */
export interface TimelinePageState {
  source?: TimelineSource;
  title?: string;
  /** The visible time window (ms from the run's start). */
  view?: { start: number; span: number };
  /** The selected bar's `frameId:nodeId`. */
  selected?: string;
  /** What the bars' colour says (timelineModel.ts, BarColour); by state when absent. */
  colour?: 'state' | 'tokens' | 'cost';
}
