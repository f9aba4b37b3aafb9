/**
 * Runs the layout off the main thread, in a worker made from a blob (the webview's CSP allows
 * `worker-src blob:`), and on the main thread when a worker cannot start. Results are cached by the
 * graph's shape key, so collapsing and expanding back, or a reload, does not lay out again.
 */
import { layoutGraph, type LayoutGraphIn, type LayoutResult } from '../layout.js';

/** The worker's bundled code, put in by scripts/bundle.mjs. */
declare const __APXM_LAYOUT_WORKER__: string;

export type LayoutSource = 'worker' | 'main' | 'cache';

interface Pending {
  resolve: (r: LayoutResult) => void;
  reject: (e: Error) => void;
}

export class LayoutClient {
  source: LayoutSource = 'main';
  lastMs = 0;
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly cache = new Map<string, LayoutResult>();

  constructor(onError: (message: string) => void) {
    try {
      if (typeof __APXM_LAYOUT_WORKER__ !== 'string') throw new Error('no worker code in this bundle');
      const url = URL.createObjectURL(new Blob([__APXM_LAYOUT_WORKER__], { type: 'text/javascript' }));
      this.worker = new Worker(url);
      this.worker.onmessage = (e: MessageEvent<{ id: number; result?: LayoutResult; error?: string; ms?: number }>) => {
        const p = this.pending.get(e.data.id);
        this.pending.delete(e.data.id);
        if (e.data.ms !== undefined) this.lastMs = e.data.ms;
        if (e.data.result) p?.resolve(e.data.result);
        else p?.reject(new Error(e.data.error ?? 'layout failed'));
      };
      this.worker.onerror = (e) => {
        // a worker the CSP refused, or one that died: lay out here from now on
        onError(`layout worker: ${e.message || 'failed to start'}; laying out on the page instead`);
        this.dropWorker();
      };
    } catch (err) {
      onError(`layout worker: ${err instanceof Error ? err.message : String(err)}; laying out on the page instead`);
      this.worker = undefined;
    }
  }

  remember(key: string, result: LayoutResult): void {
    this.cache.set(key, result);
  }

  async layout(key: string, input: LayoutGraphIn): Promise<LayoutResult> {
    const cached = this.cache.get(key);
    if (cached) {
      this.source = 'cache';
      return cached;
    }
    const result = await this.compute(input);
    this.cache.set(key, result);
    return result;
  }

  private compute(input: LayoutGraphIn): Promise<LayoutResult> {
    if (!this.worker) return Promise.resolve(this.onMain(input));
    const id = this.nextId++;
    return new Promise<LayoutResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker?.postMessage({ id, input });
    }).then(
      (r) => {
        this.source = 'worker';
        return r;
      },
      () => this.onMain(input),
    );
  }

  private onMain(input: LayoutGraphIn): LayoutResult {
    const started = performance.now();
    const r = layoutGraph(input);
    this.lastMs = performance.now() - started;
    this.source = 'main';
    return r;
  }

  private dropWorker(): void {
    this.worker?.terminate();
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(new Error('worker gone'));
    this.pending.clear();
  }
}
