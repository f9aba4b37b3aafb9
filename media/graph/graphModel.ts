/**
 * The graph page's view model: what the host's messages say about the program and its run, with
 * no DOM. Each drawn graph is a scope: the entry flow and every other flow at the top, plus a
 * sub-graph under a FLOW_CALL (its callee) or a PLAN (its generated graph) once that frame starts.
 * Loop iterations and repeated calls map onto their scope's nodes, the latest execution winning.
 * Every change is recorded in a dirty set, so the renderer redraws once per animation frame.
 */
import type { FrameRef } from '../../runtime/events.js';
import type { GraphFlow, GraphNode, ProgramGraph } from '../../runtime/query/programGraph.js';
import type { NodeState, NodeStatusBatch, NodeStatusChange, RunStatusBody } from '../../debug-adapter/customProtocol.js';
import { decodeChanges } from '../../runtime/query/nodeStatus.js';
import type { FrameNodeKey, HostMessage, HostMessages, NodeKey } from './protocol.js';

export type { NodeState };

/** One drawn graph: a flow (or a PLAN's generated graph), at the top or under the node that called it. */
export interface Scope {
  /** Top scopes: the flow's name; sub-graphs: `<parent scope>/<caller node id>`. */
  id: string;
  graph: GraphFlow;
  parent?: string;
  callerNodeId?: number;
  kind: 'top' | 'flow' | 'plan' | 'message';
  nodes: Map<number, GraphNode>;
}

/** The latest known execution of a node in a scope. */
export interface NodeRun {
  state: NodeState;
  frameId: number;
  startedAt?: number;
  durationMs?: number;
  tokens?: number;
  /** US dollars; absent without LLM calls or for a model without a price. */
  cost?: number;
}

export interface Dirty {
  /** The scopes or their shape changed: lay out again. */
  structure: boolean;
  /** Node keys whose state or figures changed. */
  nodes: Set<string>;
  /** Run status, stop location, breakpoints or session changed. */
  overlay: boolean;
}

/** `<scope>#<node id>`: a node as drawn (the same flow node in two scopes has two keys). */
export const nodeKey = (scope: string, nodeId: number): string => `${scope}#${nodeId}`;

export function splitNodeKey(key: string): { scope: string; nodeId: number } {
  const at = key.lastIndexOf('#');
  return { scope: key.slice(0, at), nodeId: Number(key.slice(at + 1)) };
}

const scopeKindOf = (kind: FrameRef['kind']): Scope['kind'] => (kind === 'plan' ? 'plan' : kind === 'message' ? 'message' : 'flow');

export class GraphModel {
  program?: ProgramGraph;
  hash = '';
  title = '';
  programPath = '';
  live = false;
  sessionName?: string;
  readonly scopes = new Map<string, Scope>();
  readonly runs = new Map<string, NodeRun>();
  run?: RunStatusBody;
  stopped: { at?: FrameNodeKey; ready: FrameNodeKey[] } = { ready: [] };
  /** `flow#nodeId` → enabled. */
  readonly breakpoints = new Map<string, boolean>();
  /** Batches that arrived after a gap in `seq` (some were lost) and batches dropped as stale (reordered). */
  readonly seqStats = { gaps: 0, stale: 0 };
  /** Status changes for a frame or node the model does not know (dropped). */
  unplaced = 0;
  private readonly frames = new Map<number, { frame: FrameRef; scope?: string; outcome?: string }>();
  private runId?: string;
  private lastSeq = -1;
  private dirty: Dirty = { structure: false, nodes: new Set(), overlay: false };

  apply(message: HostMessage): void {
    switch (message.type) {
      case 'graph/show':
        return this.show(message.body);
      case 'graph/snapshot':
        return this.snapshot(message.body);
      case 'graph/status':
        return this.status(message.body);
      case 'graph/frameStarted':
        this.frameStarted(message.body.frame, message.body.graph);
        return;
      case 'graph/frameEnded': {
        const known = this.frames.get(message.body.frame.frameId);
        if (known) known.outcome = message.body.outcome;
        else this.frameStarted(message.body.frame);
        this.dirty.overlay = true;
        return;
      }
      case 'graph/runStatus':
        this.run = message.body;
        this.dirty.overlay = true;
        return;
      case 'graph/session':
        this.live = message.body.live;
        this.sessionName = message.body.name;
        if (!this.live) this.stopped = { ready: [] };
        this.dirty.overlay = true;
        return;
      case 'graph/stopped':
        this.stopped = { ...(message.body.at ? { at: message.body.at } : {}), ready: message.body.ready };
        this.dirty.overlay = true;
        return;
      case 'graph/breakpoints':
        this.breakpoints.clear();
        for (const b of message.body.nodes) this.breakpoints.set(`${b.flow}#${b.nodeId}`, b.enabled);
        this.dirty.overlay = true;
        return;
      default:
        // reveal, nodeDetail and valuePage are the page's business, not the model's
        return;
    }
  }

