/** The timeline panel's request (joined into customProtocol.ts's ApxmRequests). */
import type { Timeline } from '../../runtime/query/timeline.js';

export type { Timeline, TimelineBar, TimelineState } from '../../runtime/query/timeline.js';

export interface TimelineRequests {
  /**
   * The session's run as timeline bars (runtime/query/timeline.ts), as far as it has gone. In a
   * replay session `recording` is the recorded run's whole timeline too, so a client can offer
   * every point in time to run to.
   */
  'apxm/timeline': {
    arguments: Record<string, never>;
    body: { timeline: Timeline; recording?: Timeline; replay: boolean };
  };
  /**
   * Replay sessions: starts the run again and re-executes silently the first `ops` ops it started,
   * in their order, then stops (reason `step`) before the next: the timeline's "run to this point
   * in time" going back. Answered once stopped there; refused (notAvailable) in a live run or
   * for more ops than the run has started.
   */
  'apxm/rewind': { arguments: { ops: number }; body: Record<string, never> };
}
