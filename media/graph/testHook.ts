/**
 * The graph page's read-only test hook, `window.__apxmGraph` (media/graph/main.ts): what the page
 * tests, the workbench scenarios and the bench read. One shape, so a renamed field fails to compile
 * on both sides.
 */
import type { NodeState } from '../../debug-adapter/customProtocol.js';
import type { FrameNodeKey } from './protocol.js';

/** A drawn item: its key, the host's flow and id for an op, what it is, its state and its box in client (viewport) CSS px. */
export interface HookNode {
  key: string;
  kind: string;
  flow?: string;
  nodeId?: number;
  name?: string;
  op?: string;
  state: NodeState;
  box: { x: number; y: number; w: number; h: number };
}

export interface GraphTestHook {
  readonly version: number;
  /** The graph is laid out and drawn for the latest shape. */
  readonly ready: boolean;
  readonly programPath: string;
  readonly live: boolean;
  stopped(): FrameNodeKey | undefined;
  /** Nodes with a breakpoint, as `Agent.flow#id`. */
  breakpoints(): { key: string; enabled: boolean }[];
  states(): Record<string, NodeState>;
  nodes(): HookNode[];
  view(): { x: number; y: number; scale: number };
  selected(): string | undefined;
  collapsed(): string[];
  /** Draw, apply, first-render and layout times, the layout's source, seq gaps. */
  stats(): Record<string, number | string | undefined>;
  /** Draws now (outside the frame loop) and returns the milliseconds it took: for the bench. */
  drawNow(): number;
}
