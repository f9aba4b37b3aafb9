/**
 * The memory panel's host-side logic that needs no `vscode`: checking what the page posts (a
 * webview is untrusted input: only the adapter requests the panel forwards pass), following an APXM
 * session's stops from the DAP messages it sends and receives, and where a write's source is.
 */
import path from 'node:path';
import { MEMORY_CALLS, type PageMessage, type PageMessages } from '../../media/memory/protocol.js';
import { isInt, isObject, parsePageMessage, type BodyChecks } from '../webview/pageMessages.js';

const MEMORY_PAGE_MESSAGES: BodyChecks<PageMessages> = {
  ready: () => true,
  call: (b) => isInt(b.requestId) && (MEMORY_CALLS as readonly unknown[]).includes(b.name) && isObject(b.args),
  revealInGraph: (b) => typeof b.flow === 'string' && isInt(b.nodeId),
  openSource: (b) => typeof b.path === 'string' && b.path !== '' && isInt(b.line) && b.line >= 1,
  pageError: (b) => typeof b.message === 'string',
};

/** The page's message, or why it is refused (logged, never forwarded). */
export const parseMemoryPageMessage = (raw: unknown): PageMessage | string => parsePageMessage(raw, MEMORY_PAGE_MESSAGES);

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
