/**
 * EXC's sandbox: JavaScript in QuickJS compiled to WebAssembly, run in its own worker thread
 * (sandboxWorker.ts) so the event loop, and with it the scheduler, keeps running while user code
 * does. The code sees only `inputs` (a JSON copy of the node's inputs) and `console`; no Node APIs,
 * no file system, no network.
 *
 * Limits:
 * - time: QuickJS's interrupt handler stops the code at the deadline; should that not happen
 *   (e.g. inside one long allocation), the worker is terminated a second later. Both are E_TIMEOUT.
 * - cancellation: the run's abort signal terminates the worker at once (E_CANCELLED).
 * - memory: the engine's WebAssembly memory (which also holds the engine itself and `inputs`) is
 *   capped at about 8 MiB + `memoryLimitBytes`, and never below its fixed 16 MiB start, so code
 *   gets about the limit for itself (up to ~10 MiB when the limit is smaller); console output
 *   counts against the limit; the worker's own JavaScript heap, where results and logs are copied
 *   out of the engine, is capped with `resourceLimits`. Each is E_SANDBOX "exceeded its N MB memory
 *   limit". The worker thread's own fixed cost (~40 MB of Node) is not counted.
 *
 * The code is a script whose last expression is the result or, when it only compiles as the body
 * of an async function of `inputs` (a top-level `return` or `await`), that body. A promise result
 * is awaited within the time limit. The result must be JSON: anything else (a BigInt, a circular
 * reference, a function…) fails with E_SANDBOX naming it and its JSON path (see jsonData.ts).
 */
import { Worker } from 'node:worker_threads';
import { ApxmError } from '../errors.js';
import { MAX_TIMER_MS } from '../graph/attributeRanges.js';
import { toValue, type Value } from '../values/value.js';
import type { SandboxJob, SandboxReply } from './sandboxWorker.js';

export interface SandboxOptions {
  inputs: Value[];
  timeoutMs: number;
  memoryLimitBytes: number;
  signal?: AbortSignal;
}

export interface SandboxResult {
  value: Value;
  /** Lines the code wrote with console.log/info/warn/error. */
  logs: string[];
}

/** How long past its deadline a worker may run before it is terminated from outside. */
const TIMEOUT_GRACE_MS = 1000;
/** The worker's own JavaScript heap beyond what the engine's output can need (Node needs ~5-7 MB). */
const WORKER_HEAP_BASE_MB = 32;

const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './sandboxWorker.ts' : './sandboxWorker.js', import.meta.url);

const timeoutError = (timeoutMs: number) =>
  new ApxmError('E_TIMEOUT', `EXC code ran past its ${timeoutMs} ms limit and was stopped`, {
    hint: 'raise "timeout_ms" or make the code finish sooner',
  });
const memoryError = (limitBytes: number) =>
  new ApxmError('E_SANDBOX', `EXC code exceeded its ${Math.round(limitBytes / 1048576)} MB memory limit`, {
    hint: 'raise "memory_mb" or use less memory',
  });
const sandboxFailure = (message: string, cause?: unknown) =>
  new ApxmError('E_SANDBOX', `EXC sandbox failed: ${message}`, {
    hint: 'this is a fault of the sandbox, not of the EXC code; try again',
    cause,
  });

function fromReply(reply: SandboxReply, options: SandboxOptions): SandboxResult {
  if (reply.ok) return { value: toValue(reply.value), logs: reply.logs };
  switch (reply.kind) {
    case 'timeout':
      throw timeoutError(options.timeoutMs);
    case 'memory':
      throw memoryError(options.memoryLimitBytes);
    case 'threw':
      throw new ApxmError('E_SANDBOX', `EXC code threw ${reply.message}`, {
        hint: 'fix the code; it runs in a plain JavaScript sandbox with only `inputs` and `console`',
      });
    case 'unsettled':
      throw new ApxmError('E_SANDBOX', 'EXC code returned a promise that never settles', {
        hint: 'the sandbox has no timers or I/O: only promises the code itself resolves can settle',
      });
    case 'not-json':
      throw new ApxmError('E_SANDBOX', `EXC code returned a value that is not JSON: ${reply.message}`, {
        hint: 'return plain objects, arrays, strings, finite numbers, booleans or null (e.g. Number(x) or String(x) for a BigInt)',
      });
    default:
      throw sandboxFailure(reply.message);
  }
}

function isReply(x: unknown): x is SandboxReply {
  if (x === null || typeof x !== 'object') return false;
  const r = x as { ok?: unknown; logs?: unknown; kind?: unknown; message?: unknown };
  return r.ok === true ? Array.isArray(r.logs) : r.ok === false && typeof r.kind === 'string' && typeof r.message === 'string';
}

/**
 * Runs one job in a worker started from `url` and settles once: with its reply, or when it fails,
 * exits, outlives the deadline plus grace, or the signal aborts. The worker is always terminated.
 * Exported for tests (which start deliberately broken workers); use {@link runSandboxed}.
 */
export function runInWorker(url: URL, code: string, options: SandboxOptions): Promise<SandboxResult> {
  const { signal, timeoutMs, memoryLimitBytes } = options;
  if (signal?.aborted) return Promise.reject(new ApxmError('E_CANCELLED', 'EXC was cancelled before it started'));
  return new Promise<SandboxResult>((resolve, reject) => {
    let worker: Worker;
    try {
      const limitMb = Math.ceil(memoryLimitBytes / 1048576);
      worker = new Worker(url, {
        // Results and logs are copied out of the engine into this heap (as text, then as values).
        resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_BASE_MB + 4 * limitMb, maxYoungGenerationSizeMb: 16 },
      });
    } catch (e) {
      reject(sandboxFailure(`the worker could not start: ${e instanceof Error ? e.message : String(e)}`, e));
      return;
    }
    let settled = false;
    const settle = (outcome: () => SandboxResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      worker.terminate().catch(() => undefined);
      try {
        resolve(outcome());
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    };
    const fail = (err: ApxmError) =>
      settle(() => {
        throw err;
      });
    // Node fires a longer delay than MAX_TIMER_MS at once; the op's timeout_ms is at most that.
    const timer = setTimeout(() => fail(timeoutError(timeoutMs)), Math.min(timeoutMs + TIMEOUT_GRACE_MS, MAX_TIMER_MS));
    const onAbort = () => fail(new ApxmError('E_CANCELLED', 'EXC was cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (reply: unknown) => {
      if (!isReply(reply)) fail(sandboxFailure('the worker sent an unexpected reply'));
      else settle(() => fromReply(reply, options));
    });
    worker.on('messageerror', (e) => fail(sandboxFailure(`the worker's reply could not be read: ${e.message}`, e)));
    worker.on('error', (e: Error & { code?: string }) => {
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') fail(memoryError(memoryLimitBytes));
      else fail(sandboxFailure(e.message, e));
    });
    worker.on('exit', (exitCode) => fail(sandboxFailure(`the worker stopped unexpectedly (exit code ${exitCode})`)));

    const job: SandboxJob = { code, inputs: options.inputs, timeoutMs, memoryLimitBytes };
    try {
      worker.postMessage(job);
    } catch (e) {
      fail(sandboxFailure(`the job could not be sent: ${e instanceof Error ? e.message : String(e)}`, e));
    }
  });
}

export function runSandboxed(code: string, options: SandboxOptions): Promise<SandboxResult> {
  return runInWorker(workerUrl, code, options);
}
