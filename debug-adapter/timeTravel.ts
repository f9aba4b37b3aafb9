/**
 * Restart, step back and reverse continue. A restart cancels the run and starts it again in the
 * same session. Step back and reverse continue (replay sessions only: replay is deterministic)
 * start the run again and single-step it silently through the ops that ran before, in order, to
 * stop one op earlier, or at the breakpoint before.
 */
import type { NodeRef, RuntimeEvents } from '../runtime/events.js';
import { CALL_OPS } from './stepping.js';
import type { SessionHost, SessionRun } from './sessionState.js';

interface OpPlace {
  flow: string;
  nodeId: number;
}

/** The run's lifecycle as time travel drives it (the session owns it). */
export interface RunRestarter {
  /** Cancels the run quietly and resets the session for a new one; false when the session is closing meanwhile. */
  replaceRun(): Promise<boolean>;
  startRun(paused: boolean): void;
}

export class TimeTravel {
  /** Ops started in this run, in order: where step back re-executes to. */
  private history: OpPlace[] = [];
  /** History lengths at which breakpoints stopped: where reverse continue goes back to. */
  private readonly breakpointPositions: number[] = [];
  /** The restart or step back under way: they run one at a time. */
  private reruns: Promise<void> = Promise.resolve();

  constructor(
    private readonly run: SessionRun,
    private readonly host: Pick<SessionHost, 'stopAt' | 'console'>,
    private readonly lifecycle: RunRestarter,
  ) {}

  /** A replay's op started: remembered as a place to step back to. */
  onNodeStarted(e: RuntimeEvents['node:started']): void {
    if (e.runId === this.run.runId) this.history.push({ flow: e.flow, nodeId: e.nodeId });
  }

  /** The run stopped: a breakpoint's place is where reverse continue goes back to. */
  onStop(reason: string): void {
    if (reason === 'breakpoint' && !this.breakpointPositions.includes(this.history.length))
      this.breakpointPositions.push(this.history.length);
  }

  restart(): Promise<void> {
    return this.rerun();
  }

  /** A problem (live runs cannot step back), or the step back under way. */
  stepBack(): string | Promise<void> {
    if (!this.run.recording)
      return 'step back works in replay sessions ("replay" in the launch configuration): a live run cannot take back what it sent to an LLM or a tool';
    return this.rerun(this.history.slice(0, Math.max(0, this.history.length - 1)));
  }

  reverseContinue(): string | Promise<void> {
    if (!this.run.recording) return 'reverse continue works in replay sessions ("replay" in the launch configuration)';
    const here = this.history.length;
    const target = [...this.breakpointPositions].reverse().find((p) => p < here) ?? 0;
    return this.rerun(this.history.slice(0, target));
  }

  /**
   * Back to the point where the run had started `ops` ops (the timeline's "run to this time" going
   * back many ops in one re-execution, not one step back per op); only backwards.
   */
  rewind(ops: number): string | Promise<void> {
    if (!this.run.recording) return 'going back in time works in replay sessions ("replay" in the launch configuration)';
    if (ops > this.history.length)
      return `the run has started ${this.history.length} ops: going back to ${ops} would go forward (continue, or run to a node)`;
    return this.rerun(this.history.slice(0, ops));
  }

  /**
   * Cancels the run and starts it again in this session (breakpoints kept, hit counts reset). With
   * `replayTo` (a replay session), the new run is single-stepped through those ops, in that order,
   * and stops before the next one: replay is deterministic, so this is the recorded state there.
   */
  private rerun(replayTo?: OpPlace[]): Promise<void> {
    // two at once each started a run, and the one not kept stayed held for ever
    const next = this.reruns.then(() => this.rerunNow(replayTo));
    this.reruns = next.catch(() => undefined);
    return next;
  }

  private async rerunNow(replayTo?: OpPlace[]): Promise<void> {
    if (!(await this.lifecycle.replaceRun())) return;
    this.history = [];
    const run = this.run;
    run.fastForward = replayTo !== undefined;
    this.lifecycle.startRun(replayTo !== undefined);
    if (!replayTo) return;
    const exec = run.handle?.execution.control;
    for (const t of replayTo) {
      if (!exec || run.finished || !(await this.stepThrough(t))) {
        this.host.console(
          `step back stopped early: op ${t.flow}#${t.nodeId} did not come up again (the program changed since the recording?)\n`,
          'important',
        );
        break;
      }
    }
    run.fastForward = false;
    if (run.finished) return;
    const next = exec?.readyNodes()[0];
    this.host.stopAt({ reason: 'step', ...(next ? { node: next } : {}) });
  }

  /** Starts the ready op `t` (waiting for it to become ready) and waits for it, except for calls whose callees are stepped next. */
  private async stepThrough(t: OpPlace): Promise<boolean> {
    const exec = this.run.handle?.execution.control;
    const events = this.run.runtime?.events;
    if (!exec || !events) return false;
    const match = (n: NodeRef) => n.flow === t.flow && n.nodeId === t.nodeId;
    let ready = exec.readyNodes().find(match);
    if (!ready) {
      ready = await new Promise<NodeRef | undefined>((resolve) => {
        const timer = setTimeout(() => {
          off();
          resolve(undefined);
        }, 5000);
        const off = events.on('node:ready', (e) => {
          if (e.runId !== this.run.runId || !match(e)) return;
          clearTimeout(timer);
          off();
          resolve(e);
        });
      });
    }
    if (!ready) return false;
    const settled = exec.step({ frameId: ready.frameId, nodeId: ready.nodeId });
    if (!CALL_OPS.has(ready.op)) await settled;
    return true;
  }
}
