/**
 * The APXM debug adapter: a DAP session that hosts the runtime and translates. Requests become
 * runtime calls (start paused, step one op, resume, pause, cancel); runtime events become DAP
 * events (stopped, output, terminated). The runtime knows nothing of DAP.
 *
 * Threads: one per flow activation (the entry flow, each FLOW_CALL / COMMUNICATE callee, a PLAN's
 * generated graph); loop iterations are frames of their flow's thread. Stopped means the
 * scheduler holds before starting the next op; ops in flight may finish, nothing new starts.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import {
  DebugSession,
  Event,
  ExitedEvent,
  InitializedEvent,
  LoadedSourceEvent,
  OutputEvent,
  Response,
  Source,
  StackFrame,
  StoppedEvent,
  TerminatedEvent,
  Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ApxmError, asApxmError, formatError, type SerializedError } from '../runtime/errors.js';
import { bindArguments } from '../runtime/graph/bindArguments.js';
import type { NodeRef } from '../runtime/events.js';
import type { Diagnostic } from '../runtime/graph/diagnostics.js';
import type { OpNode, Program } from '../runtime/graph/types.js';
import type { HumanInputProvider, HumanInputRequest } from '../runtime/ops/runServices.js';
import { loadProgramFile } from '../runtime/programFile.js';
import { Runtime, type RunHandle } from '../runtime/runtime.js';
import type { Value } from '../runtime/values/value.js';
import { findWorkspaceConfig, loadWorkspaceCapabilities, readWorkspaceConfig } from '../runtime/workspace.js';
import { llmTimeoutsFromConfigFile } from '../runtime/llm/llmTimeouts.js';
import { createReplayRuntime, openRecording } from '../runtime/replay/replaySetup.js';
import type { RecordedRun } from '../runtime/replay/recordedRun.js';
import { BreakpointStore, checkExpressions, hitConditionMet } from './breakpoints.js';
import { buildDagListing, listingSourceName, type DagListing } from './dagListing.js';
import { evaluate, interpolateLogMessage, parseExpression, truthy } from './expressions.js';
import type { AdapterMode, ApxmEventName, ApxmEvents, ApxmRequests } from './customProtocol.js';
import { DapErrorId, type DapErrorIdValue } from './dapErrors.js';
import { errorForClient } from './launchErrorTerms.js';
import { programGraph } from '../runtime/query/programGraph.js';
import { GraphRequests, type Answer } from './graphRequests.js';
import { serveDap } from './dapTransport.js';
import { llmConfigOf, type ApxmLaunchArguments } from './launchArguments.js';
import { checkRequest } from './requestArguments.js';
import { RunView } from '../runtime/query/runView.js';
import { RunInspector, type FrameHandle } from './inspector.js';
import { parseEditedValue, preview, VariableStore } from './variables.js';

/** Exception breakpoint filters: which failures stop the run. */
export const EXCEPTION_FILTERS: DebugProtocol.ExceptionBreakpointsFilter[] = [
  { filter: 'failed', label: 'Op failed (uncaught)', default: true, description: 'stop when an op fails and no try/catch handles it' },
  { filter: 'caught', label: 'Op failed (caught by try/catch)', default: false },
  { filter: 'schema', label: 'LLM reply failed its schema', default: false },
  { filter: 'rateLimited', label: 'Rate-limited (429)', default: false },
  { filter: 'capability', label: 'Capability (tool) error', default: false },
  { filter: 'budget', label: 'Token budget exceeded', default: false },
];

/** Ops whose completion needs other ops to run (their callees): stepping them cannot wait for it. */
const CALL_OPS = new Set(['FLOW_CALL', 'COMMUNICATE', 'PLAN']);

/** The generated DAG listing's sourceReference (one program per session). */
const LISTING_REF = 1;

const FILTER_CODES: Record<string, (code: string) => boolean> = {
  schema: (c) => c === 'E_LLM_SCHEMA' || c === 'E_LLM_BAD_REPLY',
  rateLimited: (c) => c === 'E_LLM_RATE_LIMITED',
  capability: (c) => c.startsWith('E_CAPABILITY'),
  budget: (c) => c === 'E_BUDGET_EXCEEDED',
};

interface Stop {
  reason: string;
  node?: NodeRef;
  inputs?: Value[];
  exception?: { error: SerializedError; node?: NodeRef; prompt?: unknown; reply?: string };
  /** The breakpoints that stopped here: their condition held and their hit count was reached. */
  hitBreakpointIds?: number[];
}

/** How long a lost session waits for its cancelled run to settle before it closes the runtime anyway. */
const TEARDOWN_WAIT_MS = 10_000;

type Handler = (response: DebugProtocol.Response, args: unknown, request: DebugProtocol.Request) => unknown;

// A DebugSession, not the library's LoggingDebugSession: that one queues every message in a global
// log that is never drained unless its logger is set up, so a long-lived server grew without end.
export class ApxmDebugSession extends DebugSession {
  private runtime?: Runtime;
  private runId?: string;
  private handle?: RunHandle;
  private program?: Program;
  private view?: RunView;
  private args?: ApxmLaunchArguments;
  private readonly breakpoints = new BreakpointStore(() => this.program);
  /** For .json / .apxmobj programs: the generated read-only source, one op per line. */
  private listing?: DagListing;
  private readonly vars = new VariableStore();
  private frameHandles = new Map<number, FrameHandle>();
  private nextFrameHandle = 1;
  private stopped?: Stop;
  private exceptionFilters = new Set(['failed']);
  private configurationDone!: () => void;
  private readonly configured = new Promise<void>((r) => (this.configurationDone = r));
  private pendingReason?: string;
  private finished = false;
  /** Set once the run's end (exited, terminated) was sent: the session said it is over, once. */
  private ended = false;
  /** The restart or step back under way: they run one at a time. */
  private reruns: Promise<void> = Promise.resolve();
  private offs: (() => void)[] = [];
  /** PAUSEs waiting for an answer, oldest first. */
  /** The launch asked to show its own failure (launchArguments.ts `clientShowsLaunchErrors`). */
  private clientShowsLaunchErrors = false;
  private pendingHuman: { checkpointId: string; message: string; resolve: (answer: string) => void }[] = [];
  private exitCode?: number;
  private stepTargets = new Map<number, NodeRef>();
  private dataBreakpoints: { dataId: string; accessType: DebugProtocol.DataBreakpointAccessType; hitCondition?: string; hits: number }[] =
    [];
  private readonly inspector = new RunInspector(this.vars, () => ({
    runtime: this.runtime,
    handle: this.handle,
    program: this.program,
    view: this.view,
    args: this.args?.args,
    stopped: this.stopped,
    answerPause: (text) => this.answerPause(text),
  }));
  /** The graph view's subscription, node details and value pages (graphRequests.ts). */
  private readonly graph = new GraphRequests(
    (name, body) => this.sendApxmEvent(name, body),
    () => this.program,
  );
  /** The recorded run a replay session re-executes. */
  private recording?: RecordedRun;
  /** Ops started in this run, in order: where step back re-executes to. */
  private history: { flow: string; nodeId: number }[] = [];
  /** History lengths at which breakpoints stopped: where reverse continue goes back to. */
  private breakpointPositions: number[] = [];
  /** Set while a step back re-executes: breakpoints and pauses are not reported. */
  private fastForward = false;
  /** Set while a restart cancels the old run: its end is not the session's end. */
  private finishedQuietly = false;
  /** Set once the client is gone or disconnected: the run is cancelled and the runtime closed. */
  private closing?: Promise<void>;

