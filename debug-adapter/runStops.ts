/**
 * The run's stops and its end as the client sees them: `stopped` (with the thread, the reason and
 * the breakpoints hit) when the scheduler holds, and `exited` + `terminated` once. A run that fails
 * stops on its failure first (when the 'failed' filter is on), so it can be inspected.
 */
import { ExitedEvent, StoppedEvent, TerminatedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { asApxmError, type ApxmError } from '../runtime/errors.js';
import type { RuntimeEvents } from '../runtime/events.js';
import type { Value } from '../runtime/values/value.js';
import type { SessionHost, SessionRun, Stop } from './sessionState.js';

/** What the stops tell the rest of the session. */
export interface StopListeners {
  /** The run stopped (the client's variables and frames are stale; a run-to target is done with). */
  onStop(stop: Stop): void;
  /** Whether a failed run stops on its failure. */
  stopsOnFailure(): boolean;
  /** An error as this adapter's client reads it. */
  clientText(e: ApxmError): string;
}

export class RunStops {
  constructor(
    private readonly run: SessionRun,
    private readonly host: Pick<SessionHost, 'sendEvent' | 'console'>,
    private readonly listeners: StopListeners,
  ) {}

  /** The scheduler held: report it with the reason a step or a breakpoint gave, else the scheduler's. */
  onPaused(e: RuntimeEvents['scheduler:paused']): void {
    const run = this.run;
    if (e.runId !== run.runId || run.fastForward) return;
    const reason = run.pendingReason ?? (e.reason === 'request' ? 'pause' : e.reason);
    run.pendingReason = undefined;
    const held = run.stopped;
    this.stopAt({
      ...(held?.exception ? { exception: held.exception } : {}),
      reason,
      ...(held?.description && held.reason === reason ? { description: held.description } : {}),
      node: e.node ?? held?.node,
      inputs: held?.inputs,
      ...(reason === 'breakpoint' && held?.hitBreakpointIds ? { hitBreakpointIds: held.hitBreakpointIds } : {}),
    });
  }

  /** Holds the scheduler to report `stop`: the op that caused it finishes, nothing new starts. */
  holdFor(stop: Stop): void {
    const exec = this.run.handle?.execution.control;
    if (!exec || this.run.finished) return;
    this.run.stopped = stop;
    if (exec.isPaused) return this.stopAt(stop);
    this.run.pendingReason = stop.reason;
    exec.pause();
  }

  stopAt(stop: Stop): void {
    this.run.stopped = stop;
    this.listeners.onStop(stop);
    const view = this.run.view;
    const threadId = stop.node ? (view?.activationOf(stop.node.frameId) ?? 1) : (view?.activations()[0]?.frameId ?? 1);
    const ev = new StoppedEvent(
      stop.reason,
      threadId,
      stop.exception ? stop.exception.error.message : undefined,
    ) as DebugProtocol.StoppedEvent;
    ev.body.allThreadsStopped = true;
    if (stop.hitBreakpointIds?.length) ev.body.hitBreakpointIds = stop.hitBreakpointIds;
    if (stop.description) ev.body.description = stop.description;
    this.host.sendEvent(ev);
  }

  onFinished(status: string, result: Value | undefined, error: unknown): void {
    const run = this.run;
    if (run.finishedQuietly) return;
    run.finished = true;
    const err = error ? asApxmError(error) : undefined;
    if (status === 'succeeded')
      this.host.console(`result: ${typeof result === 'string' ? result : JSON.stringify(result ?? null)}\n`, 'console');
    else if (status === 'cancelled') this.host.console(`run cancelled${err ? `: ${err.message}` : ''}\n`, 'console');
    else if (err) this.host.console(this.listeners.clientText(err) + '\n', 'stderr');
    const code = status === 'succeeded' ? 0 : status === 'cancelled' ? 130 : 1;
    // a run held on an exception (a filter stopped it) that fails meanwhile stays there: it ended the session under the client
    const held = run.stopped?.exception ? run.stopped : undefined;
    if (status === 'failed' && err && (held || this.listeners.stopsOnFailure()) && run.args?.noDebug !== true) {
      // keep the failed run inspectable: stop on the exception; continuing ends the session
      run.stopped = held ?? { reason: 'exception', exception: { error: err.toJSON() } };
      run.exitCode = code;
      this.stopAt(run.stopped);
      return;
    }
    this.end(code);
  }

  /** Sends the run's end (exited, terminated), once. */
  end(code: number): void {
    if (this.run.ended) return;
    this.run.ended = true;
    // the run's end is in its database before the client hears of it (the Runs view and timeline read it then)
    this.run.runtime?.flushTrace();
    this.host.sendEvent(new ExitedEvent(code));
    this.host.sendEvent(new TerminatedEvent());
  }
}
