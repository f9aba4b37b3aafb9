/** `apxm/timeline`: the session's run as timeline bars, from its RunView (and, in a replay, the recording's). */
import { timelineOfRecording, timelineOfRunView, type Timeline } from '../runtime/query/timeline.js';
import type { RecordedRun } from '../runtime/replay/recordedRun.js';
import { DapErrorId, refuse } from './dapErrors.js';
import type { TimelineRequests } from './protocol/timelineProtocol.js';
import type { SessionRun } from './sessionState.js';

export class TimelineRequestHandler {
  /** A recording's timeline is computed once per session: it never changes. */
  private recorded?: { from: RecordedRun; timeline: Timeline };

  constructor(private readonly run: SessionRun) {}

  timeline(): TimelineRequests['apxm/timeline']['body'] {
    const { view, recording } = this.run;
    if (!view)
      refuse(
        DapErrorId.notAvailable,
        this.run.runId
          ? 'apxm/timeline: a run without debugging keeps no op timings (debug it, or open its recording in the Runs view)'
          : 'apxm/timeline: no run yet: launch the program first',
      );
    const body: TimelineRequests['apxm/timeline']['body'] = { timeline: timelineOfRunView(view), replay: recording !== undefined };
    if (recording) {
      if (this.recorded?.from !== recording) this.recorded = { from: recording, timeline: timelineOfRecording(recording) };
      body.recording = this.recorded.timeline;
    }
    return body;
  }
}
