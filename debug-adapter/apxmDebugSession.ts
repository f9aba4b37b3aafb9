/**
 * The APXM debug adapter: a DAP session that hosts the runtime and translates. Requests become
 * runtime calls (start paused, step one op, resume, pause, cancel); runtime events become DAP
 * events (stopped, output, terminated). The runtime knows nothing of DAP.
 *
 * Threads: one per flow activation (the entry flow, each FLOW_CALL / COMMUNICATE callee, a PLAN's
 * generated graph); loop iterations are frames of their flow's thread. Stopped means the
 * scheduler holds before starting the next op; ops in flight may finish, nothing new starts.
 *
 * This class owns the run's lifecycle (launch, start, listen, close) and routes requests
 * (routedSession.ts checks and answers them); each concern is a module of its own: stepping.ts,
 * timeTravel.ts, sessionBreakpoints.ts, humanInput.ts, stackFrames.ts, runStops.ts,
 * launchSetup.ts, runOutput.ts, and viewRequests.ts for the requests of APXM's own views. They share the run
 * through SessionRun and reach the session only through SessionHost (sessionState.ts).
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { Event, InitializedEvent, LoadedSourceEvent, OutputEvent, Source } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ApxmError, asApxmError, formatError } from '../runtime/errors.js';
import type { Diagnostic } from '../runtime/graph/diagnostics.js';
import type { OpNode, Program } from '../runtime/graph/types.js';
import { Runtime } from '../runtime/runtime.js';
import { buildDagListing } from './dagListing.js';
import type { AdapterMode, ApxmEventName, ApxmEvents, ApxmRequests } from './customProtocol.js';
import { DapErrorId, refuse } from './dapErrors.js';
import { errorForClient } from './launchErrorTerms.js';
import { ViewRequests } from './viewRequests.js';
import { serveDap } from './dapTransport.js';
import type { ApxmLaunchArguments } from './launchArguments.js';
import { RoutedSession, type Route } from './routedSession.js';
import { RunView } from '../runtime/query/runView.js';
import { RunInspector } from './inspector.js';
import { HumanInput } from './humanInput.js';
import { ADAPTER_CAPABILITIES, loadLaunch, makeRuntime, resolveLaunchPaths, runArguments, sessionInfo } from './launchSetup.js';
import { forwardRunOutput } from './runOutput.js';
import { listingSource, loadedSources, sourceContent } from './listingSources.js';
import { SessionBreakpoints } from './sessionBreakpoints.js';
import { SessionRun, type ConsoleCategory, type SessionHost } from './sessionState.js';
import { RunStops } from './runStops.js';
import { StackFrames } from './stackFrames.js';
import { Stepping } from './stepping.js';
import { TimeTravel } from './timeTravel.js';
import { VariableStore } from './variables.js';

/** How long a lost session waits for its cancelled run to settle before it closes the runtime anyway. */
const TEARDOWN_WAIT_MS = 10_000;

// A DebugSession, not the library's LoggingDebugSession: that one queues every message in a global
// log that is never drained unless its logger is set up, so a long-lived server grew without end.
export class ApxmDebugSession extends RoutedSession {
  /** The run, shared with the modules below. */
  private readonly run = new SessionRun();
  private readonly vars = new VariableStore();
  private configurationDone!: () => void;
  private readonly configured = new Promise<void>((r) => (this.configurationDone = r));
  private offs: (() => void)[] = [];
  /** Set once the client is gone or disconnected: the run is cancelled and the runtime closed. */
  private closing?: Promise<void>;

