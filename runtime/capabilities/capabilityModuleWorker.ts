/**
 * The thread a workspace capability module (`apxm.capabilities.mjs`) runs in (see
 * capabilityModuleHost.ts): it imports the module, describes its tools as plain data, then runs
 * handler calls and posts back their results, checked for JSON here (structured clone would carry
 * a circular value and refuse a function without saying where). The main thread terminates it
 * when a call overruns and the thread does not come back to its event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { jsonData, jsonProblemText } from './jsonData.js';

/** What the module's default export holds, entry by entry, checked by the main thread. */
export interface ModuleEntry {
  name: string;
  isObject: boolean;
  hasHandler: boolean;
  descriptionType: string;
  description?: string;
  /** `none`: no parameters given; `json`: a JSON object (`value`); `not-json`: `problem`; `bad`: not an object. */
  parameters: { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'not-json'; problem: string } | { kind: 'bad' };
  timeoutMs?: number;
}

export type ToWorker =
  | { type: 'call'; id: number; name: string; params: unknown; runId: string; nodeId?: number }
  | { type: 'abort'; id: number }
  | { type: 'ping'; seq: number };

export type FromWorker =
  | { type: 'loaded'; exportKind: 'object' | 'missing' | 'array' | 'other'; entries: ModuleEntry[] }
  | { type: 'load-failed'; message: string; errorName?: string }
  | { type: 'log'; id: number; message: string }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; kind: 'threw' | 'not-json'; message: string }
  | { type: 'pong'; seq: number };

/** Longest thrown message passed on: it ends up in an error line, a trace and the debugger. */
const MAX_ERROR_TEXT = 2000;

// What a handler threw, as one bounded line: an Error's message, the `message` of a thrown object
// (`throw { message }` is common in fetch wrappers), else its JSON; never "[object Object]".
function text(e: unknown): string {
  let t: string;
  try {
    if (typeof e === 'object' && e !== null) {
      const message = (e as { message?: unknown }).message;
      t = typeof message === 'string' ? message : (JSON.stringify(e) ?? 'an object that cannot be shown');
    } else t = typeof e === 'symbol' ? e.toString() : String(e);
  } catch {
    return 'a value that cannot be shown';
  }
  return t.length <= MAX_ERROR_TEXT ? t : `${t.slice(0, MAX_ERROR_TEXT)}… (${t.length - MAX_ERROR_TEXT} more characters)`;
}

const post = (m: FromWorker) => parentPort?.postMessage(m);
type Handler = (params: unknown, ctx: { signal: AbortSignal; runId: string; nodeId?: number; log(message: string): void }) => unknown;
const handlers = new Map<string, Handler>();
const running = new Map<number, AbortController>();

function describe(table: Record<string, unknown>): ModuleEntry[] {
  return Object.entries(table).map(([name, raw]) => {
    const e = raw as { description?: unknown; parameters?: unknown; handler?: unknown; timeoutMs?: unknown } | null;
    const isObject = typeof e === 'object' && e !== null;
    if (!isObject) return { name, isObject, hasHandler: false, descriptionType: 'undefined', parameters: { kind: 'none' } };
    if (typeof e.handler === 'function') handlers.set(name, e.handler as Handler);
    let parameters: ModuleEntry['parameters'] = { kind: 'none' };
    if (e.parameters !== undefined) {
      if (typeof e.parameters !== 'object' || e.parameters === null) parameters = { kind: 'bad' };
      else {
        const checked = jsonData(e.parameters);
        parameters = checked.ok ? { kind: 'json', value: checked.value } : { kind: 'not-json', problem: jsonProblemText(checked) };
      }
    }
    return {
      name,
      isObject,
      hasHandler: typeof e.handler === 'function',
      descriptionType: typeof e.description,
      ...(typeof e.description === 'string' ? { description: e.description } : {}),
      parameters,
      ...(typeof e.timeoutMs === 'number' ? { timeoutMs: e.timeoutMs } : {}),
    };
  });
}

async function load(url: string): Promise<void> {
  let mod: { default?: unknown };
  try {
    mod = (await import(url)) as { default?: unknown };
  } catch (e) {
    post({ type: 'load-failed', message: text(e), errorName: e instanceof Error ? e.name : undefined });
    return;
  }
  try {
    const table = mod.default;
    const exportKind =
      table === undefined ? 'missing' : Array.isArray(table) ? 'array' : typeof table === 'object' && table !== null ? 'object' : 'other';
    post({ type: 'loaded', exportKind, entries: exportKind === 'object' ? describe(table as Record<string, unknown>) : [] });
  } catch (e) {
    post({ type: 'load-failed', message: `reading its default export threw: ${text(e)}` });
  }
}

function call(m: Extract<ToWorker, { type: 'call' }>): void {
  const handler = handlers.get(m.name);
  const controller = new AbortController();
  running.set(m.id, controller);
  const ctx = {
    signal: controller.signal,
    runId: m.runId,
    nodeId: m.nodeId,
    log: (message: string) => post({ type: 'log', id: m.id, message: text(message) }),
  };
  Promise.resolve()
    .then(() => {
      if (!handler) throw new Error(`the module no longer exports a handler for "${m.name}"`);
      return handler(m.params, ctx);
    })
    .then(
      (value) => {
        const checked = jsonData(value);
        post(
          checked.ok
            ? { type: 'result', id: m.id, ok: true, value: checked.value }
            : { type: 'result', id: m.id, ok: false, kind: 'not-json', message: jsonProblemText(checked) },
        );
      },
      (e: unknown) => post({ type: 'result', id: m.id, ok: false, kind: 'threw', message: text(e) }),
    )
    .finally(() => running.delete(m.id));
}

// A promise a handler left rejected must not end the thread (and every other call with it).
process.on('unhandledRejection', (e) => process.stderr.write(`apxm: a capability left a rejected promise: ${text(e)}\n`));

parentPort?.on('message', (m: ToWorker) => {
  if (m.type === 'call') call(m);
  else if (m.type === 'abort') running.get(m.id)?.abort();
  else if (m.type === 'ping') post({ type: 'pong', seq: m.seq });
});
void load((workerData as { url: string }).url);
