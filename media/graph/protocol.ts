/**
 * Every message between the extension host's graph panel and the graph page in the webview, typed
 * in one file both sides import (so a renamed field is a compile error on both). Messages travel as
 * `{ type, body }`; a request from the page carries a `requestId` its reply repeats. The shapes of
 * the adapter's data are the debug adapter's own (debug-adapter/customProtocol.ts), passed through.
 */
import type { FrameRef } from '../../runtime/events.js';
import type { GraphFlow, ProgramGraph } from '../../runtime/query/programGraph.js';
import type { NodeDetail, NodeStatusBatch, RunStatusBody } from '../../debug-adapter/customProtocol.js';

/** A node of a flow, as the page and host name it. */
export interface NodeKey {
  flow: string;
  nodeId: number;
}

/** A node execution in a frame (a loop iteration or a flow call has a frame of its own). */
export interface FrameNodeKey extends NodeKey {
  frameId: number;
}

/** Host → page. */
export interface HostMessages {
  /**
   * The program to draw. Resets every state; `hash` identifies the graph's shape (layouts are
   * cached by it). `live` is false when no debug session runs the program (the graph from the file).
   */
  'graph/show': { graph: ProgramGraph; hash: string; programPath: string; title: string; live: boolean };
  /** The states known when the panel subscribed, then the live frames and PLAN graphs so far. */
  'graph/snapshot': { snapshot: NodeStatusBatch; frames: FrameRef[]; plans: { frameId: number; graph: GraphFlow }[]; run?: RunStatusBody };
  'graph/status': NodeStatusBatch;
  'graph/frameStarted': { frame: FrameRef; graph?: GraphFlow };
  'graph/frameEnded': { frame: FrameRef; outcome: 'succeeded' | 'failed' | 'cancelled' };
  'graph/runStatus': RunStatusBody;
  /** The debug session ended (states stay drawn, the menu's run actions are off) or began. */
  'graph/session': { live: boolean; name?: string };
  /** Where the debugger stopped (none: it runs or has ended) and which ready ops could run next. */
  'graph/stopped': { at?: FrameNodeKey; ready: FrameNodeKey[] };
  /** Every node that has a breakpoint, from VS Code's own breakpoint list (so the Breakpoints view and the graph agree). */
  'graph/breakpoints': { nodes: (NodeKey & { enabled: boolean })[] };
  /** Scroll a node into view and select it (e.g. from the editor's "Show in Graph"). */
  'graph/reveal': NodeKey;
  'graph/nodeDetail': { requestId: number; detail?: NodeDetail; error?: string };
  'graph/valuePage': { requestId: number; text?: string; offset?: number; total?: number; error?: string };
}

/** Page → host. */
export interface PageMessages {
  /** The page has loaded (first load or after a reload) and wants `graph/show`. */
  ready: Record<string, never>;
  /** Show the node's source: its AIS line, or its line in the DAG listing. */
  openSource: NodeKey;
  nodeDetail: { requestId: number } & NodeKey & { frameId?: number; nodeExecId?: string };
  valuePage: { requestId: number; pageRef: string; offset: number; length: number };
  /** Add or remove the breakpoint on that node (a VS Code function breakpoint `Agent.flow#id`). */
  toggleBreakpoint: NodeKey;
  /** Continue until that node is about to run. */
  runToNode: NodeKey;
  /** While stopped: run that ready op next (DAP stepIn with its target). */
  runNext: FrameNodeKey;
  /** Something went wrong in the page: logged in the APXM output channel. */
  pageError: { message: string };
}

export type HostMessage = { [K in keyof HostMessages]: { type: K; body: HostMessages[K] } }[keyof HostMessages];
export type PageMessage = { [K in keyof PageMessages]: { type: K; body: PageMessages[K] } }[keyof PageMessages];

/** What the page keeps with `setState`, restored after a reload (and handed to the serializer). */
export interface GraphPageState {
  programPath: string;
  hash?: string;
  /** Pan and zoom. */
  view?: { x: number; y: number; scale: number };
  selected?: NodeKey;
  collapsed?: string[];
  heat?: 'none' | 'latency' | 'tokens' | 'cost';
  criticalPath?: boolean;
}
