/**
 * Extension-host integration tests: they run inside a real VS Code (desktop through
 * @vscode/test-electron, or code-server) against the extension in development mode, with the
 * workspace folder `examples/` open. Each debug session is stopped in `finally`.
 */
import assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as vscode from 'vscode';
import type { IntegrationTest } from './suiteRunner.js';

const EXTENSION_NAME = 'apxm-vscode';

/** The messages the adapter sent for one session, seen through a DebugAdapterTracker. */
class SessionTracker implements vscode.Disposable {
  readonly messages: DebugProtocol.ProtocolMessage[] = [];
  private waiters: (() => void)[] = [];
  private readonly registration: vscode.Disposable;
  session: vscode.DebugSession | undefined;
  terminated = false;
  private readonly listeners: vscode.Disposable[];

  constructor(readonly name: string) {
    this.registration = vscode.debug.registerDebugAdapterTrackerFactory('apxm', {
      createDebugAdapterTracker: (session) =>
        session.name !== name
          ? undefined
          : {
              onDidSendMessage: (m: DebugProtocol.ProtocolMessage) => {
                this.messages.push(m);
                this.wake();
              },
            },
    });
    this.listeners = [
      vscode.debug.onDidStartDebugSession((s) => {
        if (s.name === name) this.session = s;
      }),
      vscode.debug.onDidTerminateDebugSession((s) => {
        if (s.name !== name) return;
        this.terminated = true;
        this.wake();
      }),
    ];
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves with the first message that matches, waiting for it up to `ms`. */
  async waitFor<T extends DebugProtocol.ProtocolMessage>(
    what: string,
    match: (m: DebugProtocol.ProtocolMessage) => boolean,
    ms = 20_000,
  ): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found as T;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} from session '${this.name}' within ${ms} ms; it sent: ${this.summary()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  event<T extends DebugProtocol.Event>(name: string, ms?: number): Promise<T> {
    return this.waitFor<T>(`'${name}' event`, (m) => m.type === 'event' && (m as DebugProtocol.Event).event === name, ms);
  }

  /** The text of the output events of one category. */
  output(category: string): string {
    return this.messages
      .filter((m): m is DebugProtocol.OutputEvent => m.type === 'event' && (m as DebugProtocol.Event).event === 'output')
      .filter((m) => (m.body.category ?? 'console') === category)
      .map((m) => m.body.output)
      .join('');
  }

  summary(): string {
    return this.messages
      .map((m) =>
        m.type === 'event' ? `event ${(m as DebugProtocol.Event).event}` : `${m.type} ${(m as DebugProtocol.Response).command ?? ''}`,
      )
      .join(', ');
  }

  /** Stops the session if it still runs and waits until VS Code reports it ended. */
  async stop(): Promise<void> {
    if (this.session && !this.terminated) {
      await vscode.debug.stopDebugging(this.session);
      const deadline = Date.now() + 10_000;
      while (!this.terminated && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    }
  }

  dispose(): void {
    this.registration.dispose();
    for (const l of this.listeners) l.dispose();
  }
}

function workspaceFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need the examples/ folder open as the workspace (the runners pass it)');
  return folder;
}

let launches = 0;
/** A launch configuration for an example, with a name no other session has (trackers match on it). */
function launchConfig(extra: Record<string, unknown>): vscode.DebugConfiguration {
  return { type: 'apxm', request: 'launch', name: `apxm integration ${++launches}`, llm: { provider: 'simulated' }, ...extra };
}

/** How startDebugging ended: a boolean, or the error it threw (VS Code under test throws where it would show a dialog). */
type StartOutcome = { started: boolean; error?: undefined } | { started: false; error: Error };

/** Runs `body` with a tracker for a new session of `config`, stopping the session in any case. */
async function withSession(
  config: vscode.DebugConfiguration,
  body: (t: SessionTracker, start: StartOutcome) => Promise<void>,
): Promise<void> {
  const tracker = new SessionTracker(config.name);
  try {
    const start = await Promise.resolve(vscode.debug.startDebugging(workspaceFolder(), config)).then(
      (started): StartOutcome => ({ started }),
      (e: unknown): StartOutcome => ({ started: false, error: e instanceof Error ? e : new Error(String(e)) }),
    );
    await body(tracker, start);
  } finally {
    try {
      await tracker.stop();
    } finally {
      tracker.dispose();
    }
  }
}

function assertStarted(start: StartOutcome): void {
  assert.equal(start.started, true, `startDebugging failed${start.error ? `: ${start.error.message}` : ''}`);
}

export const tests: IntegrationTest[] = [
  {
    name: 'the extension is found by its package name and activates',
    timeoutMs: 30_000,
    fn: async () => {
      const ext =
        vscode.extensions.getExtension(`apxm.${EXTENSION_NAME}`) ??
        vscode.extensions.all.find((e) => (e.packageJSON as { name?: string }).name === EXTENSION_NAME);
      assert.ok(ext, `no extension named ${EXTENSION_NAME} among ${vscode.extensions.all.map((e) => e.id).join(', ')}`);
      await ext.activate();
      assert.equal(ext.isActive, true);
      assert.ok((await vscode.languages.getLanguages()).includes('ais'), 'the ais language is registered');
    },
  },
  {
    name: 'startDebugging runs trip_planner.ais to the end and its output reaches the tracker',
    timeoutMs: 60_000,
    // a relative program and no cwd: the configuration provider fills cwd from the workspace folder
    fn: () =>
      withSession(launchConfig({ program: 'trip_planner.ais', args: { city: 'Lisbon' } }), async (t, start) => {
        assertStarted(start);
        const exited = await t.event<DebugProtocol.ExitedEvent>('exited', 45_000);
        assert.equal(exited.body.exitCode, 0, t.output('stderr'));
        assert.match(t.output('stdout'), /^Plan: .*weekend in Lisbon/m);
        assert.match(t.output('console'), /^result: /m);
        await t.event('terminated');
      }),
  },
  {
    name: 'a session stopped on entry answers threads, stackTrace, scopes and evaluate, then runs to the end',
    timeoutMs: 60_000,
    fn: () =>
      withSession(launchConfig({ program: 'trip_planner.ais', args: { city: 'Lisbon' }, stopOnEntry: true }), async (t, start) => {
        assertStarted(start);
        const stopped = await t.event<DebugProtocol.StoppedEvent>('stopped');
        assert.equal(stopped.body.reason, 'entry');
        const session = t.session;
        assert.ok(session, 'onDidStartDebugSession named the session');

        const { threads } = (await session.customRequest('threads')) as DebugProtocol.ThreadsResponse['body'];
        assert.ok(threads.length >= 1, JSON.stringify(threads));
        const threadId = stopped.body.threadId ?? threads[0].id;
        const { stackFrames } = (await session.customRequest('stackTrace', { threadId })) as DebugProtocol.StackTraceResponse['body'];
        assert.ok(stackFrames.length >= 1, 'a stopped thread has a frame');
        const top = stackFrames[0];
        assert.match(top.source?.path ?? '', /trip_planner\.ais$/);
        assert.ok(top.line >= 6 && top.line <= 12, `the first op is in the entry flow's body, got line ${top.line}`);

        const { scopes } = (await session.customRequest('scopes', { frameId: top.id })) as DebugProtocol.ScopesResponse['body'];
        const names = scopes.map((s) => s.name);
        for (const want of [/^STM$/, /^LTM$/, /^Episodic/])
          assert.ok(
            names.some((n) => want.test(n)),
            `${want} among ${names.join(', ')}`,
          );

        const ev = (await session.customRequest('evaluate', {
          expression: 'args.city + "!"',
          frameId: top.id,
          context: 'repl',
        })) as DebugProtocol.EvaluateResponse['body'];
        assert.equal(ev.result, '"Lisbon!"');
        // an expression the adapter refuses comes back as a rejected request, with its message
        await assert.rejects(
          Promise.resolve(session.customRequest('evaluate', { expression: 'nosuch(1)', frameId: top.id, context: 'repl' })),
          /unknown function/,
        );

        await session.customRequest('continue', { threadId });
        const exited = await t.event<DebugProtocol.ExitedEvent>('exited', 45_000);
        assert.equal(exited.body.exitCode, 0, t.output('stderr'));
        assert.match(t.output('stdout'), /^Plan: /m);
      }),
  },
  {
    name: 'a launch of a missing program is stopped by the extension before any adapter starts',
    timeoutMs: 30_000,
    fn: () =>
      withSession(launchConfig({ program: 'no_such_program.ais', args: { city: 'Lisbon' } }), async (t, start) => {
        // the configuration provider checks the program and says so in a notification (launch.json terms) without waiting for it
        assert.equal(start.started, false, 'startDebugging reports the stopped launch');
        assert.equal(t.summary(), '', 'no adapter was started');
      }),
  },
  {
    name: 'an error the adapter returns for launch names launch.json properties, not CLI flags',
    timeoutMs: 30_000,
    fn: () =>
      withSession(launchConfig({ program: 'trip_planner.ais', args: { city: 'Lisbon' }, replay: 'no-such-run' }), async (t, start) => {
        // VS Code shows a failed launch in a dialog: false from startDebugging, or (under test, where dialogs are refused) an error carrying its text
        assert.equal(start.started, false, 'startDebugging reports the failed launch');
        const launch = await t.waitFor<DebugProtocol.LaunchResponse>(
          'launch response',
          (m) => m.type === 'response' && (m as DebugProtocol.Response).command === 'launch',
        );
        assert.equal(launch.success, false);
        const text = JSON.stringify(launch.body ?? {}) + (launch.message ?? '');
        assert.match(text, /replay/);
        assert.match(text, /launch configuration/);
        assert.doesNotMatch(text, /--(db|replay)\b/);
      }),
  },
];
