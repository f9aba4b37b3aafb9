/**
 * The run a debug session drives, shared by the session and the modules it routes requests to
 * (stepping, time travel, breakpoints, human input, stack frames), and what those modules may ask
 * of the session. The session owns the lifecycle (launch, start, listen, close); the modules read
 * and set this state and report stops through `SessionHost`.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { SerializedError } from '../runtime/errors.js';
import type { NodeRef } from '../runtime/events.js';
import type { OpNode, Program } from '../runtime/graph/types.js';
import type { RecordedRun } from '../runtime/replay/recordedRun.js';
import type { Runtime, RunHandle } from '../runtime/runtime.js';
import type { Value } from '../runtime/values/value.js';
import type { ApxmEventName, ApxmEvents } from './customProtocol.js';
import type { DagListing } from './dagListing.js';
import type { ApxmLaunchArguments } from './launchArguments.js';
import type { RunView } from '../runtime/query/runView.js';

/** Why and where the run is stopped. */
export interface Stop {
  reason: string;
  /** What the client shows beside the reason (a run to a node names the op). */
  description?: string;
  node?: NodeRef;
  inputs?: Value[];
  exception?: { error: SerializedError; node?: NodeRef; prompt?: unknown; reply?: string };
  /** The breakpoints that stopped here: their condition held and their hit count was reached. */
  hitBreakpointIds?: number[];
}

export class SessionRun {
  runtime?: Runtime;
  runId?: string;
  handle?: RunHandle;
  program?: Program;
  view?: RunView;
  /** The launch's arguments, paths resolved. */
  args?: ApxmLaunchArguments;
  /** For .json / .apxmobj programs: the generated read-only source, one op per line. */
  listing?: DagListing;
  /** The recorded run a replay session re-executes. */
  recording?: RecordedRun;
  stopped?: Stop;
  /** The reason the next `scheduler:paused` is reported with (a step or a breakpoint held the scheduler). */
  pendingReason?: string;
  finished = false;
  /** Set once the run's end (exited, terminated) was sent: the session said it is over, once. */
  ended = false;
  exitCode?: number;
  /** Set while a step back re-executes: breakpoints and pauses are not reported. */
  fastForward = false;
  /** Set while a restart cancels the old run: its end is not the session's end. */
  finishedQuietly = false;
}

export type ConsoleCategory = 'console' | 'stdout' | 'stderr' | 'important';

/** What the session's modules may ask of it: report a stop, end the run, talk to the client. */
export interface SessionHost {
  /** Reports a stop to the client (the scheduler is held already). */
  stopAt(stop: Stop): void;
  /** Holds the scheduler to report `stop`: the op that caused it finishes, nothing new starts. */
  holdFor(stop: Stop): void;
  /** Sends the run's end (exited, terminated), once. */
  end(code: number): void;
  readonly console: (text: string, category: ConsoleCategory, data?: Record<string, unknown>, node?: OpNode) => void;
  /** Runs work the client does not wait for; a failure is reported, never an unhandled rejection. */
  background(work: Promise<unknown>, what: string): void;
  sendEvent(event: DebugProtocol.Event): void;
  sendApxmEvent<K extends ApxmEventName>(name: K, body: ApxmEvents[K]): void;
}
