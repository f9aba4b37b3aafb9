/**
 * The graph view's requests for one debug session: the node status subscription (which follows
 * the session from run to run: a restart or step back makes a new run), node detail and value
 * pages. The data come from the runtime's query layer (runtime/query/); this module only answers
 * requests and sends the feed's messages as the adapter's custom events.
 */
import type { NodeRef, RuntimeEventEmitter } from '../runtime/events.js';
import type { Program } from '../runtime/graph/types.js';
import { findExecution, MAX_PAGE_CHARS, nodeDetail, PageStore } from '../runtime/query/nodeDetail.js';
import { encodeChanges } from '../runtime/query/nodeStatus.js';
import { NodeStatusFeed, type RunProbe } from '../runtime/query/nodeStatusFeed.js';
import { RunView } from '../runtime/query/runView.js';
import type { ApxmEventName, ApxmEvents, ApxmRequests } from './customProtocol.js';
import { DapErrorId, type DapErrorIdValue } from './dapErrors.js';

/** A run as the session started it. `view` is the session's record of it (none when it runs without debugging). */
export interface GraphRun {
  runId: string;
  events: RuntimeEventEmitter;
  execution: RunProbe & { readonly control: { readonly isPaused: boolean; readyNodes(): NodeRef[] } };
  view?: RunView;
  /** Where the debugger is stopped now, if it is. */
  stoppedAt(): NodeRef | undefined;
}

/** A request's answer: its body, or the error to send. */
export type Answer<T> = { body: T } | { error: DapErrorIdValue; message: string };

type Body<K extends keyof ApxmRequests> = ApxmRequests[K]['body'];
type Args<K extends keyof ApxmRequests> = ApxmRequests[K]['arguments'];

export class GraphRequests {
  private run?: GraphRun;
  /** The batches-a-second rate while a client is subscribed. */
  private rate?: number;
  private feed?: NodeStatusFeed;
  /** A record made for the subscription when the session keeps none (a run without debugging). */
  private ownView?: RunView;
  constructor(
    private readonly send: <K extends ApxmEventName>(name: K, body: ApxmEvents[K]) => void,
    private readonly program: () => Program | undefined,
    /** Long values previewed (node details, memory rows), for `apxm/valuePage`; kept for the whole session. */
    private readonly pages = new PageStore(),
  ) {}

  /**
   * A run started. A subscription moves to it: a `runStatus` with the new run id, its live frames
   * and a snapshot batch (seq 0; the new run's batches count from 1 again).
   */
  runStarted(run: GraphRun): void {
    this.stopFeed();
    this.run = run;
    if (this.rate === undefined) return;
    const snap = this.startFeed(run).snapshot();
    if (snap.run) this.send('apxm/runStatus', snap.run);
    const plans = new Map(snap.plans.map((p) => [p.frameId, p.graph]));
    for (const frame of snap.frames) {
      const graph = plans.get(frame.frameId);
      this.send('apxm/frameStarted', { frame, ...(graph ? { graph } : {}) });
    }
    this.send('apxm/nodeStatus', snap.snapshot);
  }

  /** The debugger stopped there (every kind of stop, a step included): the status says so at once. */
  stopped(node: NodeRef | undefined): void {
    if (this.feed && this.run) this.feed.stopped(node, this.run.execution.control.readyNodes());
  }

  subscribe(args: Args<'apxm/subscribeNodeStatus'>): Answer<Body<'apxm/subscribeNodeStatus'>> {
    const first = this.rate === undefined;
    this.rate = args.maxBatchesPerSecond ?? this.rate;
    this.rate ??= 10;
    const run = this.run;
    if (!run) return { body: { snapshot: { runId: '', seq: 0, ...encodeChanges([]) }, frames: [], plans: [] } };
    if (!first && this.feed) {
      this.feed.setRate(this.rate);
      return { body: this.feed.snapshot() };
    }
    return { body: this.startFeed(run).snapshot() };
  }

  unsubscribe(): Answer<Body<'apxm/unsubscribeNodeStatus'>> {
    this.rate = undefined;
    this.stopFeed();
    return { body: {} };
  }

