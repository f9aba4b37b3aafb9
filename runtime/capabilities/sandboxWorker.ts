/**
 * The thread one EXC call runs in (see sandbox.ts). It receives one {@link SandboxJob}, evaluates
 * the code in a fresh QuickJS WebAssembly instance and posts back one {@link SandboxReply}; the main
 * thread then terminates it, so nothing here is disposed or reused.
 *
 * Limits enforced here:
 * - time: QuickJS's interrupt handler stops the code after `timeoutMs` (the main thread also
 *   terminates the worker shortly after, in case the interrupt is never polled);
 * - memory: the engine's WebAssembly memory is created here with a `maximum` of
 *   ENGINE_RESERVE_BYTES + `memoryLimitBytes` (but never below its fixed 16 MiB start), so growing
 *   past it fails inside QuickJS's allocator and surfaces as "out of memory" (or as a thrown `null`
 *   when not even that error fits). The engine and `inputs` live in that memory too; code gets
 *   about the limit for itself, or ~10 MiB when the limit is smaller. The interrupt handler also
 *   compares the memory's size against that bound (a second guard should the engine ever not use
 *   our memory), `setMemoryLimit` still rejects single allocations larger than the limit (its
 *   running total is meaningless in this build, see justjake/quickjs-emscripten#271), and console
 *   output counts against the limit too.
 */
import { parentPort } from 'node:worker_threads';
import { newQuickJSWASMModule, newVariant, RELEASE_SYNC, type QuickJSContext, type QuickJSHandle } from 'quickjs-emscripten';

export interface SandboxJob {
  code: string;
  /** JSON-compatible values (the node's inputs). */
  inputs: unknown[];
  timeoutMs: number;
  memoryLimitBytes: number;
}

export type SandboxFailureKind = 'timeout' | 'memory' | 'threw' | 'internal';

export type SandboxReply =
  | { ok: true; value: unknown; logs: string[] }
  | { ok: false; kind: SandboxFailureKind; message: string };

/** The part of the WebAssembly global used here (the project's `lib` setting does not type it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
const WasmMemory = (globalThis as unknown as { WebAssembly: { Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory } }).WebAssembly.Memory;

const PAGE_BYTES = 65536;
/** The engine's WebAssembly memory must start at 16 MiB: its import declares that minimum. */
const INITIAL_PAGES = 256;
/** The engine's memory can never exceed 2 GiB (its declared maximum). */
const MAX_PAGES = 32768;
/**
 * What the engine itself takes of its memory before user code runs: C stack and static data (its
 * heap starts ~5.1 MiB in with quickjs-emscripten 0.32), then the runtime and context; rounded up.
 */
const ENGINE_RESERVE_BYTES = 8 * 1048576;

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/** How a value dumped from QuickJS (an Error becomes `{ name, message, stack }`) is reported. */
function thrownText(err: unknown): string {
  if (typeof err === 'string') return err;
  const e = (err !== null && typeof err === 'object' ? err : {}) as { name?: unknown; message?: unknown };
  return `${String(e.name ?? 'Error')}: ${String(e.message ?? JSON.stringify(err))}`;
}

function describe(vm: QuickJSContext, h: QuickJSHandle): string {
  const v = vm.dump(h) as unknown;
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
}

/** Whether the engine's memory was refused growth: it hit its cap at some point. */
let heapFull = false;

