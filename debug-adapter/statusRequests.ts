/**
 * `apxm/subscribeRunStatus` for one debug session: a RunStatusFeed (runtime/query/runStatusFeed.ts)
 * on the current run while a client is subscribed, moved to each new run. With nobody subscribed
 * there is no feed and no timer; only the run's end is noted (once per run), so a late subscriber
 * learns how it ended.
 */
import type { NodeRef, RunStats, RunStatus, RuntimeEventEmitter } from '../runtime/events.js';
import { FlowTotals } from '../runtime/query/flowTotals.js';
import { RunStatusFeed, type RunTotals } from '../runtime/query/runStatusFeed.js';
import type { ApxmEvents, ApxmRequests } from './customProtocol.js';

export interface StatusRun {
  runId: string;
  events: RuntimeEventEmitter;
  execution: RunTotals & { readonly control: { readonly isPaused: boolean; readyNodes(): NodeRef[] } };
  stoppedAt(): NodeRef | undefined;
}

type Body<K extends keyof ApxmRequests> = ApxmRequests[K]['body'];

export class RunStatusRequests {
  private run?: StatusRun;
  private finished?: { status: RunStatus; stats: RunStats };
  private offFinished?: () => void;
  private rate?: number;
  private feed?: RunStatusFeed;
  private flows?: FlowTotals;
  private wantFlows = false;

  constructor(
    private readonly send: (body: ApxmEvents['apxm/runProgress']) => void,
    private readonly sendFlows: (body: ApxmEvents['apxm/flowTotals']) => void = () => undefined,
    /** The run is being replaced (restart, step back, a timeline seek): its end is not a run's end to report. */
    private readonly replacing: () => boolean = () => false,
  ) {}

  /** Before a run starts (its first frame is entered inside start): its per-flow totals, sent at its end to a client that asked. */
  runStarting(runId: string, events: RuntimeEventEmitter, fileOf: (flow: string) => string | undefined): void {
    this.flows?.dispose();
    this.flows = new FlowTotals(events, runId, {
      fileOf,
      onFinished: (body) => {
        // a run cancelled to start again is not the flow's last run (the CodeLens would say "cancelled")
        if (this.wantFlows && !this.replacing()) this.sendFlows(body);
      },
    });
  }

  runStarted(run: StatusRun): void {
    this.forgetRun();
    this.run = run;
    this.offFinished = run.events.on('run:finished', (e) => {
      if (e.runId === run.runId) this.finished = { status: e.status, stats: e.stats };
    });
    if (this.rate !== undefined) this.send(this.startFeed(run).status());
  }

  /** The debugger stopped (every kind of stop). */
  stopped(node: NodeRef | undefined): void {
    if (this.feed && this.run) this.feed.stopped(node, this.run.execution.control.readyNodes());
  }

  subscribe(args: ApxmRequests['apxm/subscribeRunStatus']['arguments']): Body<'apxm/subscribeRunStatus'> {
    this.rate = args.maxPerSecond ?? this.rate ?? 2;
    if (args.flowTotals !== undefined) this.wantFlows = args.flowTotals;
    if (!this.run) return {};
    if (this.feed) this.feed.setRate(this.rate);
    else this.startFeed(this.run);
    return { run: this.feed!.status() };
  }

  unsubscribe(): Body<'apxm/unsubscribeRunStatus'> {
    this.rate = undefined;
    this.wantFlows = false;
    this.stopFeed();
    return {};
  }

  dispose(): void {
    this.rate = undefined;
    this.wantFlows = false;
    this.flows?.dispose();
    this.flows = undefined;
    this.forgetRun();
  }

  private startFeed(run: StatusRun): RunStatusFeed {
    this.feed = new RunStatusFeed({
      runId: run.runId,
      events: run.events,
      totals: run.execution,
      send: this.send,
      maxPerSecond: this.rate,
      // subscribed while stopped (on entry, at a breakpoint): the status says where from the start
      paused: run.execution.control.isPaused ? { at: run.stoppedAt(), ready: run.execution.control.readyNodes() } : undefined,
      finished: this.finished,
    });
    return this.feed;
  }

  private stopFeed(): void {
    this.feed?.dispose();
    this.feed = undefined;
  }

  private forgetRun(): void {
    this.stopFeed();
    this.offFinished?.();
    this.offFinished = undefined;
    this.finished = undefined;
    this.run = undefined;
  }
}