  nodeDetail(args: Args<'apxm/nodeDetail'>): Answer<Body<'apxm/nodeDetail'>> {
    const byId = args.nodeExecId !== undefined;
    if (!byId && (args.flow === undefined || args.nodeId === undefined))
      return {
        error: DapErrorId.badArguments,
        message: 'apxm/nodeDetail: give arguments.nodeExecId, or arguments.flow and arguments.nodeId',
      };
    const asked = byId
      ? `execution '${args.nodeExecId}'`
      : `node ${args.flow}#${args.nodeId}${args.frameId !== undefined ? ` in frame ${args.frameId}` : ''}`;
    const run = this.run;
    if (!run) return { error: DapErrorId.notAvailable, message: `no run yet: launch the program to see ${asked}` };
    const view = run.view ?? this.ownView;
    if (!view)
      return {
        error: DapErrorId.notAvailable,
        message: `${asked}: a run without debugging keeps no node details (subscribe with apxm/subscribeNodeStatus first, or debug it)`,
      };
    const rec = findExecution(view, args);
    if (!rec) return { error: DapErrorId.notAvailable, message: this.whyUnknown(args, asked) };
    return { body: nodeDetail(view, rec, this.pages) };
  }

  valuePage(args: Args<'apxm/valuePage'>): Answer<Body<'apxm/valuePage'>> {
    if (args.length > MAX_PAGE_CHARS)
      return {
        error: DapErrorId.badArguments,
        message: `apxm/valuePage: arguments.length must be at most ${MAX_PAGE_CHARS}, not ${args.length}: read a long value in several pages`,
      };
    const page = this.pages.page(args.pageRef, args.offset, args.length);
    if (!page)
      return {
        error: DapErrorId.notAvailable,
        message: `no value page '${args.pageRef}': it expired (the session keeps the last ${this.pages.maxValues} long values previewed) or never existed; ask apxm/nodeDetail (or apxm/memoryPage) again for a new one`,
      };
    if (args.offset > page.total)
      return {
        error: DapErrorId.badArguments,
        message: `apxm/valuePage: arguments.offset ${args.offset} is past the end of '${args.pageRef}' (${page.total} characters)`,
      };
    return { body: page };
  }

  dispose(): void {
    this.rate = undefined;
    this.stopFeed();
    this.pages.clear();
  }

  private startFeed(run: GraphRun): NodeStatusFeed {
    let view = run.view;
    if (!view) {
      // a run without debugging: recorded from now on, its clock from the run's own start
      view = this.ownView = new RunView(run.events, run.runId);
      view.startedAt = Date.now() - run.execution.liveStats().durationMs;
    }
    this.feed = new NodeStatusFeed({
      events: run.events,
      view,
      probe: run.execution,
      paused: run.execution.control.isPaused,
      maxBatchesPerSecond: this.rate,
      sink: {
        nodeStatus: (b) => this.send('apxm/nodeStatus', b),
        frameStarted: (e) => this.send('apxm/frameStarted', e),
        frameEnded: (e) => this.send('apxm/frameEnded', e),
        runStatus: (s) => this.send('apxm/runStatus', s),
      },
    });
    // made while stopped (on entry, at a breakpoint): the status says where from the start
    if (run.execution.control.isPaused) this.feed.stopped(run.stoppedAt(), run.execution.control.readyNodes());
    return this.feed;
  }

  private stopFeed(): void {
    this.feed?.dispose();
    this.feed = undefined;
    this.ownView?.dispose();
    this.ownView = undefined;
  }

  /** Why a node has no execution: the flow or node is not in the program, or it has not run (yet). */
  private whyUnknown(args: Args<'apxm/nodeDetail'>, asked: string): string {
    if (args.nodeExecId !== undefined)
      return `no ${asked} in run ${this.run?.runId} (an id of another run, or forgotten: it keeps the latest 20,000)`;
    const flow = this.program()?.flows.find((f) => f.qualifiedName === args.flow);
    if (!flow) return `${asked}: no flow '${args.flow}' in this program, and no generated plan of that name has run`;
    if (!flow.nodes.some((n) => n.id === args.nodeId)) return `${asked}: flow ${args.flow} has no node ${args.nodeId}`;
    return `${asked} has not run in this run yet`;
  }
}
