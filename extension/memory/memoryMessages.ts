/**
 * The memory panel's host-side logic that needs no `vscode`: checking what the page posts (a
 * webview is untrusted input: only the adapter requests the panel forwards pass), following an APXM
 * session's stops from the DAP messages it sends and receives, and where a write's source is.
 */
import path from 'node:path';
import { MEMORY_CALLS, type PageMessage } from '../../media/memory/protocol.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** The page's message, or why it is refused (logged, never forwarded). */
export function parseMemoryPageMessage(raw: unknown): PageMessage | string {
  if (!isObject(raw) || typeof raw.type !== 'string') return 'a page message is not an object with a "type"';
  const body = raw.body ?? {};
  if (!isObject(body)) return `page message ${raw.type}: "body" is not an object`;
  const ok = ((): boolean => {
    switch (raw.type) {
      case 'ready':
        return true;
      case 'call':
        return isInt(body.requestId) && (MEMORY_CALLS as readonly unknown[]).includes(body.name) && isObject(body.args);
      case 'revealInGraph':
        return typeof body.flow === 'string' && isInt(body.nodeId);
      case 'openSource':
        return typeof body.path === 'string' && body.path !== '' && isInt(body.line) && body.line >= 1;
      case 'pageError':
        return typeof body.message === 'string';
      default:
        return false;
    }
  })();
  if (!ok) return `page message ${raw.type}: unknown type or wrong fields ${JSON.stringify(body).slice(0, 200)}`;
  return { type: raw.type, body } as PageMessage;
}

/** DAP requests that set a stopped program running again (the adapter need not send `continued` for them). */
const RESUMING = new Set(['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'goto', 'restart']);

/** One session's run state as the DAP messages through it tell it. */
export class StopTracker {
  stopped = false;
  /** Stops seen so far: each one refreshes the page. */
  stops = 0;
  ended = false;

  /** A message the adapter sent; true when the run state changed. */
  sent(m: unknown): boolean {
    if (!isObject(m) || m.type !== 'event') return false;
    switch (m.event) {
      case 'stopped':
        this.stopped = true;
        this.stops++;
        return true;
      case 'continued':
        return this.run();
      case 'terminated':
      case 'exited':
        if (this.ended) return false;
        this.ended = true;
        this.stopped = false;
        return true;
      default:
        return false;
    }
  }

  /** A request the client sent. */
  received(m: unknown): boolean {
    if (!isObject(m) || m.type !== 'request' || typeof m.command !== 'string' || !RESUMING.has(m.command)) return false;
    return this.run();
  }

  private run(): boolean {
    if (!this.stopped) return false;
    this.stopped = false;
    return true;
  }
}

/** A write's source as a file to open: relative paths are the program's folder's. */
export function sourceFile(file: string, program: string | undefined): string {
  if (path.isAbsolute(file) || !program) return file;
  return path.resolve(path.dirname(program), file);
}
