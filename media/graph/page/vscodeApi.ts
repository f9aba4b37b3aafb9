/** The webview's channel to the host: typed posts, and the state VS Code keeps across reloads. */
import type { GraphPageState, PageMessage, PageMessages } from '../protocol.js';
import type { LayoutResult } from '../layout.js';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** What the page keeps: the protocol's state, plus the last layout when it is small enough to store. */
export interface StoredState extends GraphPageState {
  layout?: { key: string; result: LayoutResult };
}

const api: VsCodeApi =
  typeof acquireVsCodeApi === 'function'
    ? acquireVsCodeApi()
    : // opened outside a webview (a plain browser): nothing to talk to
      { postMessage: () => undefined, getState: () => undefined, setState: () => undefined };

export function post<K extends keyof PageMessages>(type: K, body: PageMessages[K]): void {
  api.postMessage({ type, body } as PageMessage);
}

export function loadState(): StoredState | undefined {
  const s = api.getState();
  return s && typeof s === 'object' && typeof (s as StoredState).programPath === 'string' ? (s as StoredState) : undefined;
}

export function saveState(state: StoredState): void {
  api.setState(state);
}
