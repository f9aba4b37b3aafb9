/**
 * The requests APXM's own views send (the graph, the capability explorer, the memory inspector,
 * the status bar, the timeline): one module each, made once per session, told here when a run
 * starts, when the debugger stops and when the session ends, and routed by this table. The
 * session knows them only through this class, so a new view adds its module here, not there.
 */
import type { NodeRef } from '../runtime/events.js';
import type { Execution } from '../runtime/scheduler/execution.js';
import { PageStore } from '../runtime/query/nodeDetail.js';
import { programGraph } from '../runtime/query/programGraph.js';
import type { RunView } from '../runtime/query/runView.js';
import type { Runtime } from '../runtime/runtime.js';
import { findWorkspaceConfig } from '../runtime/workspace.js';
import { CapabilityRequests } from './capabilityRequests.js';
import type { ApxmEventName, ApxmEvents, ApxmRequests } from './customProtocol.js';
import { DapErrorId, refuse } from './dapErrors.js';
import { GraphRequests, type Answer } from './graphRequests.js';
import { MemoryRequests, type WatchKey } from './memoryRequests.js';
import type { SessionRun } from './sessionState.js';
import { RunStatusRequests } from './statusRequests.js';
import { TimelineRequestHandler } from './timelineRequests.js';

type Args<K extends keyof ApxmRequests> = ApxmRequests[K]['arguments'];

/** A module's answer as a route's body, or its refusal. */
function answered<T>(a: Answer<T>): T {
  return 'error' in a ? refuse(a.error, a.message) : a.body;
}

export class ViewRequests {
  /** Long values previewed by node details and memory rows, read back with `apxm/valuePage`. */
  private readonly pages = new PageStore(4096);
  private readonly graph: GraphRequests;
  private readonly caps: CapabilityRequests;
  private readonly memory: MemoryRequests;
  private readonly status: RunStatusRequests;
  private readonly timelines: TimelineRequestHandler;

  constructor(
    private readonly run: SessionRun,
    send: <K extends ApxmEventName>(name: K, body: ApxmEvents[K]) => void,
    watchKey: WatchKey,
  ) {
    this.graph = new GraphRequests(send, () => run.program, this.pages);
    this.caps = new CapabilityRequests(
      send,
      () => run.runtime,
      () => run.args && findWorkspaceConfig(run.args.program),
    );
    this.memory = new MemoryRequests(run, this.pages, watchKey);
    this.status = new RunStatusRequests(
      (body) => send('apxm/runProgress', body),
      (body) => send('apxm/flowTotals', body),
      () => run.finishedQuietly,
    );
    this.timelines = new TimelineRequestHandler(run);
  }

  /** A run is about to start on `runtime`: what must hear the events `start()` emits before it returns (the first INV's call). */
  runStarting(runtime: Runtime, runId: string): void {
    this.caps.runStarted(runtime);
    this.memory.runStarted(runtime.events, runId);
    this.status.runStarting(runId, runtime.events, (flow) => this.run.program?.flows.find((f) => f.qualifiedName === flow)?.file);
  }

  /** The run started: `execution` exists; `view` is its record when debugging. */
  runStarted(runtime: Runtime, runId: string, execution: Execution, view: RunView | undefined): void {
    const stoppedAt = () => this.run.stopped?.node;
    this.memory.runReady();
    this.graph.runStarted({ runId, events: runtime.events, execution, view, stoppedAt });
    this.status.runStarted({ runId, events: runtime.events, execution, stoppedAt });
  }

  /** The debugger stopped there (every kind of stop). */
  stopped(node: NodeRef | undefined): void {
    this.graph.stopped(node);
    this.memory.stopped();
    this.status.stopped(node);
  }

  dispose(): void {
    this.graph.dispose();
    this.caps.dispose();
    this.memory.dispose();
    this.status.dispose();
  }

  /** The views' requests, by handler name (requestArguments.ts checked their arguments already). */
  readonly routes: Record<string, ((args: never) => unknown) | undefined> = {
    programGraphRequest: () =>
      this.run.program ? programGraph(this.run.program) : refuse(DapErrorId.notAvailable, 'no program is loaded: launch one first'),
    subscribeNodeStatusRequest: (a: Args<'apxm/subscribeNodeStatus'>) => answered(this.graph.subscribe(a)),
    unsubscribeNodeStatusRequest: () => answered(this.graph.unsubscribe()),
    nodeDetailRequest: (a: Args<'apxm/nodeDetail'>) => answered(this.graph.nodeDetail(a)),
    valuePageRequest: (a: Args<'apxm/valuePage'>) => answered(this.graph.valuePage(a)),
    capabilitiesRequest: (a: Args<'apxm/capabilities'>) => answered(this.caps.catalog(a)),
    invokeCapabilityRequest: (a: Args<'apxm/invokeCapability'>) => this.caps.invoke(a).then(answered),
    memoryPageRequest: (a: Args<'apxm/memoryPage'>) => answered(this.memory.page(a)),
    memoryProvenanceRequest: (a: Args<'apxm/memoryProvenance'>) => answered(this.memory.provenance(a)),
    memorySetRequest: (a: Args<'apxm/memorySet'>) => answered(this.memory.set(a)),
    memoryDeleteRequest: (a: Args<'apxm/memoryDelete'>) => answered(this.memory.delete(a)),
    watchKeyRequest: (a: Args<'apxm/watchKey'>) => answered(this.memory.watchKey(a)),
    timelineRequest: () => this.timelines.timeline(),
    subscribeRunStatusRequest: (a: Args<'apxm/subscribeRunStatus'>) => this.status.subscribe(a),
    unsubscribeRunStatusRequest: () => this.status.unsubscribe(),
  };
}