  /** How this adapter is hosted (told to the client in `apxm/sessionInfo`, and used in launch-error advice). */
  private readonly mode: AdapterMode;

  constructor(options: { mode?: AdapterMode } = {}) {
    super();
    this.mode = options.mode ?? 'process';
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  // ---------------------------------------------------------------- transport

  /** Serves DAP on a pair of streams through the size-capped reader (the library's reader has no cap). */
  override start(inStream: NodeJS.ReadableStream, outStream: NodeJS.WritableStream): void {
    serveDap(this, inStream, outStream);
  }

  /**
   * Every request comes through here: its arguments are checked (requestArguments.ts) before its
   * handler runs, and whatever the handler throws or rejects with is answered, never let loose.
   */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const response = new Response(request);
    // read before anything is checked: a launch refused for its arguments is shown the same way
    if (request.command === 'launch')
      this.clientShowsLaunchErrors =
        (request.arguments as { clientShowsLaunchErrors?: unknown } | undefined)?.clientShowsLaunchErrors === true;
    const checked = checkRequest(request);
    if ('unsupported' in checked)
      return this.fail(response, DapErrorId.unsupported, `'${String(request.command)}' is not a request this adapter serves`);
    if ('problem' in checked) return this.fail(response, DapErrorId.badArguments, `${request.command}: ${checked.problem}`);
    if (checked.needsRun && (!this.handle || this.ended))
      return this.fail(
        response,
        DapErrorId.notAvailable,
        `no program is running: '${request.command}' needs a launched run that has not ended`,
      );
    try {
      const done = (this as unknown as Record<string, Handler>)[checked.method](response, request.arguments, request);
      if (done instanceof Promise) done.catch((e: unknown) => this.handlerFailed(response, e));
    } catch (e) {
      this.handlerFailed(response, e);
    }
  }

  /** A handler failed: answer the request if it has not been answered, else tell the Debug Console. No stack goes out. */
  private handlerFailed(response: DebugProtocol.Response, e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    if (response.seq === 0) this.fail(response, DapErrorId.internal, `internal error in '${response.command}': ${message}`);
    else this.console(`internal error after '${response.command}': ${message}\n`, 'stderr');
  }

  /** Runs work the client does not wait for; a failure is reported, never an unhandled rejection. */
  private background(work: Promise<unknown>, what: string): void {
    work.catch((e: unknown) => this.console(`internal error in ${what}: ${e instanceof Error ? e.message : String(e)}\n`, 'stderr'));
  }

  /** The client is gone (socket closed, stdin ended): cancel the run (in-flight LLM calls are aborted) and close what it holds. */
  connectionLost(): Promise<void> {
    return this.close('the debug client went away');
  }

  /** The host is done with this adapter (VS Code disposes an inline adapter when its session ends). */
  override dispose(): void {
    this.background(this.close('the debug session ended'), 'dispose');
  }

