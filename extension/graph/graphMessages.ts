/**
 * The graph panel's message logic without `vscode` (node:test calls it directly): the adapter's
 * custom events turned into page messages, the check of what the page sends, the graph's hash and
 * the program a debug session runs.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ApxmEvents, ApxmRequests, RunStatusBody } from '../../debug-adapter/customProtocol.js';
import type { ProgramGraph } from '../../runtime/query/programGraph.js';
import type { HostMessage, HostMessages, PageMessage, PageMessages } from '../../media/graph/protocol.js';
import { isInt, parsePageMessage, type BodyChecks } from '../webview/pageMessages.js';

/** Identifies the graph's shape: the page caches its layout by it. */
export function graphHash(graph: ProgramGraph): string {
  return createHash('sha256').update(JSON.stringify(graph)).digest('hex');
}

/** The panel's title: `Graph: trip_planner.ais`. */
export function graphTitle(programPath: string): string {
  return `Graph: ${path.basename(programPath)}`;
}

/** Programs whose graph was opened, most recent first: the serializer's fallback. */
const RECENT_MAX = 20;

export function rememberProgram(recent: readonly string[], programPath: string): string[] {
  return [programPath, ...recent.filter((p) => programKey(p) !== programKey(programPath))].slice(0, RECENT_MAX);
}

/**
 * The program of a panel VS Code restores: the one its page saved with setState, else (the window
 * was reloaded before the page's state was stored) the latest opened program with the panel's title.
 */
export function restoredProgram(state: unknown, title: string, recent: readonly string[]): string | undefined {
  const saved = typeof state === 'object' && state !== null ? (state as { programPath?: unknown }).programPath : undefined;
  if (typeof saved === 'string' && saved !== '') return saved;
  return recent.find((p) => graphTitle(p) === title);
}

/** Where the debugger stands, from the run's status: stopped at an op with its ready ops, or running/ended (none). */
export function stoppedOf(run: RunStatusBody): HostMessages['graph/stopped'] {
  return run.state === 'paused' ? { ...(run.stoppedAt ? { at: run.stoppedAt } : {}), ready: run.ready ?? [] } : { ready: [] };
}

/**
 * Turns the adapter's events for one panel into page messages. `graph/stopped` is derived from
 * `apxm/runStatus`, which the adapter sends with every status batch: it is posted only when it
 * changes, not 20 times a second.
 */
export class SessionRouter {
  private lastStopped: string | undefined;

  /** Forget what was posted: the page reloaded (or a new session attached) and has nothing. */
  reset(): void {
    this.lastStopped = undefined;
  }

  /** The messages for the answer to `apxm/subscribeNodeStatus`. */
  snapshot(body: ApxmRequests['apxm/subscribeNodeStatus']['body']): HostMessage[] {
    const out: HostMessage[] = [{ type: 'graph/snapshot', body }];
    if (body.run) this.pushStopped(out, stoppedOf(body.run));
    return out;
  }

  /** The messages for one custom event (none for events the graph does not show). */
  event(name: string, body: unknown): HostMessage[] {
    switch (name) {
      case 'apxm/nodeStatus':
        return [{ type: 'graph/status', body: body as ApxmEvents['apxm/nodeStatus'] }];
      case 'apxm/frameStarted':
        return [{ type: 'graph/frameStarted', body: body as ApxmEvents['apxm/frameStarted'] }];
      case 'apxm/frameEnded':
        return [{ type: 'graph/frameEnded', body: body as ApxmEvents['apxm/frameEnded'] }];
      case 'apxm/runStatus': {
        const run = body as RunStatusBody;
        const out: HostMessage[] = [{ type: 'graph/runStatus', body: run }];
        this.pushStopped(out, stoppedOf(run));
        return out;
      }
      default:
        return [];
    }
  }

  /** The session ended: the page keeps its states, the run actions go off. */
  ended(): HostMessage[] {
    const out: HostMessage[] = [{ type: 'graph/session', body: { live: false } }];
    this.pushStopped(out, { ready: [] });
    return out;
  }

  private pushStopped(out: HostMessage[], stopped: HostMessages['graph/stopped']): void {
    const text = JSON.stringify(stopped);
    if (text === this.lastStopped) return;
    this.lastStopped = text;
    out.push({ type: 'graph/stopped', body: stopped });
  }
}

/**
 * The program file a launch configuration runs, resolved as the adapter resolves it (relative to
 * `cwd`, else the workspace folder); undefined when the configuration names none.
 */
export function sessionProgramPath(config: { program?: unknown; cwd?: unknown }, folder: string | undefined): string | undefined {
  if (typeof config.program !== 'string' || config.program === '') return undefined;
  const base = typeof config.cwd === 'string' ? config.cwd : (folder ?? process.cwd());
  return path.resolve(base, config.program);
}

/** One key per program file (case-insensitive on Windows, as its file system is). */
export function programKey(file: string): string {
  const p = path.resolve(file);
  return process.platform === 'win32' ? p.toLowerCase() : p;
}

const isNodeKey = (b: Record<string, unknown>): boolean => typeof b.flow === 'string' && isInt(b.nodeId);

const GRAPH_PAGE_MESSAGES: BodyChecks<PageMessages> = {
  ready: () => true,
  openSource: isNodeKey,
  toggleBreakpoint: isNodeKey,
  runToNode: isNodeKey,
  runNext: (b) => isNodeKey(b) && isInt(b.frameId),
  nodeDetail: (b) =>
    isInt(b.requestId) &&
    isNodeKey(b) &&
    (b.frameId === undefined || isInt(b.frameId)) &&
    (b.nodeExecId === undefined || typeof b.nodeExecId === 'string'),
  valuePage: (b) => isInt(b.requestId) && typeof b.pageRef === 'string' && isInt(b.offset) && isInt(b.length),
  pageError: (b) => typeof b.message === 'string',
};

/** A message from the graph page, checked against its protocol; a string saying what is wrong otherwise. */
export const parseGraphPageMessage = (raw: unknown): PageMessage | string => parsePageMessage(raw, GRAPH_PAGE_MESSAGES);