/** Evaluates one job; throws only on a fault of the engine or of this code, not of the user's. */
async function evaluate(job: SandboxJob): Promise<SandboxReply> {
  // The engine's whole memory is capped at its reserve plus the limit (but cannot be below its
  // fixed initial size): growing past that fails in its allocator as "out of memory".
  const maxPages = Math.min(MAX_PAGES, Math.max(INITIAL_PAGES, Math.ceil((ENGINE_RESERVE_BYTES + job.memoryLimitBytes) / PAGE_BYTES)));
  const memory = new WasmMemory({ initial: INITIAL_PAGES, maximum: maxPages });
  // When the heap is full, QuickJS often cannot even allocate its "out of memory" error and throws
  // `null` instead; a refused growth tells that case apart from code that throws null itself.
  const grow = memory.grow.bind(memory);
  memory.grow = (pages) => {
    try {
      return grow(pages);
    } catch (e) {
      heapFull = true;
      throw e;
    }
  };
  const QuickJS = await newQuickJSWASMModule(newVariant(RELEASE_SYNC, { wasmMemory: memory }));
  const wasmMemory: WasmMemory = QuickJS.getWasmMemory();
  // The same bound, polled: it only matters should the engine not have used `memory`.
  const memoryCap = Math.max(wasmMemory.buffer.byteLength, maxPages * PAGE_BYTES);

  const runtime = QuickJS.newRuntime();
  runtime.setMemoryLimit(job.memoryLimitBytes);
  runtime.setMaxStackSize(1024 * 1024);
  let reason: 'timeout' | 'memory' | undefined;
  let deadline = Infinity;
  runtime.setInterruptHandler(() => {
    if (reason === undefined) {
      if (wasmMemory.buffer.byteLength > memoryCap) reason = 'memory';
      else if (Date.now() > deadline) reason = 'timeout';
    }
    return reason !== undefined;
  });
  const vm = runtime.newContext();

  const logs: string[] = [];
  let logBytes = 0;
  const consoleObj = vm.newObject();
  for (const level of ['log', 'info', 'warn', 'error']) {
    const fn = vm.newFunction(level, (...args) => {
      if (reason !== undefined) return;
      const line = args.map((a) => describe(vm, a)).join(' ');
      logBytes += line.length * 2;
      // Kept lines live outside the engine's memory, so they count against the limit here.
      if (logBytes > job.memoryLimitBytes) reason = 'memory';
      else logs.push(line);
    });
    vm.setProp(consoleObj, level, fn);
    fn.dispose();
  }
  vm.setProp(vm.global, 'console', consoleObj);
  consoleObj.dispose();
  const inputsHandle = vm.unwrapResult(vm.evalCode(`(${JSON.stringify(job.inputs)})`, 'inputs.js'));
  vm.setProp(vm.global, 'inputs', inputsHandle);
  inputsHandle.dispose();

  deadline = Date.now() + job.timeoutMs;
  // A script whose last expression is the result; if it only fails to compile because of a
  // top-level `return`, it is the body of a function of `inputs`.
  let source = job.code;
  const compiled = vm.evalCode(job.code, 'exc.js', { compileOnly: true });
  if (compiled.error) {
    const err = vm.dump(compiled.error) as unknown;
    compiled.error.dispose();
    if (/^SyntaxError: .*\breturn\b/.test(thrownText(err))) source = `(function (inputs) {\n${job.code}\n})(inputs)`;
  } else {
    compiled.value.dispose();
  }

  const result = vm.evalCode(source, 'exc.js');
  if (result.error) {
    let thrown: unknown;
    let text: string;
    try {
      thrown = vm.dump(result.error) as unknown;
      text = thrownText(thrown);
    } catch (e) {
      if (heapFull) return { ok: false, kind: 'memory', message: errorText(e) };
      throw e;
    }
    if (reason !== undefined) return { ok: false, kind: reason, message: text };
    if (/out of memory/i.test(text) || (heapFull && thrown == null)) return { ok: false, kind: 'memory', message: text };
    return { ok: false, kind: 'threw', message: text };
  }
  if (reason !== undefined) return { ok: false, kind: reason, message: 'stopped' };
  const value = vm.dump(result.value) as unknown;
  return { ok: true, value, logs };
}

async function handle(job: SandboxJob): Promise<SandboxReply> {
  try {
    return await evaluate(job);
  } catch (e) {
    const text = errorText(e);
    return { ok: false, kind: heapFull || /out of memory/i.test(text) ? 'memory' : 'internal', message: text };
  }
}

// `on`, not `once`: the listener keeps the thread alive while the engine loads asynchronously; the
// main thread terminates it after the one reply.
let started = false;
parentPort?.on('message', (job: SandboxJob) => {
  if (started) return;
  started = true;
  void handle(job).then((reply) => {
    try {
      parentPort?.postMessage(reply);
    } catch (e) {
      parentPort?.postMessage({ ok: false, kind: 'internal', message: `the result could not be sent back: ${errorText(e)}` } satisfies SandboxReply);
    }
  });
});
