/**
 * The adapter's tests through `DebugClient` over real stdio (or TCP): a client stopped however the
 * test ends, the launch handshake, failed responses with their error id, and the frame and scope
 * look-ups most tests make. What DebugClient cannot send (null arguments, raw bytes) is dapWire.ts.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

/** The compiled stdio adapter (out/debug-adapter/dapMain.js). */
export const DAP_MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../debug-adapter/dapMain.js');

/** What a test context offers for cleanup that runs even when the test times out (a `finally` would not). */
export interface Cleanup {
  after(fn: () => unknown): void;
}

/**
 * A DebugClient that is stopped when the test ends, however it ends. Its waits time out after
 * 15 s (the library's 5 s failed under load); over TCP the library has no timeouts at all, so the
 * test's own timeout bounds it, and the cleanup still runs.
 */
export async function openDebugClient(t: Cleanup, adapter = DAP_MAIN, port?: number): Promise<DebugClient> {
  const dc = new DebugClient(process.execPath, adapter, 'apxm');
  dc.defaultTimeout = 15_000;
  t.after(() => closeDebugClient(dc));
  await dc.start(port);
  // the adapter may be gone when the client writes: that must not fail the test process
  (dc as unknown as { _adapterProcess?: ChildProcess })._adapterProcess?.stdin?.on('error', () => undefined);
  return dc;
}

const closing = new WeakMap<DebugClient, Promise<void>>();

/** Disconnects (waiting at most 3 s), ends the connection, and makes sure the adapter process has exited. */
export function closeDebugClient(dc: DebugClient): Promise<void> {
  let done = closing.get(dc);
  if (!done) {
    done = (async () => {
      const proc = (dc as unknown as { _adapterProcess?: ChildProcess | null })._adapterProcess ?? undefined;
      const alive = () => proc !== undefined && proc.exitCode === null && proc.signalCode === null;
      if (!proc || alive()) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          dc.disconnectRequest({}).catch(() => undefined),
          new Promise((r) => {
            timer = setTimeout(r, 3000);
          }),
        ]);
        clearTimeout(timer);
      }
      (dc as unknown as { stopAdapter(): void }).stopAdapter();
      if (proc && alive()) {
        const kill = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await new Promise((r) => proc.once('exit', r));
        clearTimeout(kill);
      }
    })();
    closing.set(dc, done);
  }
  return done;
}

/** Runs `fn` with a client on the stdio adapter, closed when `fn` ends (and by `t.after` on a timeout). */
export async function withClient(t: Cleanup, fn: (dc: DebugClient) => Promise<void>, adapter = DAP_MAIN): Promise<void> {
  const dc = await openDebugClient(t, adapter);
  try {
    await fn(dc);
  } finally {
    await closeDebugClient(dc);
  }
}

export interface LaunchOptions {
  /** Runs after `initialized` and before configurationDone: breakpoints, exception filters, a subscription. */
  setup?: () => Promise<unknown>;
  /** Also waits for the run's first `stopped` (a breakpoint, the entry) or its `terminated`. */
  until?: 'stopped' | 'terminated';
  /** How long that wait may take; the client's default (15 s) when left out. */
  timeoutMs?: number;
}

/**
 * initialize, launch, `setup`, configurationDone, as VS Code sends them; resolves with the adapter's
 * capabilities and, with `until`, the event waited for (its wait starts before configurationDone,
 * so a run that stops or ends at once is not missed).
 */
export async function launch(
  dc: DebugClient,
  args: Record<string, unknown>,
  options: LaunchOptions = {},
): Promise<{ capabilities?: DebugProtocol.Capabilities; event?: DebugProtocol.Event }> {
  const init = await dc.initializeRequest({ adapterID: 'apxm', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  const launched = dc.launchRequest(args as DebugProtocol.LaunchRequestArguments);
  await dc.waitForEvent('initialized');
  await options.setup?.();
  const until = options.until ? dc.waitForEvent(options.until, options.timeoutMs) : undefined;
  await dc.configurationDoneRequest();
  await launched;
  return { capabilities: init.body, event: await until };
}

/** A failed response's error id, message and whether VS Code would show it (DebugClient's own rejection keeps the message only). */
export function errorOf(dc: DebugClient, command: string, args: unknown): Promise<{ id?: number; message: string; showUser?: boolean }> {
  return new Promise((resolve, reject) => {
    const client = dc as unknown as { doSend(c: string, a: unknown, done: (r: DebugProtocol.ErrorResponse) => void): void };
    client.doSend(command, args, (r) => {
      if (r.success) reject(new Error(`${command} was expected to fail`));
      else resolve({ id: r.body?.error?.id, message: r.message ?? '', showUser: r.body?.error?.showUser });
    });
  });
}

/** The top frame of `threadId` (by default the first thread the adapter lists). */
export async function topFrame(dc: DebugClient, threadId?: number): Promise<DebugProtocol.StackFrame> {
  const id = threadId ?? (await dc.threadsRequest()).body.threads[0].id;
  return (await dc.stackTraceRequest({ threadId: id })).body.stackFrames[0];
}

/** The variables of the frame's scope whose name starts with `scope` (`Node outputs (3)` by `Node outputs`). */
export async function scopeVariables(dc: DebugClient, frameId: number, scope: string): Promise<DebugProtocol.Variable[]> {
  const scopes = await dc.scopesRequest({ frameId });
  const s = scopes.body.scopes.find((x) => x.name.startsWith(scope));
  assert.ok(s, `scope ${scope} in ${scopes.body.scopes.map((x) => x.name).join(', ')}`);
  return (await dc.variablesRequest({ variablesReference: s.variablesReference })).body.variables;
}

/** The Debug Console text the adapter sends from now on (of one category when given), in order. */
export function outputs(dc: DebugClient, category?: string): string[] {
  const seen: string[] = [];
  dc.on('output', (e: DebugProtocol.OutputEvent) => {
    if (!category || e.body.category === category) seen.push(e.body.output);
  });
  return seen;
}
