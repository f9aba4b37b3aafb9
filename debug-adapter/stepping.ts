/**
 * Execution control of a stopped run: continue, pause, step over / into / out of one op, and the
 * step-in targets (the ready ops, any of which can run next). Stopped means the scheduler holds
 * before starting the next op; a step starts exactly one.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { NodeRef } from '../runtime/events.js';
import type { SessionHost, SessionRun } from './sessionState.js';

/** Ops whose completion needs other ops to run (their callees): stepping them cannot wait for it. */
export const CALL_OPS = new Set(['FLOW_CALL', 'COMMUNICATE', 'PLAN']);

export class Stepping {
  private stepTargets = new Map<number, NodeRef>();

  constructor(
    private readonly run: SessionRun,
    private readonly host: Pick<SessionHost, 'stopAt' | 'end' | 'background'>,
  ) {}

  /** Lets the run go on (or, when it has ended and was held on its failure, ends the session). */
  resume(): void {
    this.run.stopped = undefined;
    if (this.run.finished) return this.host.end(this.run.exitCode ?? 0);
    this.run.handle?.execution.control.resume();
  }

  pause(): void {
    this.run.handle?.execution.control.pause();
  }

  next(threadId: number): void {
    this.host.background(this.stepOne(threadId), 'next');
  }

  stepIn(threadId: number, targetId?: number): void {
    const chosen = targetId !== undefined ? this.stepTargets.get(targetId) : undefined;
    this.host.background(this.stepOne(threadId, true, chosen), 'stepIn');
  }

  stepOut(threadId: number): void {
    const exec = this.run.handle?.execution.control;
    const frame = this.run.view?.frames.get(threadId);
    if (!exec || !frame || frame.parentFrameId === undefined) return this.resume();
    // run to the end of this flow activation, then hold before the caller's next op
    const off = this.run.runtime?.events.on('frame:exited', (f) => {
      if (f.frameId !== threadId) return;
      off?.();
      this.run.pendingReason = 'step';
      exec.pause();
    });
    this.resume();
  }

  /** The ready ops, numbered for a step in with `targetId`. */
  stepInTargets(): DebugProtocol.StepInTarget[] {
    this.stepTargets.clear();
    return (this.run.handle?.execution.control.readyNodes() ?? []).map((n, i) => {
      this.stepTargets.set(i + 1, n);
      const src = n.source;
      return {
        id: i + 1,
        label: `${n.op} ${n.name} — ${n.flow}`,
        ...(src ? { line: src.line, column: src.column, endLine: src.endLine, endColumn: src.endColumn } : {}),
      };
    });
  }

  /** Runs exactly one ready op — the chosen one, else the highest-priority one of this thread, else of any — then stops. */
  async stepOne(threadId: number, into = false, chosen?: NodeRef): Promise<void> {
    const run = this.run;
    const exec = run.handle?.execution.control;
    if (!exec || run.finished) return this.resume();
    const target = chosen ?? this.readyIn(threadId)[0] ?? exec.readyNodes()[0];
    run.stopped = undefined;
    if (into && target && CALL_OPS.has(target.op)) {
      const entered = new Promise<number | undefined>((resolve) => {
        const off = run.runtime?.events.on('frame:entered', (f) => {
          if (f.parentFrameId === target.frameId && f.callerNodeId === target.nodeId) {
            off?.();
            resolve(f.frameId);
          }
        });
        this.host.background(
          exec.step({ frameId: target.frameId, nodeId: target.nodeId }).finally(() => {
            off?.();
            resolve(undefined);
          }),
          'stepIn',
        );
      });
      const frameId = await entered;
      if (run.finished) return;
      if (frameId !== undefined) {
        const first = exec.readyNodes().find((n) => n.frameId === frameId);
        this.host.stopAt({ reason: 'step', ...(first ? { node: first } : { node: { ...target, frameId } }) });
        return;
      }
    } else if (target && CALL_OPS.has(target.op)) {
      // step over a call: its callee runs (the scheduler goes on meanwhile), then hold again
      const events = run.runtime?.events;
      const done = new Promise<void>((resolve) => {
        const offs = [
          events?.on('node:finished', (e) => {
            if (e.nodeExecId === target.nodeExecId) {
              offs.forEach((o) => o?.());
              resolve();
            }
          }),
          events?.on('node:failed', (e) => {
            if (e.nodeExecId === target.nodeExecId) {
              offs.forEach((o) => o?.());
              resolve();
            }
          }),
        ];
      });
      this.host.background(exec.step({ frameId: target.frameId, nodeId: target.nodeId }), 'next');
      exec.resume();
      await done;
      if (!run.finished && !exec.isPaused) {
        run.pendingReason = 'step';
        exec.pause();
      }
      return;
    } else {
      await exec.step(target ? { frameId: target.frameId, nodeId: target.nodeId } : undefined);
    }
    if (run.finished) return;
    const next = this.readyIn(threadId)[0] ?? exec.readyNodes()[0];
    this.host.stopAt({ reason: 'step', ...(next ? { node: next } : {}) });
  }

  /** The ready ops of one thread (a flow activation), in the order they would start. */
  readyIn(threadId: number): NodeRef[] {
    const view = this.run.view;
    return (this.run.handle?.execution.control.readyNodes() ?? []).filter((n) => (view?.activationOf(n.frameId) ?? n.frameId) === threadId);
  }

  /** Where a thread is: the op it stopped before, else its next ready op, else one it runs. */
  currentNode(threadId: number): NodeRef | undefined {
    const view = this.run.view;
    const s = this.run.stopped?.node;
    if (s && (view?.activationOf(s.frameId) ?? s.frameId) === threadId) return s;
    const ready = this.readyIn(threadId)[0];
    if (ready) return ready;
    const running = view?.running().find((r) => view.activationOf(r.ref.frameId) === threadId);
    return running?.ref;
  }
}
