/**
 * EXC's sandbox: JavaScript in QuickJS compiled to WebAssembly. The code sees only `inputs` (a
 * JSON copy of the node's inputs) and `console`; no Node APIs, no file system, no network. A
 * deadline and the run's abort signal interrupt it; the heap is capped.
 *
 * The code is a script whose last expression is the result, or, when it contains `return`, the
 * body of a function of `inputs`. The result must be JSON-serialisable.
 */
import { getQuickJS, type QuickJSContext, type QuickJSHandle, type QuickJSWASMModule } from 'quickjs-emscripten';
import { ApxmError } from '../errors.js';
import { toValue, type Value } from '../values/value.js';

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

let engine: Promise<QuickJSWASMModule> | undefined;

function describe(vm: QuickJSContext, h: QuickJSHandle): string {
  const v = vm.dump(h) as unknown;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export async function runSandboxed(code: string, options: SandboxOptions): Promise<SandboxResult> {
  const QuickJS = await (engine ??= getQuickJS());
  if (options.signal?.aborted) throw new ApxmError('E_CANCELLED', 'EXC was cancelled before it started');
  const runtime = QuickJS.newRuntime();
  runtime.setMemoryLimit(options.memoryLimitBytes);
  runtime.setMaxStackSize(1024 * 1024);
  const deadline = Date.now() + options.timeoutMs;
  let reason: 'timeout' | 'cancelled' | undefined;
  runtime.setInterruptHandler(() => {
    if (options.signal?.aborted) reason = 'cancelled';
    else if (Date.now() > deadline) reason = 'timeout';
    return reason !== undefined;
  });
  const vm = runtime.newContext();
  const logs: string[] = [];
  try {
    const consoleObj = vm.newObject();
    for (const level of ['log', 'info', 'warn', 'error']) {
      const fn = vm.newFunction(level, (...args) => {
        logs.push(args.map((a) => describe(vm, a)).join(' '));
      });
      vm.setProp(consoleObj, level, fn);
      fn.dispose();
    }
    vm.setProp(vm.global, 'console', consoleObj);
    consoleObj.dispose();
    const inputsResult = vm.evalCode(`(${JSON.stringify(options.inputs)})`);
    const inputsHandle = vm.unwrapResult(inputsResult);
    vm.setProp(vm.global, 'inputs', inputsHandle);
    inputsHandle.dispose();

    const source = /\breturn\b/.test(code) ? `(function (inputs) {\n${code}\n})(inputs)` : code;
    const result = vm.evalCode(source, 'exc.js');
    if (result.error) {
      const err = vm.dump(result.error) as { name?: string; message?: string } | string;
      result.error.dispose();
      if (reason === 'timeout') throw new ApxmError('E_TIMEOUT', `EXC code ran past its ${options.timeoutMs} ms limit and was stopped`, { hint: 'raise "timeout_ms" or make the code finish sooner' });
      if (reason === 'cancelled') throw new ApxmError('E_CANCELLED', 'EXC was cancelled');
      const message = typeof err === 'string' ? err : `${err?.name ?? 'Error'}: ${err?.message ?? JSON.stringify(err)}`;
      if (/out of memory/i.test(message)) {
        throw new ApxmError('E_SANDBOX', `EXC code exceeded its ${Math.round(options.memoryLimitBytes / 1048576)} MB memory limit`, { hint: 'raise "memory_mb" or use less memory' });
      }
      throw new ApxmError('E_SANDBOX', `EXC code threw ${message}`, { hint: 'fix the code; it runs in a plain JavaScript sandbox with only `inputs` and `console`' });
    }
    const raw = vm.dump(result.value) as unknown;
    result.value.dispose();
    return { value: toValue(raw), logs };
  } finally {
    vm.dispose();
    runtime.dispose();
  }
}