  /** Cancels the run and closes the runtime (database, MCP servers, LLM client), once. */
  private close(reason: string): Promise<void> {
    this.closing ??= (async () => {
      // a launch waiting for configurationDone goes on, sees `closing` and stops
      this.configurationDone();
      const handle = this.handle;
      if (handle && !this.finished) {
        handle.execution.cancel(reason);
        handle.execution.resume();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          handle.result.catch(() => undefined),
          new Promise<void>((r) => {
            timer = setTimeout(r, TEARDOWN_WAIT_MS);
          }),
        ]);
        clearTimeout(timer);
      }
      for (const off of this.offs.splice(0)) off();
      this.graph.dispose();
      this.view?.dispose();
      await this.runtime?.dispose().catch(() => undefined);
      this.runtime = undefined;
    })();
    return this.closing;
  }

  // ---------------------------------------------------------------- setup

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsEvaluateForHovers: true,
      supportsBreakpointLocationsRequest: true,
      supportsTerminateRequest: true,
      supportsExceptionInfoRequest: true,
      supportsSetVariable: true,
      supportsStepInTargetsRequest: true,
      supportsCompletionsRequest: true,
      completionTriggerCharacters: ['.', '('],
      supportsDataBreakpoints: true,
      supportsLoadedSourcesRequest: true,
      supportsRestartRequest: true,
      supportsStepBack: true,
      supportsSingleThreadExecutionRequests: false,
      exceptionBreakpointFilters: EXCEPTION_FILTERS,
    };
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configurationDone();
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, raw: ApxmLaunchArguments): Promise<void> {
    // the arguments were checked (requestArguments.ts) before this runs
    if (this.args)
      return this.fail(response, DapErrorId.notAvailable, 'this session has launched its program already: start a new debug session');
    // Relative paths are relative to `cwd` (the adapter may run inside the extension host, whose own working directory means nothing here).
    const base = raw.cwd ?? process.cwd();
    // a cwd that is not a directory would make every relative path, and a new database's folder, land somewhere unintended
    if (raw.cwd !== undefined && !statSync(raw.cwd, { throwIfNoEntry: false })?.isDirectory())
      return this.fail(
        response,
        DapErrorId.badArguments,
        `"cwd" ${raw.cwd} is not a directory: set it to the folder the program's relative paths start from`,
      );
    // an empty db or capabilities means the default (in memory; the module next to the program)
    const args = {
      ...raw,
      program: path.resolve(base, raw.program),
      db: raw.db ? path.resolve(base, raw.db) : undefined,
      capabilities: raw.capabilities ? path.resolve(base, raw.capabilities) : undefined,
    };
    this.args = args;
    try {
      this.program = await loadProgramFile(args.program, {
        optimize: args.optimize ?? 0,
        onWarnings: (ws) => ws.forEach((w) => this.console(formatError({ ...w }, 'warning'), 'console')),
      });
      const db = args.db;
      if (args.replay) {
        const source = path.isAbsolute(args.replay) || !/\.json$/i.test(args.replay) ? args.replay : path.resolve(base, args.replay);
        this.recording = await openRecording(source, db);
        this.console(`replaying run ${this.recording.runId}: LLM replies and tool results come from the recording\n`, 'console');
      }
      // a missing or ill-typed argument fails the launch (before anything is opened), not a session already started
      bindArguments(this.program.entry, this.runArguments());
      const runtime = await this.makeRuntime(db);
      // the client may have gone while the program loaded: nothing is left open behind it
      if (this.closing) return void (await runtime.dispose().catch(() => undefined));
      this.runtime = runtime;
    } catch (e) {
      const err = asApxmError(e);
      // every problem of the program, each with its place, in the Debug Console; the first in the error
      const diags = (err.details?.diagnostics as Diagnostic[] | undefined) ?? [];
      for (const d of diags) this.console(formatError({ ...d }, d.severity) + '\n', d.severity === 'error' ? 'stderr' : 'console');
      const client = errorForClient(err, { adapterMode: this.mode });
      const id = err.code.startsWith('E_ARG_') ? DapErrorId.badArguments : DapErrorId.programLoad;
      return this.fail(response, id, formatError(client.error), err.code, client);
    }
    if (!/\.ais$/i.test(args.program)) this.listing = buildDagListing(this.program);
    this.sendResponse(response);
    this.sendSessionInfo();
    if (this.listing) this.sendEvent(new LoadedSourceEvent('new', this.listingSource()));
    // the program is loaded: breakpoints sent from now on can be placed on its operations
    this.sendEvent(new InitializedEvent());
    await this.configured;
    if (!this.closing) this.startRun();
  }

  /** The entry flow's arguments: the launch's, else (replay) the recorded run's. */
  private runArguments(): Record<string, unknown> {
    return this.args?.args ?? (this.recording?.args as Record<string, unknown> | undefined) ?? {};
  }

  /** An error as this adapter's client reads it: its fix in launch-configuration terms, not CLI flags. */
  private clientText(e: ApxmError): string {
    return formatError(errorForClient(e, { adapterMode: this.mode }).error);
  }

  /** Sends a custom event (customProtocol.ts lists them). */
  private sendApxmEvent<K extends ApxmEventName>(name: K, body: ApxmEvents[K]): void {
    this.sendEvent(new Event(name, body));
  }

  /** What this session runs on, once per launch: the extension's "APXM" output channel logs it. */
  private sendSessionInfo(): void {
    const storage = this.runtime?.storage;
    if (!storage || !this.args) return;
    this.sendApxmEvent('apxm/sessionInfo', {
      storageBackend: storage.kind,
      storageSkipped: [...(storage.skipped ?? [])],
      dbPath: storage.location,
      adapterMode: this.mode,
      nodeVersion: process.versions.node,
      nodeAbi: process.versions.modules,
      program: this.args.program,
    });
  }

  /** A runtime for one run; a replay needs a fresh one per run (its recording is consumed as it is served). */
  private async makeRuntime(db: string | undefined): Promise<Runtime> {
    const args = this.args as ApxmLaunchArguments;
    const schedulerConfig = args.maxParallelism ? { maxParallelism: args.maxParallelism } : {};
    const replay = this.recording
      ? await createReplayRuntime(this.recording, { schedulerConfig }, (e) => this.console(`${formatError(e)}\n`, 'important'))
      : undefined;
    // apxm.config.json next to the program: remote agents and the LLM timeout, as `apxm run` reads them
    const configFile = findWorkspaceConfig(args.program);
    const workspace = configFile ? readWorkspaceConfig(configFile) : {};
    const fileTimeout = configFile ? llmTimeoutsFromConfigFile(workspace.llm, configFile) : undefined;
    const runtime =
      replay?.runtime ??
      (await Runtime.create({
        llm: llmConfigOf(args, fileTimeout),
        memoryConfig: { dbPath: db ?? ':memory:' },
        schedulerConfig,
        remoteAgents: workspace.remoteAgents,
      }));
    try {
      await loadWorkspaceCapabilities(runtime.capabilitySystem(), args.program, { capabilities: args.capabilities });
      replay?.useRecordedTools();
      return runtime;
    } catch (e) {
      // a capabilities module that fails to load leaves no database or server open
      await runtime.dispose().catch(() => undefined);
      throw e;
    }
  }

  private startRun(paused = false): void {
    const runtime = this.runtime as Runtime;
    const program = this.program as Program;
    const args = this.args as ApxmLaunchArguments;
    const noDebug = args.noDebug === true;
    this.listen(runtime);
    const human: HumanInputProvider = { request: (req) => this.waitForAnswer(req) };
    // the view must see the first events, which start() emits before it returns
    this.runId = randomUUID();
    // what threads, stacks and scopes are built from; a run without debugging needs none of it
    this.view = noDebug ? undefined : new RunView(runtime.events, this.runId, { replay: this.recording !== undefined });
    try {
      this.handle = runtime.start(program, {
        runId: this.runId,
        // a replay runs with the recorded run's arguments unless the launch gives its own
        args: this.runArguments(),
        startPaused: paused || (!noDebug && args.stopOnEntry === true),
        humanInput: human,
        ...(noDebug ? {} : { hooks: { shouldPause: (node, inputs) => this.shouldPause(node, inputs) } }),
      });
    } catch (e) {
      this.console(this.clientText(asApxmError(e)) + '\n', 'stderr');
      this.end(2);
      return;
    }
    const execution = this.handle.execution;
    this.graph.runStarted({ runId: this.runId, events: runtime.events, execution, view: this.view, stoppedAt: () => this.stopped?.node });
    this.background(
      this.handle.result.then(
        (r) => this.onFinished(r.status, r.result, r.error),
        (e) => {
          this.console(this.clientText(asApxmError(e)) + '\n', 'stderr');
          this.end(1);
        },
      ),
      'the end of the run',
    );
  }

  // ---------------------------------------------------------------- runtime → DAP

  private listen(runtime: Runtime): void {
    const ev = runtime.events;
    // step back and reverse continue (replay only) re-execute to a place in this history
    if (this.recording)
      this.offs.push(
        ev.on('node:started', (e) => {
          if (e.runId === this.runId) this.history.push({ flow: e.flow, nodeId: e.nodeId });
        }),
      );
    this.offs.push(
      ev.on('print', (e) => this.console(e.text + '\n', 'stdout')),
      ev.on('warning', (e) => this.console(`warning: ${e.message}\n`, 'console')),
      ev.on('llm:response', (e) =>
        this.console(
          `▸ ${e.phase} ${e.model}: ${e.usage.totalTokens} tokens, ${Math.round(e.latencyMs)} ms${e.simulated ? (this.recording ? ' (replayed)' : ' (simulated)') : ''}\n`,
          'console',
          { kind: 'llm', nodeExecId: e.nodeExecId, usage: e.usage },
        ),
      ),
      ev.on('llm:retry', (e) => {
        this.console(`▸ retry ${e.attempt} in ${e.delayMs} ms: ${e.error.message}\n`, 'console');
        if (e.error.code === 'E_LLM_RATE_LIMITED' && this.exceptionFilters.has('rateLimited')) this.pauseForException({ error: e.error });
      }),
      ev.on('capability:result', (e) =>
        this.console(
          `▸ tool ${e.name}: ${e.error ? `failed: ${e.error.message}` : preview(e.result ?? null)} (${Math.round(e.durationMs)} ms)\n`,
          'console',
          { kind: 'capability', name: e.name },
        ),
      ),
      ev.on('memory:write', (e) => {
        this.console(`▸ ${e.tier}[${e.key}] = ${preview(e.value)}\n`, 'console', { kind: 'memory', tier: e.tier, key: e.key });
        this.onMemoryAccess('write', e.tier, e.key, e.nodeExecId);
      }),
      ev.on('memory:read', (e) => this.onMemoryAccess('read', e.tier, e.key, e.nodeExecId)),
      ev.on('node:failed', (e) => {
        const code = e.error.code;
        const wanted =
          (e.handled && this.exceptionFilters.has('caught')) ||
          Object.entries(FILTER_CODES).some(([f, test]) => this.exceptionFilters.has(f) && test(code));
        if (e.handled) this.console(`caught: ${formatError(e.error)}\n`, 'stderr');
        if (wanted) {
          const rec = this.view?.nodes.get(e.nodeExecId);
          this.pauseForException({ error: e.error, node: e, prompt: rec?.prompt, reply: rec?.reply });
        }
      }),
      ev.on('scheduler:paused', (e) => {
        if (e.runId !== this.runId || this.fastForward) return;
        const reason = this.pendingReason ?? (e.reason === 'request' ? 'pause' : e.reason);
        this.pendingReason = undefined;
        const held = this.stopped;
        this.stopAt({
          ...(held?.exception ? { exception: held.exception } : {}),
          reason,
          node: e.node ?? held?.node,
          inputs: held?.inputs,
          ...(reason === 'breakpoint' && held?.hitBreakpointIds ? { hitBreakpointIds: held.hitBreakpointIds } : {}),
        });
      }),
    );
  }

  private shouldPause(node: NodeRef, inputs: Value[]): boolean {
    if (this.breakpoints.isEmpty || this.fastForward) return false;
    const op = this.inspector.opNode(node.flow, node.nodeId);
    if (!op) return false;
    const bps = this.breakpoints.at(node.flow, op);
    if (!bps.length) return false;
    const scope = this.inspector.exprScope(node, inputs);
    const hit: number[] = [];
    for (const bp of bps) {
      if (bp.condition) {
        let ok: boolean;
        try {
          bp.compiled ??= parseExpression(bp.condition);
          ok = truthy(evaluate(bp.compiled, scope));
        } catch (e) {
          // a condition that cannot be evaluated stops, and says why (as js-debug does)
          this.console(`breakpoint condition '${bp.condition}' failed: ${(e as Error).message}\n`, 'stderr');
          ok = true;
        }
        if (!ok) continue;
      }
      bp.hits++;
      if (!hitConditionMet(bp.hitCondition, bp.hits)) continue;
      if (bp.logMessage) {
        this.console(interpolateLogMessage(bp.logMessage, scope) + '\n', 'console', undefined, op);
        continue;
      }
      hit.push(bp.id);
    }
    if (hit.length === 0) return false;
    this.stopped = { reason: 'breakpoint', node, inputs, hitBreakpointIds: hit };
    return true;
  }

  private pauseForException(exception: Stop['exception']): void {
    this.holdFor({ reason: 'exception', exception, ...(exception?.node ? { node: exception.node } : {}) });
  }

  /** Holds the scheduler to report `stop`: the op that caused it finishes, nothing new starts. */
  private holdFor(stop: Stop): void {
    const exec = this.handle?.execution;
    if (!exec || this.finished) return;
    this.stopped = stop;
    if (exec.isPaused) return this.stopAt(stop);
    this.pendingReason = stop.reason;
    exec.pause();
  }

  private stopAt(stop: Stop): void {
    this.stopped = stop;
    this.vars.reset();
    this.frameHandles.clear();
    const threadId = stop.node ? (this.view?.activationOf(stop.node.frameId) ?? 1) : this.firstThread();
    const ev = new StoppedEvent(
      stop.reason,
      threadId,
      stop.exception ? stop.exception.error.message : undefined,
    ) as DebugProtocol.StoppedEvent;
    ev.body.allThreadsStopped = true;
    if (stop.reason === 'breakpoint' && !this.breakpointPositions.includes(this.history.length))
      this.breakpointPositions.push(this.history.length);
    if (stop.hitBreakpointIds?.length) ev.body.hitBreakpointIds = stop.hitBreakpointIds;
    this.sendEvent(ev);
    this.graph.stopped(stop.node);
  }

  private onFinished(status: string, result: Value | undefined, error: unknown): void {
    if (this.finishedQuietly) return;
    this.finished = true;
    const err = error ? asApxmError(error) : undefined;
    if (status === 'succeeded')
      this.console(`result: ${typeof result === 'string' ? result : JSON.stringify(result ?? null)}\n`, 'console');
    else if (status === 'cancelled') this.console(`run cancelled${err ? `: ${err.message}` : ''}\n`, 'console');
    else if (err) this.console(this.clientText(err) + '\n', 'stderr');
    const code = status === 'succeeded' ? 0 : status === 'cancelled' ? 130 : 1;
    // a run held on an exception (a filter stopped it) that fails meanwhile stays there: it ended the session under the client
    const held = this.stopped?.exception ? this.stopped : undefined;
    if (status === 'failed' && err && (held || this.exceptionFilters.has('failed')) && this.args?.noDebug !== true) {
      // keep the failed run inspectable: stop on the exception; continuing ends the session
      this.stopped = held ?? { reason: 'exception', exception: { error: err.toJSON() } };
      this.exitCode = code;
      this.stopAt(this.stopped);
      return;
    }
    this.end(code);
  }

  private end(code: number): void {
    if (this.ended) return;
    this.ended = true;
    this.sendEvent(new ExitedEvent(code));
    this.sendEvent(new TerminatedEvent());
  }

  // ---------------------------------------------------------------- breakpoints

  protected override setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): void {
    if (this.isListing(args.source)) {
      response.body = { breakpoints: this.breakpoints.setLines(`listing:${LISTING_REF}`, this.listingLines(), args.breakpoints ?? []) };
      return this.sendResponse(response);
    }
    const file = args.source.path;
    // a URI that is not this session's listing (another program's, or no file at all) holds no operation of this program
    const problem = !file
      ? 'breakpoints need a file'
      : isUri(file)
        ? `${args.source.name ?? file} is not part of this program (${this.listing ? listingSourceName(this.program as Program) : path.basename(this.args?.program ?? '')} is)`
        : undefined;
    if (!file || problem) {
      response.body = {
        breakpoints: (args.breakpoints ?? []).map((b) => ({ verified: false, line: b.line, message: problem })),
      };
      return this.sendResponse(response);
    }
    response.body = { breakpoints: this.breakpoints.setSource(file, args.breakpoints ?? []) };
    this.sendResponse(response);
  }

  protected override breakpointLocationsRequest(
    response: DebugProtocol.BreakpointLocationsResponse,
    args: DebugProtocol.BreakpointLocationsArguments,
  ): void {
    const lines = this.isListing(args.source)
      ? this.listingLines()
      : args.source.path
        ? this.breakpoints.linesOf(args.source.path)
        : new Map<number, { node: OpNode }[]>();
    const end = args.endLine ?? args.line;
    const out: DebugProtocol.BreakpointLocation[] = [];
    for (const [line, nodes] of lines) {
      if (line < args.line || line > end) continue;
      for (const { node } of nodes)
        out.push({ line, column: node.source?.column, endLine: node.source?.endLine, endColumn: node.source?.endColumn });
    }
    response.body = { breakpoints: out.sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0)) };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(
    response: DebugProtocol.SetFunctionBreakpointsResponse,
    args: DebugProtocol.SetFunctionBreakpointsArguments,
  ): void {
    response.body = { breakpoints: this.breakpoints.setFunction(args.breakpoints) };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): void {
    const known = new Set(EXCEPTION_FILTERS.map((f) => f.filter));
    this.exceptionFilters = new Set(args.filters.filter((f) => known.has(f)));
    response.body = {
      breakpoints: args.filters.map((f) => ({ verified: known.has(f), ...(known.has(f) ? {} : { message: `unknown filter ${f}` }) })),
    };
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const x = this.stopped?.exception;
    if (!x) return this.fail(response, DapErrorId.notAvailable, 'not stopped on an exception');
    const details = [
      x.error.hint ? `fix: ${x.error.hint}` : '',
      x.prompt ? `prompt: ${JSON.stringify(x.prompt)}` : '',
      x.reply !== undefined ? `reply: ${x.reply}` : '',
    ]
      .filter(Boolean)
      .join('\n');
    response.body = {
      exceptionId: x.error.code,
      description: x.error.message,
      breakMode: 'always',
      details: { message: x.error.message, typeName: x.error.code, ...(details ? { stackTrace: details } : {}) },
    };
    this.sendResponse(response);
  }

  // ---------------------------------------------------------------- execution control

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
    this.resume();
  }

  private resume(): void {
    this.stopped = undefined;
    if (this.finished) return this.end(this.exitCode ?? 0);
    this.handle?.execution.resume();
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.sendResponse(response);
    this.handle?.execution.pause();
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.sendResponse(response);
    this.background(this.stepOne(args.threadId), 'next');
  }

  /** Runs exactly one ready op — the highest-priority one of this thread, else of any — then stops. */
  private async stepOne(threadId: number, into = false, chosen?: NodeRef): Promise<void> {
    const exec = this.handle?.execution;
    if (!exec || this.finished) return this.resume();
    const target = chosen ?? this.readyIn(threadId)[0] ?? exec.readyNodes()[0];
    this.stopped = undefined;
    if (into && target && CALL_OPS.has(target.op)) {
      const entered = new Promise<number | undefined>((resolve) => {
        const off = this.runtime?.events.on('frame:entered', (f) => {
          if (f.parentFrameId === target.frameId && f.callerNodeId === target.nodeId) {
            off?.();
            resolve(f.frameId);
          }
        });
        this.background(
          exec.step({ frameId: target.frameId, nodeId: target.nodeId }).finally(() => {
            off?.();
            resolve(undefined);
          }),
          'stepIn',
        );
      });
      const frameId = await entered;
      if (this.finished) return;
      if (frameId !== undefined) {
        const first = exec.readyNodes().find((n) => n.frameId === frameId);
        this.stopAt({ reason: 'step', ...(first ? { node: first } : { node: { ...target, frameId } }) });
        return;
      }
    } else if (target && CALL_OPS.has(target.op)) {
      // step over a call: its callee runs (the scheduler goes on meanwhile), then hold again
      const events = this.runtime?.events;
      const done = new Promise<void>((resolve) => {
        const offs = [
          events?.on('node:finished', (e) => {
            if (e.nodeExecId === target.nodeExecId) {
              offs.forEach((o) => o?.());
              resolve();
            }
          }),
          events?.on('node:failed', (e) => {
            if (e.nodeExecId === target.nodeExecId) {
              offs.forEach((o) => o?.());
              resolve();
            }
          }),
        ];
      });
      this.background(exec.step({ frameId: target.frameId, nodeId: target.nodeId }), 'next');
      exec.resume();
      await done;
      if (!this.finished && !exec.isPaused) {
        this.pendingReason = 'step';
        exec.pause();
      }
      return;
    } else {
      await exec.step(target ? { frameId: target.frameId, nodeId: target.nodeId } : undefined);
    }
    if (this.finished) return;
    const next = this.readyIn(threadId)[0] ?? exec.readyNodes()[0];
    this.stopAt({ reason: 'step', ...(next ? { node: next } : {}) });
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.sendResponse(response);
    const chosen = args.targetId !== undefined ? this.stepTargets.get(args.targetId) : undefined;
    this.background(this.stepOne(args.threadId, true, chosen), 'stepIn');
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.sendResponse(response);
    const exec = this.handle?.execution;
    const frame = this.view?.frames.get(args.threadId);
    if (!exec || !frame || frame.parentFrameId === undefined) return this.resume();
    // run to the end of this flow activation, then hold before the caller's next op
    const off = this.runtime?.events.on('frame:exited', (f) => {
      if (f.frameId !== args.threadId) return;
      off?.();
      this.pendingReason = 'step';
      exec.pause();
    });
    this.resume();
  }

  /** Cancels the run and starts it again in the same session: same program, breakpoints and settings. */
  protected override async restartRequest(response: DebugProtocol.RestartResponse): Promise<void> {
    if (!this.runtime || !this.program)
      return this.fail(response, DapErrorId.notAvailable, 'there is no run to restart: launch a program first');
    this.sendResponse(response);
    await this.rerun();
  }

  /**
   * Cancels the run and starts it again in this session (breakpoints kept, hit counts reset). With
   * `replayTo` (a replay session), the new run is single-stepped through those ops, in that order,
   * and stops before the next one: replay is deterministic, so this is the recorded state there.
   */
  private rerun(replayTo?: { flow: string; nodeId: number }[]): Promise<void> {
    // two at once each started a run, and the one not kept stayed held for ever
    const next = this.reruns.then(() => this.rerunNow(replayTo));
    this.reruns = next.catch(() => undefined);
    return next;
  }

  private async rerunNow(replayTo?: { flow: string; nodeId: number }[]): Promise<void> {
    if (this.closing) return;
    const old = this.handle;
    if (old && !this.finished) {
      this.finishedQuietly = true;
      old.execution.cancel('restarted from the debugger');
      old.execution.resume();
      await old.result.catch(() => undefined);
    }
    for (const off of this.offs.splice(0)) off();
    this.view?.dispose();
    this.stopped = undefined;
    this.pendingReason = undefined;
    this.finished = false;
    this.ended = false;
    this.finishedQuietly = false;
    this.exitCode = undefined;
    this.history = [];
    this.breakpoints.resetHits();
    for (const b of this.dataBreakpoints) b.hits = 0;
    if (this.recording) {
      await this.runtime?.dispose().catch(() => undefined);
      this.runtime = undefined;
      const runtime = await this.makeRuntime(undefined);
      if (this.closing) return void (await runtime.dispose().catch(() => undefined));
      this.runtime = runtime;
      this.inspector.reset();
    }
    this.fastForward = replayTo !== undefined;
    this.startRun(replayTo !== undefined);
    if (!replayTo) return;
    const exec = this.handle?.execution;
    for (const t of replayTo) {
      if (!exec || this.finished || !(await this.stepThrough(t))) {
        this.console(
          `step back stopped early: op ${t.flow}#${t.nodeId} did not come up again (the program changed since the recording?)\n`,
          'important',
        );
        break;
      }
    }
    this.fastForward = false;
    if (this.finished) return;
    const next = exec?.readyNodes()[0];
    this.stopAt({ reason: 'step', ...(next ? { node: next } : {}) });
  }

  /** Starts the ready op `t` (waiting for it to become ready) and waits for it, except for calls whose callees are stepped next. */
  private async stepThrough(t: { flow: string; nodeId: number }): Promise<boolean> {
    const exec = this.handle?.execution;
    const events = this.runtime?.events;
    if (!exec || !events) return false;
    const match = (n: NodeRef) => n.flow === t.flow && n.nodeId === t.nodeId;
    let ready = exec.readyNodes().find(match);
    if (!ready) {
      ready = await new Promise<NodeRef | undefined>((resolve) => {
        const timer = setTimeout(() => {
          off();
          resolve(undefined);
        }, 5000);
        const off = events.on('node:ready', (e) => {
          if (e.runId !== this.runId || !match(e)) return;
          clearTimeout(timer);
          off();
          resolve(e);
        });
      });
    }
    if (!ready) return false;
    const settled = exec.step({ frameId: ready.frameId, nodeId: ready.nodeId });
    if (!CALL_OPS.has(ready.op)) await settled;
    return true;
  }

  protected override async stepBackRequest(response: DebugProtocol.StepBackResponse): Promise<void> {
    if (!this.recording)
      return this.fail(
        response,
        DapErrorId.notAvailable,
        'step back works in replay sessions ("replay" in the launch configuration): a live run cannot take back what it sent to an LLM or a tool',
      );
    this.sendResponse(response);
    await this.rerun(this.history.slice(0, Math.max(0, this.history.length - 1)));
  }

  protected override async reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): Promise<void> {
    if (!this.recording)
      return this.fail(
        response,
        DapErrorId.notAvailable,
        'reverse continue works in replay sessions ("replay" in the launch configuration)',
      );
    this.sendResponse(response);
    const here = this.history.length;
    const target = [...this.breakpointPositions].reverse().find((p) => p < here) ?? 0;
    await this.rerun(this.history.slice(0, target));
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.sendResponse(response);
    if (this.finished) return this.end(this.exitCode ?? 0);
    this.handle?.execution.cancel('terminated from the debugger');
    this.handle?.execution.resume();
  }

  protected override async disconnectRequest(response: DebugProtocol.DisconnectResponse): Promise<void> {
    await this.close('the debug session ended');
    this.sendResponse(response);
  }

  // ---------------------------------------------------------------- inspection

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const acts = this.view?.activations() ?? [];
    response.body = {
      threads: acts.length
        ? acts.map(
            (f) => new Thread(f.frameId, f.parentFrameId === undefined ? f.label : `${f.label} (called from frame ${f.parentFrameId})`),
          )
        : [new Thread(1, this.program?.entry.qualifiedName ?? 'run')],
    };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const exec = this.handle?.execution;
    const frames: DebugProtocol.StackFrame[] = [];
    const current = this.currentNode(args.threadId);
    if (exec && current) {
      const chain = exec.frameChain(current.frameId);
      chain.forEach((link, k) => {
        const nodeId = k === 0 ? current.nodeId : chain[k - 1].callerNodeId;
        if (nodeId === undefined) return;
        frames.push(this.stackFrame(link.frameId, link.flow, link.label, nodeId));
      });
    } else if (this.view?.frames.get(args.threadId)) {
      const f = this.view.frames.get(args.threadId);
      const id = this.nextFrameHandle++;
      this.frameHandles.set(id, { frameId: args.threadId, flow: f?.flow ?? '' });
      frames.push(new StackFrame(id, `${f?.label} (waiting)`));
    }
    const start = args.startFrame ?? 0;
    const levels = args.levels || frames.length;
    response.body = { stackFrames: frames.slice(start, start + levels), totalFrames: frames.length };
    this.sendResponse(response);
  }

  private stackFrame(frameId: number, flow: string, label: string, nodeId: number): DebugProtocol.StackFrame {
    const node = this.inspector.opNode(flow, nodeId);
    const id = this.nextFrameHandle++;
    this.frameHandles.set(id, { frameId, nodeId, flow });
    const src = node?.source;
    const file = src?.file ? path.resolve(src.file) : undefined;
    const name = `${node?.op ?? '?'} ${node?.name ?? nodeId} — ${label}`;
    if (file && existsSync(file) && src) {
      const sf = new StackFrame(id, name, new Source(path.basename(file), file), src.line, src.column) as DebugProtocol.StackFrame;
      if (src.endLine !== undefined) sf.endLine = src.endLine;
      if (src.endColumn !== undefined) sf.endColumn = src.endColumn;
      return sf;
    }
    const line = this.listing?.lineOf(flow, nodeId);
    return new StackFrame(id, name, line !== undefined ? this.listingSource() : undefined, line ?? 0, line !== undefined ? 1 : 0);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const h = this.frameHandles.get(args.frameId);
    response.body = { scopes: h ? this.inspector.scopes(h) : [] };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    response.body = { variables: this.vars.children(args.variablesReference, args.start ?? 0, args.count ?? 0) ?? [] };
    this.sendResponse(response);
  }

  protected override async evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): Promise<void> {
    const h = args.frameId !== undefined ? this.frameHandles.get(args.frameId) : undefined;
    const node = h?.nodeId !== undefined ? this.inspector.refOf(h) : this.stopped?.node;
    try {
      const scope = this.inspector.exprScope(
        node,
        node && this.stopped?.node?.nodeExecId === node.nodeExecId ? this.stopped?.inputs : undefined,
      );
      const expr = parseExpression(args.expression);
      // invoke("tool", {...}) calls a capability now (only from the Debug Console: hovers must not have effects)
      const value =
        expr.k === 'call' && expr.callee.root === 'invoke' && !expr.callee.steps.length
          ? await this.invokeCapability(
              expr.args.map((a) => evaluate(a, scope)),
              args.context,
            )
          : evaluate(expr, scope);
      const v = this.vars.variable('result', value);
      response.body = { result: v.value, variablesReference: v.variablesReference, ...(v.type ? { type: v.type } : {}) };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, DapErrorId.evaluate, (e as Error).message, e instanceof ApxmError ? e.code : 'E_EVALUATE');
    }
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    const setter = this.vars.setter(args.variablesReference);
    if (!setter)
      return this.fail(
        response,
        DapErrorId.notAvailable,
        `'${args.name}' cannot be changed here: STM values, beliefs and the inputs of an op that has not started can`,
      );
    const parsed = parseEditedValue(args.value);
    if ('problem' in parsed) return this.fail(response, DapErrorId.badArguments, `setVariable: arguments.value ${parsed.problem}`);
    const value = parsed.value;
    try {
      const now = setter(args.name, value);
      const v = this.vars.variable(args.name, now);
      response.body = { value: v.value, variablesReference: v.variablesReference, ...(v.type ? { type: v.type } : {}) };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, DapErrorId.notAvailable, (e as Error).message);
    }
  }

  protected override stepInTargetsRequest(response: DebugProtocol.StepInTargetsResponse): void {
    this.stepTargets.clear();
    const targets = (this.handle?.execution.readyNodes() ?? []).map((n, i) => {
      this.stepTargets.set(i + 1, n);
      const src = n.source;
      return {
        id: i + 1,
        label: `${n.op} ${n.name} — ${n.flow}`,
        ...(src ? { line: src.line, column: src.column, endLine: src.endLine, endColumn: src.endColumn } : {}),
      };
    });
    response.body = { targets };
    this.sendResponse(response);
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    response.body = { targets: this.inspector.completions(args.text, args.column) };
    this.sendResponse(response);
  }

  protected override dataBreakpointInfoRequest(
    response: DebugProtocol.DataBreakpointInfoResponse,
    args: DebugProtocol.DataBreakpointInfoArguments,
  ): void {
    const kind = args.variablesReference !== undefined ? this.vars.watchOf(args.variablesReference) : undefined;
    response.body = kind
      ? {
          dataId: `${kind}:${args.name}`,
          description: `${kind.toUpperCase()} key '${args.name}'`,
          accessTypes: ['write', 'read', 'readWrite'],
          canPersist: true,
        }
      : { dataId: null, description: 'data breakpoints watch STM and LTM keys: expand the STM or LTM scope and pick a key' };
    this.sendResponse(response);
  }

  protected override setDataBreakpointsRequest(
    response: DebugProtocol.SetDataBreakpointsResponse,
    args: DebugProtocol.SetDataBreakpointsArguments,
  ): void {
    this.dataBreakpoints = [];
    response.body = {
      breakpoints: args.breakpoints.map((b) => {
        // a data breakpoint counts hits but evaluates no condition: one given is refused, not ignored
        const problem = !/^(stm|ltm):./.test(b.dataId)
          ? `unknown data id ${b.dataId}`
          : b.condition?.trim()
            ? 'data breakpoints take a hit count, not a condition'
            : checkExpressions(undefined, b.hitCondition);
        const ok = problem === undefined;
        if (ok)
          this.dataBreakpoints.push({
            dataId: b.dataId,
            accessType: b.accessType ?? 'write',
            ...(b.hitCondition ? { hitCondition: b.hitCondition } : {}),
            hits: 0,
          });
        return { verified: ok, ...(problem ? { message: problem } : {}) };
      }),
    };
    this.sendResponse(response);
  }

  /** A memory access hit a data breakpoint: hold the scheduler (the accessing op finishes) and stop there. */
  private onMemoryAccess(kind: 'read' | 'write', tier: string, key: string | undefined, nodeExecId: string): void {
    if (!key || !this.dataBreakpoints.length || this.finished) return;
    const hit = this.dataBreakpoints.find((b) => b.dataId === `${tier}:${key}` && (b.accessType === 'readWrite' || b.accessType === kind));
    if (!hit || !hitConditionMet(hit.hitCondition, ++hit.hits)) return;
    const node = this.view?.nodes.get(nodeExecId)?.ref;
    this.holdFor({ reason: 'data breakpoint', ...(node ? { node } : {}) });
  }

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    const wanted = args.source && this.isListing(args.source);
    if (!this.listing || (!wanted && (args.source?.sourceReference ?? args.sourceReference) !== LISTING_REF))
      return this.fail(response, DapErrorId.notAvailable, 'no such source');
    response.body = { content: this.listing.text, mimeType: 'text/x-apxm-dag' };
    this.sendResponse(response);
  }

  protected override loadedSourcesRequest(response: DebugProtocol.LoadedSourcesResponse): void {
    const file = this.args?.program;
    response.body = { sources: this.listing ? [this.listingSource()] : file ? [new Source(path.basename(file), file)] : [] };
    this.sendResponse(response);
  }

  /** The listing as a client's own document (`listingUri`, filled by the extension), else served by sourceReference. */
  private listingSource(): Source {
    const uri = this.args?.listingUri;
    const s = new Source(listingSourceName(this.program as Program), uri, uri ? 0 : LISTING_REF);
    (s as DebugProtocol.Source).presentationHint = 'emphasize';
    return s;
  }

  private isListing(source: DebugProtocol.Source): boolean {
    if (this.listing === undefined) return false;
    const uri = this.args?.listingUri;
    return uri && source.path ? sameUri(source.path, uri) : source.sourceReference === LISTING_REF;
  }

  private listingLines(): Map<number, { flow: string; node: OpNode }[]> {
    const out = new Map<number, { flow: string; node: OpNode }[]>();
    const listing = this.listing;
    if (!listing) return out;
    for (const f of this.program?.flows ?? []) {
      for (const node of f.nodes) {
        const line = listing.lineOf(f.qualifiedName, node.id);
        if (line !== undefined) out.set(line, [...(out.get(line) ?? []), { flow: f.qualifiedName, node }]);
      }
    }
    return out;
  }

  private async invokeCapability(callArgs: Value[], context: string | undefined): Promise<Value> {
    if (context !== 'repl') throw new ApxmError('E_EXPRESSION', 'invoke() runs a tool: type it in the Debug Console');
    const [name, params] = callArgs;
    if (typeof name !== 'string') throw new ApxmError('E_EXPRESSION', 'invoke("name", { ...params }) takes the capability name first');
    if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params)))
      throw new ApxmError('E_EXPRESSION', 'the parameters of invoke() are an object: invoke("search", { query: "x" })');
    const caps = this.runtime?.capabilitySystem();
    if (!caps) throw new ApxmError('E_DEBUG_STATE', 'no program is running');
    return caps.invoke(name, (params ?? {}) as Record<string, Value>);
  }

  // ---------------------------------------------------------------- helpers

  private readyIn(threadId: number): NodeRef[] {
    return (this.handle?.execution.readyNodes() ?? []).filter((n) => (this.view?.activationOf(n.frameId) ?? n.frameId) === threadId);
  }

  private currentNode(threadId: number): NodeRef | undefined {
    const s = this.stopped?.node;
    if (s && (this.view?.activationOf(s.frameId) ?? s.frameId) === threadId) return s;
    const ready = this.readyIn(threadId)[0];
    if (ready) return ready;
    const running = this.view?.running().find((r) => this.view?.activationOf(r.ref.frameId) === threadId);
    return running?.ref;
  }

  private firstThread(): number {
    return this.view?.activations()[0]?.frameId ?? 1;
  }

  /**
   * A PAUSE waits: the client is told (an `apxm/pauseWaiting` event, and a line in the Debug
   * Console for clients that show no custom events) until it is answered or withdrawn.
   */
  private waitForAnswer(req: HumanInputRequest): Promise<string> {
    return new Promise<string>((resolve) => {
      const entry = {
        checkpointId: req.checkpointId,
        message: req.message,
        resolve: (text: string) => {
          req.signal.removeEventListener('abort', withdrawn);
          this.sendApxmEvent('apxm/pauseDone', { checkpointId: req.checkpointId, outcome: 'answered' });
          resolve(text);
        },
      };
      // answered elsewhere (`apxm resume`), timed out, or the run ended: no longer answerable here
      const withdrawn = () => {
        const i = this.pendingHuman.indexOf(entry);
        if (i < 0) return;
        this.pendingHuman.splice(i, 1);
        this.sendApxmEvent('apxm/pauseDone', { checkpointId: req.checkpointId, outcome: 'withdrawn' });
      };
      this.pendingHuman.push(entry);
      req.signal.addEventListener('abort', withdrawn, { once: true });
      const src = req.flow !== undefined ? this.inspector.opNode(req.flow, req.nodeId)?.source : undefined;
      this.sendApxmEvent('apxm/pauseWaiting', {
        checkpointId: req.checkpointId,
        message: req.message,
        flow: req.flow ?? this.program?.entry.qualifiedName ?? '',
        nodeId: req.nodeId,
        ...(src?.file ? { source: { path: path.resolve(src.file), line: src.line } } : {}),
      });
      // a client without its own PAUSE notice gets this one as a notice ('important')
      this.console(
        `PAUSE ${req.checkpointId}: ${req.message}\n  answer in the Debug Console: answer("your text"), or from the notification\n`,
        this.args?.clientShowsPauses === true ? 'console' : 'important',
      );
    });
  }

  /** answer("...") in the Debug Console: the oldest waiting PAUSE gets it. */
  private answerPause(text: string): string {
    const p = this.pendingHuman.shift();
    if (!p) throw new ApxmError('E_HUMAN_INPUT', 'no PAUSE is waiting for an answer');
    p.resolve(text);
    return `answered ${p.checkpointId}`;
  }

  /** `apxm/programGraph`: the launched program's graph, from the runtime's one query (no values, no run state). */
  protected programGraphRequest(response: DebugProtocol.Response): void {
    if (!this.program) return this.fail(response, DapErrorId.notAvailable, 'no program is loaded: launch one first');
    response.body = programGraph(this.program) satisfies ApxmRequests['apxm/programGraph']['body'];
    this.sendResponse(response);
  }

  /** `apxm/subscribeNodeStatus`, `apxm/unsubscribeNodeStatus`, `apxm/nodeDetail`, `apxm/valuePage`: graphRequests.ts answers. */
  protected subscribeNodeStatusRequest(
    response: DebugProtocol.Response,
    args: ApxmRequests['apxm/subscribeNodeStatus']['arguments'],
  ): void {
    this.answer(response, this.graph.subscribe(args));
  }

  protected unsubscribeNodeStatusRequest(response: DebugProtocol.Response): void {
    this.answer(response, this.graph.unsubscribe());
  }

  protected nodeDetailRequest(response: DebugProtocol.Response, args: ApxmRequests['apxm/nodeDetail']['arguments']): void {
    this.answer(response, this.graph.nodeDetail(args));
  }

  protected valuePageRequest(response: DebugProtocol.Response, args: ApxmRequests['apxm/valuePage']['arguments']): void {
    this.answer(response, this.graph.valuePage(args));
  }

  private answer(response: DebugProtocol.Response, a: Answer<unknown>): void {
    if ('error' in a) return this.fail(response, a.error, a.message);
    response.body = a.body;
    this.sendResponse(response);
  }

  /** `apxm/answerPause`: answers one waiting PAUSE by its checkpoint id (several may wait at once). */
  protected async answerPauseRequest(response: DebugProtocol.Response, args: ApxmRequests['apxm/answerPause']['arguments']): Promise<void> {
    const i = this.pendingHuman.findIndex((p) => p.checkpointId === args.checkpointId);
    if (i < 0)
      return this.fail(
        response,
        DapErrorId.notAvailable,
        `PAUSE ${args.checkpointId} is not waiting for an answer (answered already, or its run ended)`,
      );
    const [p] = this.pendingHuman.splice(i, 1);
    p.resolve(args.text);
    response.body = { checkpointId: p.checkpointId } satisfies ApxmRequests['apxm/answerPause']['body'];
    this.sendResponse(response);
    return Promise.resolve();
  }

  private console(
    text: string,
    category: 'console' | 'stdout' | 'stderr' | 'important',
    data?: Record<string, unknown>,
    node?: OpNode,
  ): void {
    if (this.fastForward && category !== 'important') return; // a step back re-executes silently
    const e = new OutputEvent(text, category) as DebugProtocol.OutputEvent;
    if (data) e.body.data = data;
    if (node?.source && existsSync(path.resolve(node.source.file))) {
      e.body.source = new Source(path.basename(node.source.file), path.resolve(node.source.file));
      e.body.line = node.source.line;
    }
    this.sendEvent(e);
  }

  /**
   * An error response: `id` says the kind (dapErrors.ts), `code` the runtime's error code when there
   * is one, `link` a place to fix it (VS Code shows `urlLabel` as a button and runs a `command:` url).
   */
  private fail(
    response: DebugProtocol.Response,
    id: DapErrorIdValue,
    message: string,
    code?: string,
    link?: { url?: string; urlLabel?: string },
  ): void {
    // `_`-prefixed variables are not personal data, so the library never scrubs the message
    this.sendErrorResponse(response, {
      id,
      format: '{_message}',
      showUser: !(response.command === 'launch' && this.clientShowsLaunchErrors),
      variables: { _message: message, ...(code ? { _code: code } : {}) },
      ...(link?.url ? { url: link.url, urlLabel: link.urlLabel ?? 'More' } : {}),
    });
  }
}

/** A URI rather than a file path: a scheme of two characters or more (so `C:` stays a drive). */
const isUri = (s: string): boolean => /^[a-z][a-z0-9+.-]+:/i.test(s);

/** The same URI however a client encoded it (`%20` or a space, `%28` or a parenthesis). */
function sameUri(a: string, b: string): boolean {
  const norm = (u: string) => {
    try {
      return decodeURIComponent(u);
    } catch {
      return u;
    }
  };
  return norm(a) === norm(b);
}
