/** The webview's channel to the host: typed posts, and the state VS Code keeps across reloads. */
import type { MemoryPageState, PageMessage, PageMessages } from '../protocol.js';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api: VsCodeApi =
  typeof acquireVsCodeApi === 'function'
    ? acquireVsCodeApi()
    : // opened outside a webview (a plain browser): nothing to talk to
      { postMessage: () => undefined, getState: () => undefined, setState: () => undefined };

export function post<K extends keyof PageMessages>(type: K, body: PageMessages[K]): void {
  api.postMessage({ type, body } as PageMessage);
}

export function loadState(): MemoryPageState | undefined {
  const s = api.getState();
  return s && typeof s === 'object' && typeof (s as MemoryPageState).tab === 'string' ? (s as MemoryPageState) : undefined;
}

export function saveState(state: MemoryPageState): void {
  api.setState(state);
}
