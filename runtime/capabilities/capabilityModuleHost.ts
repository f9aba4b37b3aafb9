/**
 * Runs a workspace capability module in its own worker thread (capabilityModuleWorker.ts), one
 * per module per runtime, so a handler stuck in a synchronous loop cannot hold the runtime: when a
 * call times out or is cancelled, its handler's signal is aborted and, unless the thread answers
 * a ping within STUCK_GRACE_MS, the thread is terminated (failing any other call it was running)
 * and a fresh one is started for the next call. Parameters and results cross by structured clone.
 */
import { Worker } from 'node:worker_threads';
import { ApxmError } from '../errors.js';
import type { CapabilityCallContext } from './types.js';
import type { FromWorker, ModuleEntry, ToWorker } from './capabilityModuleWorker.js';

/** How long importing the module may take before the load fails. */
export const MODULE_LOAD_TIMEOUT_MS = 10_000;
/** How long a thread whose call was abandoned has to show it is not stuck. */
const STUCK_GRACE_MS = 1_000;

const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './capabilityModuleWorker.ts' : './capabilityModuleWorker.js', import.meta.url);

export interface LoadedModule {
  exportKind: 'object' | 'missing' | 'array' | 'other';
  entries: ModuleEntry[];
}

interface PendingCall {
  name: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
  log(message: string): void;
}

/** One worker's life: started, loaded, running calls; terminated once and never reused. */
class ModuleThread {
  readonly loaded: Promise<LoadedModule>;
  private readonly calls = new Map<number, PendingCall>();
  private ended = false;
  /** Set while an abandoned call's thread is checked: new calls wait for the verdict. */
  checking: Promise<void> | undefined;
  private pingSeq = 0;
  private readonly pongs = new Map<number, () => void>();
  private readonly worker: Worker;

  constructor(
    private readonly file: string,
    url: string,
    private readonly onEnd: (t: ModuleThread) => void,
  ) {
    this.worker = new Worker(workerUrl, { workerData: { url } });
    this.loaded = new Promise<LoadedModule>((resolve, reject) => {
      const failLoad = (message: string, cause?: unknown) => {
        reject(
          new ApxmError('E_CAPABILITY_MODULE', `cannot load capability module ${file}: ${message}`, {
            place: { file },
            hint: 'fix the module so `node` can import it',
            cause,
          }),
        );
        this.end(message);
      };
      const timer = setTimeout(
        () => failLoad(`it did not finish loading within ${MODULE_LOAD_TIMEOUT_MS / 1000} s`),
        MODULE_LOAD_TIMEOUT_MS,
      );
      this.worker.on('message', (m: FromWorker) => {
        if (m.type === 'loaded') {
          clearTimeout(timer);
          resolve({ exportKind: m.exportKind, entries: m.entries });
          this.refresh();
        } else if (m.type === 'load-failed') {
          clearTimeout(timer);
          failLoad(m.message, m.errorName === 'SyntaxError' ? new SyntaxError(m.message) : new Error(m.message));
        } else this.onMessage(m);
      });
      this.worker.on('error', (e) => {
        clearTimeout(timer);
        failLoad(e.message, e);
        this.end(`its thread failed: ${e.message}`);
      });
      this.worker.on('exit', (code) => {
        clearTimeout(timer);
        failLoad(`it exited (code ${code})`);
        this.end(`its thread exited (code ${code})`);
      });
    });
    this.loaded.catch(() => undefined);
  }

