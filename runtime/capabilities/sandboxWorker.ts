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
import { newQuickJSWASMModule, newVariant, RELEASE_SYNC, type QuickJSHandle } from 'quickjs-emscripten';
import { jsonData } from './jsonData.js';

export interface SandboxJob {
  code: string;
  /** JSON-compatible values (the node's inputs). */
  inputs: unknown[];
  timeoutMs: number;
  memoryLimitBytes: number;
}

export type SandboxFailureKind = 'timeout' | 'memory' | 'threw' | 'unsettled' | 'not-json' | 'internal';

export type SandboxReply = { ok: true; value: unknown; logs: string[] } | { ok: false; kind: SandboxFailureKind; message: string };

/** The part of the WebAssembly global used here (the project's `lib` setting does not type it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
const WasmMemory = (
  globalThis as unknown as { WebAssembly: { Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory } }
).WebAssembly.Memory;

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

/**
 * Helpers evaluated inside the engine before the user's code runs: `result` checks the result with
 * the shared JSON walk (under the code's own limits) and returns it as JSON text; `show` describes
 * a thrown or logged value as it is (a Symbol, a Proxy, a BigInt), never by a guess.
 */
const ENGINE_HELPERS = `(function () {
  const jsonData = (${jsonData.toString()});
  const stringify = JSON.stringify;
  const ErrorClass = Error;
  const show = function (v) {
    try {
      switch (typeof v) {
        case 'string': return v;
        case 'number': case 'boolean': return String(v);
        case 'bigint': return String(v) + 'n';
        case 'symbol': return v.toString();
        case 'undefined': return 'undefined';
        case 'function': return 'a function' + (typeof v.name === 'string' && v.name ? ' (' + v.name + ')' : '');
      }
      if (v === null) return 'null';
      if (v instanceof ErrorClass) return String(v.name) + ': ' + String(v.message);
      const r = jsonData(v);
      return r.ok ? stringify(r.value) : 'a value that is not JSON (' + r.problem + ' at ' + r.path + ')';
    } catch (e) {
      return 'a value that cannot be shown (looking at it threw)';
    }
  };
  return {
    result: function (v) {
      const r = jsonData(v);
      return r.ok ? { ok: true, json: stringify(r.value) } : { ok: false, text: r.problem + ' at ' + r.path };
    },
    show: show,
  };
})()`;

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
  const wasmMemory = QuickJS.getWasmMemory() as unknown as WasmMemory;
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
  // Taken before the user's code runs, so that code cannot replace what checks its result.
  const helpers = vm.unwrapResult(vm.evalCode(ENGINE_HELPERS, 'helpers.js'));
  const resultFn = vm.getProp(helpers, 'result');
  const showFn = vm.getProp(helpers, 'show');
  helpers.dispose();
  /** A value of the engine as text, described inside the engine (throws when the engine cannot run). */
  const showText = (h: QuickJSHandle): string => {
    const shown = vm.callFunction(showFn, vm.undefined, h);
    if (shown.error) {
      shown.error.dispose();
      throw new Error('the value could not be described');
    }
    const text = vm.getString(shown.value);
    shown.value.dispose();
    return text;
  };

  const logs: string[] = [];
  let logBytes = 0;
  const consoleObj = vm.newObject();
  for (const level of ['log', 'info', 'warn', 'error']) {
    const fn = vm.newFunction(level, (...args) => {
      if (reason !== undefined) return;
      const line = args.map((a) => showText(a)).join(' ');
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
  // A script whose last expression is the result; if it does not compile as a script but does as
  // the body of an async function of `inputs` (a top-level `return` or `await`), it is that body.
  let source = job.code;
  const compiled = vm.evalCode(job.code, 'exc.js', { compileOnly: true });
  if (compiled.error) {
    compiled.error.dispose();
    const body = `(async function (inputs) {\n${job.code}\n})(inputs)`;
    const asBody = vm.evalCode(body, 'exc.js', { compileOnly: true });
    if (asBody.error) asBody.error.dispose();
    else {
      asBody.value.dispose();
      source = body;
    }
  } else {
    compiled.value.dispose();
  }

  const result = vm.evalCode(source, 'exc.js');
  if (result.error) return failure(result.error);
  // A promise (an async body, or code that returns one) is awaited: its jobs run here, under the
  // same deadline, until it settles or nothing is left that could settle it.
  let value = result.value;
  for (;;) {
    if (reason !== undefined) return { ok: false, kind: reason, message: 'stopped' };
    const state = vm.getPromiseState(value);
    if (state.type === 'fulfilled') {
      if (!state.notAPromise) value = state.value;
      break;
    }
    if (state.type === 'rejected') return failure(state.error);
    const ran = runtime.executePendingJobs();
    if (ran.error) ran.error.dispose();
    else if (ran.value === 0) return { ok: false, kind: 'unsettled', message: 'the promise never settles' };
  }
  const checked = vm.callFunction(resultFn, vm.undefined, value);
  if (checked.error) return failure(checked.error);
  if (reason !== undefined) return { ok: false, kind: reason, message: 'stopped' };
  const ok = vm.getProp(checked.value, 'ok');
  const isJson = vm.typeof(ok) === 'boolean' && vm.dump(ok) === true;
  const text = vm.getString(vm.getProp(checked.value, isJson ? 'json' : 'text'));
  if (!isJson) return { ok: false, kind: 'not-json', message: text };
  return { ok: true, value: JSON.parse(text) as unknown, logs };

  /** How a thrown value (or a rejection) ends the job: a limit that stopped it, else its description. */
  function failure(thrown: QuickJSHandle): SandboxReply {
    if (reason !== undefined) return { ok: false, kind: reason, message: 'stopped' };
    let text: string;
    try {
      text = showText(thrown);
    } catch (e) {
      if (heapFull || reason !== undefined) return { ok: false, kind: reason ?? 'memory', message: errorText(e) };
      throw e;
    }
    if (reason !== undefined) return { ok: false, kind: reason, message: text };
    // When the heap is full QuickJS often cannot build its "out of memory" error and throws null.
    if (/^InternalError: out of memory/i.test(text) || (heapFull && text === 'null')) return { ok: false, kind: 'memory', message: text };
    return { ok: false, kind: 'threw', message: text };
  }
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
      parentPort?.postMessage({
        ok: false,
        kind: 'internal',
        message: `the result could not be sent back: ${errorText(e)}`,
      } satisfies SandboxReply);
    }
  });
});
