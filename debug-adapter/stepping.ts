/**
 * Execution control of a stopped run: continue, pause, step over / into / out of one op, and the
 * step-in targets (the ready ops, any of which can run next). Stopped means the scheduler holds
 * before starting the next op; a step starts exactly one.
 */
import { ContinuedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { NodeRef } from '../runtime/events.js';
import type { Value } from '../runtime/values/value.js';
import { DapErrorId, refuse } from './dapErrors.js';
import type { SessionHost, SessionRun } from './sessionState.js';

/** Ops whose completion needs other ops to run (their callees): stepping them cannot wait for it. */
export const CALL_OPS = new Set(['FLOW_CALL', 'COMMUNICATE', 'PLAN']);

export class Stepping {
  private stepTargets = new Map<number, NodeRef>();
  /** `apxm/runToNode`'s target: the next start of this node holds the run; any stop drops it (as run to cursor). */
  private runTo?: { flow: string; nodeId: number; label: string; execution?: number };

  constructor(
    private readonly run: SessionRun,
    private readonly host: Pick<SessionHost, 'stopAt' | 'end' | 'background' | 'sendEvent'>,
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

  /** `apxm/runNext`: the ready op `frameId`/`nodeId` while stopped; refuses (naming the ready ops) otherwise. */
  readyTarget(frameId: number, nodeId: number): NodeRef {
    const exec = this.run.handle?.execution.control;
    if (this.run.finished) return refuse(DapErrorId.notAvailable, 'apxm/runNext: the run has ended, nothing is left to run');
    if (!exec || !this.run.stopped || !exec.isPaused)
      return refuse(DapErrorId.notAvailable, 'apxm/runNext works while the debugger is stopped: pause the run first');
    const ready = exec.readyNodes();
    const chosen = ready.find((n) => n.frameId === frameId && n.nodeId === nodeId);
    if (chosen) return chosen;
    const list = ready.map((n) => `${n.flow}#${n.nodeId} ${n.op} ${n.name} (frame ${n.frameId})`).join(', ');
    return refuse(DapErrorId.notAvailable, `apxm/runNext: op ${nodeId} of frame ${frameId} is not ready; ready: ${list || 'none'}`);
  }

  /** Runs the chosen ready op next and stops after it, as a step into it does; the client is told the run goes on. */
  runNext(chosen: NodeRef): void {
    const threadId = this.run.view?.activationOf(chosen.frameId) ?? chosen.frameId;
    this.host.sendEvent(new ContinuedEvent(threadId, true));
    this.host.background(this.stepOne(threadId, true, chosen), 'runNext');
  }

  /**
   * `apxm/runToNode`: runs until `flow`'s node `nodeId` is about to start (in any frame), then
   * stops there; a breakpoint or any other stop on the way wins and drops the target. With
   * `execution`, its starts before the node has started that many times go by. `respond` answers
   * the request once it is accepted, before the run goes on.
   */
  runToNode(flow: string, nodeId: number, execution: number | undefined, respond: () => void): void {
    const run = this.run;
    const flows = run.program?.flows ?? [];
    const f = flows.find((x) => x.qualifiedName === flow);
    if (!f)
      return refuse(
        DapErrorId.notAvailable,
        `apxm/runToNode: no flow '${flow}' in this program; its flows: ${flows.map((x) => x.qualifiedName).join(', ')}`,
      );
    const node = f.nodes.find((n) => n.id === nodeId);
    if (!node)
      return refuse(
        DapErrorId.notAvailable,
        `apxm/runToNode: flow '${flow}' has no node ${nodeId}; its nodes: ${f.nodes.map((n) => n.id).join(', ')}`,
      );
    if (run.args?.noDebug === true) return refuse(DapErrorId.notAvailable, 'apxm/runToNode: a run without debugging does not stop');
    if (run.finished) return refuse(DapErrorId.notAvailable, 'apxm/runToNode: the run has ended, nothing is left to run');
    this.runTo = { flow, nodeId, label: `${node.op} ${node.name}`, ...(execution !== undefined ? { execution } : {}) };
    respond();
    const exec = run.handle?.execution.control;
    if (!run.stopped || !exec?.isPaused) return; // running: it stops when the node comes up
    this.host.sendEvent(new ContinuedEvent(this.run.view?.activations()[0]?.frameId ?? 1, true));
    this.resume();
  }

  /** The pause hook's part for `apxm/runToNode`: true holds the run before the target node. */
  reachedRunTo(node: NodeRef, inputs: Value[]): boolean {
    const to = this.runTo;
    if (!to || this.run.fastForward || node.flow !== to.flow || node.nodeId !== to.nodeId) return false;
    // an earlier start of the node (a loop's earlier iteration) than the one asked for
    if (to.execution !== undefined && (this.run.view?.executions(node.flow, node.nodeId) ?? to.execution) < to.execution) return false;
    this.run.stopped = { reason: 'step', description: `ran to ${to.label} (${to.flow}#${to.nodeId})`, node, inputs };
    this.run.pendingReason = 'step';
    return true;
  }

  /** The run stopped, for whatever reason: a run-to target is done with (as VS Code's run to cursor). */
  onStop(): void {
    this.runTo = undefined;
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