  /** What changed since the last call; the renderer takes it once per animation frame. */
  takeDirty(): Dirty {
    const d = this.dirty;
    this.dirty = { structure: false, nodes: new Set(), overlay: false };
    return d;
  }

  get topScopes(): Scope[] {
    return [...this.scopes.values()].filter((s) => s.parent === undefined);
  }

  childrenOf(scope: string): Scope[] {
    return [...this.scopes.values()].filter((s) => s.parent === scope);
  }

  /** The scope drawn for a node key (`flow`/`nodeId` from the host): the top scope of that flow. */
  scopeOfFlow(flow: string): Scope | undefined {
    return this.scopes.get(flow) ?? [...this.scopes.values()].find((s) => s.graph.name === flow);
  }

  nodeOf(key: string): { scope: Scope; node: GraphNode } | undefined {
    const { scope, nodeId } = splitNodeKey(key);
    const s = this.scopes.get(scope);
    const node = s?.nodes.get(nodeId);
    return s && node ? { scope: s, node } : undefined;
  }

  /** Where a node execution in a frame is drawn. */
  keyOfFrameNode(k: FrameNodeKey): string | undefined {
    const scope = this.frames.get(k.frameId)?.scope ?? this.scopeOfFlow(k.flow)?.id;
    return scope !== undefined && this.scopes.get(scope)?.nodes.has(k.nodeId) ? nodeKey(scope, k.nodeId) : undefined;
  }

  hasBreakpoint(key: string): boolean | undefined {
    const found = this.nodeOf(key);
    return found ? this.breakpoints.get(`${found.scope.graph.name}#${found.node.id}`) : undefined;
  }

  /** The host's key for a drawn node: the flow the node belongs to and its id. */
  hostKey(key: string): NodeKey | undefined {
    const found = this.nodeOf(key);
    return found ? { flow: found.scope.graph.name, nodeId: found.node.id } : undefined;
  }

  /** The latest frame that ran this drawn node, for nodeDetail and runNext. */
  frameOf(key: string): number | undefined {
    return this.runs.get(key)?.frameId;
  }

  private show(body: HostMessages['graph/show']): void {
    this.program = body.graph;
    this.hash = body.hash;
    this.title = body.title;
    this.programPath = body.programPath;
    this.live = body.live;
    this.scopes.clear();
    this.runs.clear();
    this.frames.clear();
    this.run = undefined;
    this.stopped = { ready: [] };
    this.runId = undefined;
    this.lastSeq = -1;
    this.seqStats.gaps = this.seqStats.stale = 0;
    this.unplaced = 0;
    // the entry first: it is drawn first, the other flows beside it
    const flows = [...body.graph.flows].sort((a, b) => Number(b.isEntry) - Number(a.isEntry));
    for (const flow of flows) this.addScope({ id: flow.name, graph: flow, kind: 'top' });
    this.dirty.structure = true;
    this.dirty.overlay = true;
  }

  private snapshot(body: HostMessages['graph/snapshot']): void {
    this.runs.clear();
    this.frames.clear();
    // sub-graphs of an earlier run go; the run's own frames bring theirs back
    for (const s of [...this.scopes.values()]) if (s.parent !== undefined) this.scopes.delete(s.id);
    const plans = new Map(body.plans.map((p) => [p.frameId, p.graph]));
    for (const frame of [...body.frames].sort((a, b) => a.frameId - b.frameId)) this.frameStarted(frame, plans.get(frame.frameId));
    this.runId = body.snapshot.runId;
    this.lastSeq = body.snapshot.seq;
    for (const c of decodeChanges(body.snapshot)) this.change(c);
    if (body.run) this.run = body.run;
    this.dirty.structure = true;
    this.dirty.overlay = true;
  }

  private status(batch: NodeStatusBatch): void {
    if (batch.runId !== this.runId) {
      // a new run: the states of the last one no longer hold
      if (this.runId !== undefined) {
        for (const key of this.runs.keys()) this.dirty.nodes.add(key);
        this.runs.clear();
      }
      this.runId = batch.runId;
      this.lastSeq = batch.seq - 1;
    }
    if (batch.seq <= this.lastSeq) {
      // each batch holds the latest state per execution: an older one arriving late would undo newer states
      this.seqStats.stale++;
      return;
    }
    if (batch.seq > this.lastSeq + 1) this.seqStats.gaps++;
    this.lastSeq = batch.seq;
    for (const c of decodeChanges(batch)) this.change(c);
  }