  /** What the modules may ask of this session. */
  private readonly host: SessionHost = {
    stopAt: (stop) => this.stops.stopAt(stop),
    holdFor: (stop) => this.stops.holdFor(stop),
    end: (code) => this.stops.end(code),
    console: (text, category, data, node) => this.console(text, category, data, node),
    background: (work, what) => this.background(work, what),
    sendEvent: (event) => this.sendEvent(event),
    sendApxmEvent: (name, body) => this.sendApxmEvent(name, body),
  };
  private readonly inspector: RunInspector = new RunInspector(this.vars, () => ({
    runtime: this.run.runtime,
    handle: this.run.handle,
    program: this.run.program,
    view: this.run.view,
    args: this.run.args?.args,
    stopped: this.run.stopped,
    answerPause: (text) => this.human.answerOldest(text),
  }));
  private readonly human: HumanInput = new HumanInput(this.run, this.host, (flow, nodeId) => this.inspector.opNode(flow, nodeId));
  private readonly breakpoints = new SessionBreakpoints(this.run, this.host, this.inspector, this.vars);
  private readonly stepping = new Stepping(this.run, this.host);
  private readonly stack = new StackFrames(this.run, this.inspector, this.vars, this.stepping);
  private readonly stops: RunStops = new RunStops(this.run, this.host, {
    onStop: (stop) => {
      this.stack.forget();
      this.timeTravel.onStop(stop.reason);
      this.stepping.onStop();
      this.views.stopped(stop.node);
    },
    stopsOnFailure: () => this.breakpoints.stopsOnFailure,
    clientText: (e) => this.clientText(e),
  });
  /** The requests of APXM's own views: graph, capabilities, memory, status bar, timeline (viewRequests.ts). */
  private readonly views = new ViewRequests(
    this.run,
    (name, body) => this.sendApxmEvent(name, body),
    (id, watch, access) => this.breakpoints.watchKey(id, watch, access),
  );
  private readonly timeTravel = new TimeTravel(this.run, this.host, {
    replaceRun: () => this.replaceRun(),
    startRun: (paused) => this.startRun(paused),
  });

  /**
   * Requests a module answers alone, by handler name: their response body, or its promise; a
   * DapRefusal thrown is the error response (dispatchRequest checked the arguments already).
   */
  protected readonly routes: Record<string, Route | undefined> = {
    setBreakPointsRequest: (a: DebugProtocol.SetBreakpointsArguments) => ({ breakpoints: this.breakpoints.setBreakpoints(a) }),
    breakpointLocationsRequest: (a: DebugProtocol.BreakpointLocationsArguments) => ({ breakpoints: this.breakpoints.locations(a) }),
    setFunctionBreakPointsRequest: (a: DebugProtocol.SetFunctionBreakpointsArguments) => ({
      breakpoints: this.breakpoints.setFunction(a.breakpoints),
    }),
    setExceptionBreakPointsRequest: (a: DebugProtocol.SetExceptionBreakpointsArguments) => ({
      breakpoints: this.breakpoints.setExceptionFilters(a.filters, a.filterOptions),
    }),
    dataBreakpointInfoRequest: (a: DebugProtocol.DataBreakpointInfoArguments) => this.breakpoints.dataBreakpointInfo(a),
    setDataBreakpointsRequest: (a: DebugProtocol.SetDataBreakpointsArguments) => ({
      breakpoints: this.breakpoints.setDataBreakpoints(a.breakpoints),
    }),
    stepInTargetsRequest: () => ({ targets: this.stepping.stepInTargets() }),
    threadsRequest: () => ({ threads: this.stack.threads() }),
    stackTraceRequest: (a: DebugProtocol.StackTraceArguments) => this.stack.stackTrace(a),
    scopesRequest: (a: DebugProtocol.ScopesArguments) => ({ scopes: this.stack.scopes(a.frameId) }),
    variablesRequest: (a: DebugProtocol.VariablesArguments) => ({ variables: this.stack.variables(a) }),
    completionsRequest: (a: DebugProtocol.CompletionsArguments) => ({ targets: this.stack.completions(a) }),
    evaluateRequest: (a: DebugProtocol.EvaluateArguments) =>
      this.stack
        .evaluate(a)
        .catch((e: unknown) => refuse(DapErrorId.evaluate, (e as Error).message, e instanceof ApxmError ? e.code : 'E_EVALUATE')),
    setVariableRequest: (a: DebugProtocol.SetVariableArguments) => {
      const set = this.stack.setVariable(a);
      return 'problem' in set ? refuse(DapErrorId[set.kind], set.problem) : set;
    },
    exceptionInfoRequest: () => this.breakpoints.exceptionInfo() ?? refuse(DapErrorId.notAvailable, 'not stopped on an exception'),
    sourceRequest: (a: DebugProtocol.SourceArguments) => sourceContent(this.run, a),
    loadedSourcesRequest: () => ({ sources: loadedSources(this.run) }),
    ...this.views.routes,
    inlineValuesRequest: (a: ApxmRequests['apxm/inlineValues']['arguments']) => ({ values: this.stack.inlineValues(a.frameId) }),
    /** `apxm/rewind`: back to where the run had started that many ops (timeTravel.ts). */
    rewindRequest: (a: ApxmRequests['apxm/rewind']['arguments']) => {
      const going = this.timeTravel.rewind(a.ops);
      return typeof going === 'string' ? refuse(DapErrorId.notAvailable, going) : going.then(() => ({}));
    },
    /** `apxm/answerPause`: answers one waiting PAUSE by its checkpoint id (humanInput.ts). */
    answerPauseRequest: (a: ApxmRequests['apxm/answerPause']['arguments']) => {
      const answered = this.human.answer(a);
      return typeof answered === 'string' ? refuse(DapErrorId.notAvailable, answered) : answered;
    },
  };

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