  call(name: string, params: unknown, ctx: CapabilityCallContext, id: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.ended) return reject(new Error("the module's thread has stopped"));
      this.calls.set(id, { name, resolve, reject, log: (line) => ctx.log(line) });
      this.refresh();
      const onAbort = () => {
        // The system has already failed the call (timeout or cancel); make sure the thread is free.
        if (!this.calls.delete(id)) return;
        this.refresh();
        this.post({ type: 'abort', id });
        const check = this.checkResponsive(name).finally(() => {
          if (this.checking === check) this.checking = undefined;
        });
        this.checking = check;
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      this.post({ type: 'call', id, name, params, runId: ctx.runId, nodeId: ctx.nodeId });
    });
  }

  /** Terminates the thread and fails what it was running with `reason`. */
  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    for (const [, c] of this.calls) c.reject(new Error(`the thread of ${this.file} was stopped: ${reason}`));
    this.calls.clear();
    void this.worker.terminate();
    this.onEnd(this);
  }

  private async checkResponsive(name: string): Promise<void> {
    const seq = ++this.pingSeq;
    const answered = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), STUCK_GRACE_MS);
      this.pongs.set(seq, () => {
        clearTimeout(timer);
        resolve(true);
      });
      this.post({ type: 'ping', seq });
    });
    this.pongs.delete(seq);
    if (!answered)
      this.end(`"${name}" was abandoned (timed out or cancelled) and its handler did not give the thread back within ${STUCK_GRACE_MS} ms`);
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'pong') return this.pongs.get(m.seq)?.();
    if (m.type === 'log') return this.calls.get(m.id)?.log(m.message);
    if (m.type !== 'result') return;
    const c = this.calls.get(m.id);
    if (!c) return;
    this.calls.delete(m.id);
    this.refresh();
    if (m.ok) c.resolve(m.value);
    else if (m.kind === 'not-json')
      c.reject(
        new ApxmError('E_CAPABILITY_FAILED', `capability "${c.name}" returned a value that is not JSON: ${m.message}`, {
          hint: 'return plain objects, arrays, strings, finite numbers, booleans or null',
        }),
      );
    else c.reject(new Error(m.message));
  }

  private post(m: ToWorker): void {
    if (this.ended) return;
    try {
      this.worker.postMessage(m);
    } catch (e) {
      this.end(`a message could not be sent: ${(e as Error).message}`);
    }
  }

  /** The thread keeps the process alive only while it runs something for the runtime. */
  private refresh(): void {
    if (this.ended) return;
    if (this.calls.size > 0 || this.pongs.size > 0) this.worker.ref();
    else this.worker.unref();
  }
}

/** A module's tools, run in a thread started on first need and restarted after it was stopped. */
export class CapabilityModuleHost {
  private thread?: ModuleThread;
  private nextId = 1;
  private disposed = false;

  constructor(
    readonly file: string,
    private readonly url: string,
  ) {}

  /** Starts the thread and reads what the module exports (E_CAPABILITY_MODULE when it cannot). */
  async load(signal?: AbortSignal): Promise<LoadedModule> {
    const thread = this.current();
    if (!signal) return thread.loaded;
    if (signal.aborted) {
      thread.end('cancelled');
      throw new ApxmError('E_CANCELLED', `loading ${this.file} was cancelled`);
    }
    const onAbort = () => thread.end('cancelled');
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await thread.loaded;
    } catch (e) {
      if (signal.aborted) throw new ApxmError('E_CANCELLED', `loading ${this.file} was cancelled`);
      throw e;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async call(name: string, params: unknown, ctx: CapabilityCallContext): Promise<unknown> {
    if (this.disposed) throw new Error(`the tools of ${this.file} have been disposed`);
    // A thread that may be stuck in an abandoned handler is not given new calls until it has
    // answered its ping or been replaced.
    let thread = this.current();
    await thread.loaded;
    while (thread.checking) {
      await thread.checking;
      thread = this.current();
      await thread.loaded;
    }
    return thread.call(name, params, ctx, this.nextId++);
  }

  dispose(): void {
    this.disposed = true;
    this.thread?.end('the runtime was disposed');
  }

  private current(): ModuleThread {
    this.thread ??= new ModuleThread(this.file, this.url, (t) => {
      if (this.thread === t) this.thread = undefined;
    });
    return this.thread;
  }
}