  private change(c: NodeStatusChange): void {
    const scope = this.frames.get(c.frameId)?.scope ?? this.scopeOfFlow(c.flow)?.id;
    if (scope === undefined || !this.scopes.get(scope)?.nodes.has(c.nodeId)) {
      this.unplaced++;
      return;
    }
    const key = nodeKey(scope, c.nodeId);
    const prev = this.runs.get(key);
    // a later iteration or call (a higher frame id) wins over an earlier one still settling
    if (prev && prev.frameId > c.frameId) return;
    const run: NodeRun = { state: c.state, frameId: c.frameId };
    if (c.startedAt !== undefined) run.startedAt = c.startedAt;
    if (c.durationMs !== undefined) run.durationMs = c.durationMs;
    if (c.tokens !== undefined) run.tokens = c.tokens;
    if (c.cost !== undefined) run.cost = c.cost;
    // figures of the same execution stay when a later change leaves them out
    if (prev && prev.frameId === c.frameId) {
      if (run.startedAt === undefined && prev.startedAt !== undefined) run.startedAt = prev.startedAt;
      if (run.durationMs === undefined && prev.durationMs !== undefined) run.durationMs = prev.durationMs;
      if (run.tokens === undefined && prev.tokens !== undefined) run.tokens = prev.tokens;
      if (run.cost === undefined && prev.cost !== undefined) run.cost = prev.cost;
    }
    this.runs.set(key, run);
    this.dirty.nodes.add(key);
  }

  private frameStarted(frame: FrameRef, graph?: GraphFlow): string | undefined {
    const parent = frame.parentFrameId !== undefined ? this.frames.get(frame.parentFrameId) : undefined;
    let scope: string | undefined;
    if (frame.kind === 'loop' || frame.kind === 'region') {
      // an iteration runs its flow's own nodes: drawn where the enclosing frame is
      scope = parent?.scope ?? this.scopeOfFlow(frame.flow)?.id;
    } else if (!parent || frame.callerNodeId === undefined || parent.scope === undefined) {
      scope = graph ? this.attachTop(frame, graph) : this.scopeOfFlow(frame.flow)?.id;
    } else {
      scope = `${parent.scope}/${frame.callerNodeId}`;
      const existing = this.scopes.get(scope);
      const g = graph ?? this.program?.flows.find((f) => f.name === frame.flow);
      if (g && (!existing || (graph && existing.graph !== graph && !sameShape(existing.graph, graph)))) {
        // a PLAN that plans again replaces its sub-graph: the old states are of another graph
        if (existing) this.dropScope(scope);
        this.addScope({ id: scope, graph: g, parent: parent.scope, callerNodeId: frame.callerNodeId, kind: scopeKindOf(frame.kind) });
        this.dirty.structure = true;
      } else if (!g && !existing) scope = undefined;
    }
    this.frames.set(frame.frameId, { frame, scope });
    return scope;
  }

  /** A PLAN graph whose caller is unknown (its parent frame was missed): drawn at the top. */
  private attachTop(frame: FrameRef, graph: GraphFlow): string {
    const id = `${graph.name}@${frame.frameId}`;
    if (!this.scopes.has(id)) {
      this.addScope({ id, graph, kind: 'top' });
      this.dirty.structure = true;
    }
    return id;
  }

  private addScope(s: Omit<Scope, 'nodes'>): void {
    this.scopes.set(s.id, { ...s, nodes: new Map(s.graph.nodes.map((n) => [n.id, n])) });
  }

  private dropScope(id: string): void {
    for (const s of [...this.scopes.values()]) if (s.id === id || s.id.startsWith(`${id}/`)) this.scopes.delete(s.id);
    for (const key of [...this.runs.keys()]) {
      const { scope } = splitNodeKey(key);
      if (scope === id || scope.startsWith(`${id}/`)) this.runs.delete(key);
    }
  }
}

function sameShape(a: GraphFlow, b: GraphFlow): boolean {
  return (
    a.nodes.length === b.nodes.length &&
    a.edges.length === b.edges.length &&
    a.nodes.every((n, i) => n.id === b.nodes[i].id && n.op === b.nodes[i].op) &&
    a.edges.every((e, i) => e.from === b.edges[i].from && e.to === b.edges[i].to)
  );
}
