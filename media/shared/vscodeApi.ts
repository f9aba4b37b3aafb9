/**
 * A webview page's channel to the host: typed posts (`{ type, body }`, the pages' protocols), and
 * the state VS Code keeps across reloads. Opened outside a webview (a plain browser) it talks to nothing.
 */

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

// VS Code lets a page acquire its API once: every channel of the page shares it
let api: VsCodeApi | undefined;
const vscodeApi = (): VsCodeApi =>
  (api ??=
    typeof acquireVsCodeApi === 'function'
      ? acquireVsCodeApi()
      : { postMessage: () => undefined, getState: () => undefined, setState: () => undefined });

export interface PageChannel<Messages, State> {
  // properties, not methods: the pages take them out of the object
  post: <K extends keyof Messages>(type: K, body: Messages[K]) => void;
  /** The stored state, if it has the page's shape (a page of another version may have stored another). */
  loadState: () => State | undefined;
  saveState: (state: State) => void;
}

/** `isState` tells the page's own state from anything else stored (checked on an object). */
export function pageChannel<Messages, State>(isState: (stored: Record<string, unknown>) => boolean): PageChannel<Messages, State> {
  return {
    post: (type, body) => vscodeApi().postMessage({ type, body }),
    loadState: () => {
      const s = vscodeApi().getState();
      return s && typeof s === 'object' && isState(s as Record<string, unknown>) ? (s as State) : undefined;
    },
    saveState: (state) => vscodeApi().setState(state),
  };
}