  protected hasLiveRun(): boolean {
    return this.run.handle !== undefined && !this.run.ended;
  }

  protected reportLate(text: string): void {
    this.console(text, 'stderr');
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
      const handle = this.run.handle;
      if (handle && !this.run.finished) {
        handle.execution.cancel(reason);
        handle.execution.control.resume();
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
      this.views.dispose();
      this.run.view?.dispose();
      await this.run.runtime?.dispose().catch(() => undefined);
      this.run.runtime = undefined;
    })();
    return this.closing;
  }

  // ---------------------------------------------------------------- setup

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = { ...response.body, ...ADAPTER_CAPABILITIES };
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configurationDone();
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, raw: ApxmLaunchArguments): Promise<void> {
    // the arguments were checked (requestArguments.ts) before this runs
    if (this.run.args)
      return this.fail(response, DapErrorId.notAvailable, 'this session has launched its program already: start a new debug session');
    const args = resolveLaunchPaths(raw);
    if (typeof args === 'string') return this.fail(response, DapErrorId.badArguments, args);
    this.run.args = args;
    try {
      await loadLaunch(this.run, args, this.host.console);
      const runtime = await this.makeRuntime(args.db);
      // the client may have gone while the program loaded: nothing is left open behind it
      if (this.closing) return void (await runtime.dispose().catch(() => undefined));
      this.run.runtime = runtime;
    } catch (e) {
      const err = asApxmError(e);
      // every problem of the program, each with its place, in the Debug Console; the first in the error
      const diags = (err.details?.diagnostics as Diagnostic[] | undefined) ?? [];
      for (const d of diags) this.console(formatError({ ...d }, d.severity) + '\n', d.severity === 'error' ? 'stderr' : 'console');
      const client = errorForClient(err, { adapterMode: this.mode });
      const id = err.code.startsWith('E_ARG_') ? DapErrorId.badArguments : DapErrorId.programLoad;
      return this.fail(response, id, formatError(client.error), err.code, client);
    }
    const program = this.run.program as Program;
    if (!/\.ais$/i.test(args.program)) this.run.listing = buildDagListing(program);
    this.sendResponse(response);
    const info = sessionInfo(this.run, this.mode);
    if (info) this.sendApxmEvent('apxm/sessionInfo', info);
    if (this.run.listing) this.sendEvent(new LoadedSourceEvent('new', listingSource(this.run)));
    // the program is loaded: breakpoints sent from now on can be placed on its operations
    this.sendEvent(new InitializedEvent());
    await this.configured;
    if (!this.closing) this.startRun();
  }

  /** An error as this adapter's client reads it: its fix in launch-configuration terms, not CLI flags. */
  private clientText(e: ApxmError): string {
    return formatError(errorForClient(e, { adapterMode: this.mode }).error);
  }

  /** Sends a custom event (customProtocol.ts lists them). */
  private sendApxmEvent<K extends ApxmEventName>(name: K, body: ApxmEvents[K]): void {
    this.sendEvent(new Event(name, body));
  }

  private makeRuntime(db: string | undefined): Promise<Runtime> {
    return makeRuntime(this.run, db, this.host.console);
  }

  private startRun(paused = false): void {
    const runtime = this.run.runtime as Runtime;
    const program = this.run.program as Program;
    const args = this.run.args as ApxmLaunchArguments;
    const noDebug = args.noDebug === true;
    this.listen(runtime);
    // the view must see the first events, which start() emits before it returns
    this.run.runId = randomUUID();
    // what threads, stacks and scopes are built from; a run without debugging needs none of it
    this.run.view = noDebug ? undefined : new RunView(runtime.events, this.run.runId, { replay: this.run.recording !== undefined });
    this.views.runStarting(runtime, this.run.runId);
    try {
      this.run.handle = runtime.start(program, {
        runId: this.run.runId,
        // a replay runs with the recorded run's arguments unless the launch gives its own
        args: runArguments(this.run),
        startPaused: paused || (!noDebug && args.stopOnEntry === true),
        humanInput: this.human.provider,
        ...(noDebug
          ? {}
          : {
              hooks: {
                shouldPause: (node, inputs) => this.breakpoints.shouldPause(node, inputs) || this.stepping.reachedRunTo(node, inputs),
              },
            }),
      });
    } catch (e) {
      this.console(this.clientText(asApxmError(e)) + '\n', 'stderr');
      this.stops.end(2);
      return;
    }
    this.views.runStarted(runtime, this.run.runId, this.run.handle.execution, this.run.view);
    this.background(
      this.run.handle.result.then(
        (r) => this.stops.onFinished(r.status, r.result, r.error),
        (e) => {
          this.console(this.clientText(asApxmError(e)) + '\n', 'stderr');
          this.stops.end(1);
        },
      ),
      'the end of the run',
    );
  }

  // ---------------------------------------------------------------- runtime → DAP

  private listen(runtime: Runtime): void {
    const ev = runtime.events;
    // step back and reverse continue (replay only) re-execute to a place in this history
    if (this.run.recording) this.offs.push(ev.on('node:started', (e) => this.timeTravel.onNodeStarted(e)));
    this.offs.push(
      ...forwardRunOutput(ev, this.host.console, this.run.recording !== undefined),
      ev.on('llm:retry', (e) => this.breakpoints.onRetry(e.error)),
      ev.on('llm:response', (e) => this.breakpoints.onLlmResponse(e)),
      ev.on('memory:write', (e) => this.breakpoints.onMemoryAccess('write', e.tier, e.key, e.nodeExecId)),
      ev.on('memory:read', (e) => this.breakpoints.onMemoryAccess('read', e.tier, e.key, e.nodeExecId)),
      ev.on('node:failed', (e) => this.breakpoints.onNodeFailed(e)),
      ev.on('scheduler:paused', (e) => this.stops.onPaused(e)),
    );
  }

  /** Cancels the run quietly and resets the session for a new one (restart, step back); false when the session closes meanwhile. */
  private async replaceRun(): Promise<boolean> {
    const run = this.run;
    if (this.closing) return false;
    const old = run.handle;
    if (old && !run.finished) {
      this.run.finishedQuietly = true;
      old.execution.cancel('restarted from the debugger');
      old.execution.control.resume();
      await old.result.catch(() => undefined);
    }
    for (const off of this.offs.splice(0)) off();
    run.view?.dispose();
    run.stopped = undefined;
    run.pendingReason = undefined;
    run.finished = false;
    run.ended = false;
    this.run.finishedQuietly = false;
    run.exitCode = undefined;
    this.breakpoints.resetHits();
    if (run.recording) {
      await run.runtime?.dispose().catch(() => undefined);
      run.runtime = undefined;
      const runtime = await this.makeRuntime(undefined);
      if (this.closing) return (void (await runtime.dispose().catch(() => undefined)), false);
      run.runtime = runtime;
      this.inspector.reset();
    }
    return true;
  }

  // ---------------------------------------------------------------- breakpoints (the rest are in `routes`)

  // ---------------------------------------------------------------- execution control

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
    this.stepping.resume();
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.sendResponse(response);
    this.stepping.pause();
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.sendResponse(response);
    this.stepping.next(args.threadId);
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.sendResponse(response);
    this.stepping.stepIn(args.threadId, args.targetId);
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.sendResponse(response);
    this.stepping.stepOut(args.threadId);
  }

  /** Cancels the run and starts it again in the same session: same program, breakpoints and settings. */
  protected override async restartRequest(response: DebugProtocol.RestartResponse): Promise<void> {
    if (!this.run.runtime || !this.run.program)
      return this.fail(response, DapErrorId.notAvailable, 'there is no run to restart: launch a program first');
    this.sendResponse(response);
    await this.timeTravel.restart();
  }

  protected override async stepBackRequest(response: DebugProtocol.StepBackResponse): Promise<void> {
    const going = this.timeTravel.stepBack();
    if (typeof going === 'string') return this.fail(response, DapErrorId.notAvailable, going);
    this.sendResponse(response);
    await going;
  }

  protected override async reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): Promise<void> {
    const going = this.timeTravel.reverseContinue();
    if (typeof going === 'string') return this.fail(response, DapErrorId.notAvailable, going);
    this.sendResponse(response);
    await going;
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.sendResponse(response);
    if (this.run.finished) return this.stops.end(this.run.exitCode ?? 0);
    this.run.handle?.execution.cancel('terminated from the debugger');
    this.run.handle?.execution.control.resume();
  }

  protected override async disconnectRequest(response: DebugProtocol.DisconnectResponse): Promise<void> {
    await this.close('the debug session ended');
    this.sendResponse(response);
  }

  // ---------------------------------------------------------------- custom requests

  /** `apxm/runNext`: while stopped, runs that ready op next and stops after it, as a step into it (stepping.ts). */
  protected runNextRequest(response: DebugProtocol.Response, args: ApxmRequests['apxm/runNext']['arguments']): void {
    const chosen = this.stepping.readyTarget(args.frameId, args.nodeId);
    response.body = {} satisfies ApxmRequests['apxm/runNext']['body'];
    this.sendResponse(response);
    this.stepping.runNext(chosen);
  }

  /** `apxm/runToNode`: continues until that node is about to start, then stops (stepping.ts). */
  protected runToNodeRequest(response: DebugProtocol.Response, args: ApxmRequests['apxm/runToNode']['arguments']): void {
    response.body = {} satisfies ApxmRequests['apxm/runToNode']['body'];
    // refused before the response when the node is unknown; answered before the run goes on
    this.stepping.runToNode(args.flow, args.nodeId, args.execution, () => this.sendResponse(response));
  }

  // ---------------------------------------------------------------- output

  private console(text: string, category: ConsoleCategory, data?: Record<string, unknown>, node?: OpNode): void {
    if (this.run.fastForward && category !== 'important') return; // a step back re-executes silently
    const e = new OutputEvent(text, category) as DebugProtocol.OutputEvent;
    if (data) e.body.data = data;
    if (node?.source && existsSync(path.resolve(node.source.file))) {
      e.body.source = new Source(path.basename(node.source.file), path.resolve(node.source.file));
      e.body.line = node.source.line;
    }
    this.sendEvent(e);
  }
}
