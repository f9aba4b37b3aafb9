/**
 * The session's breakpoints of every kind: source and listing lines, function breakpoints (held in
 * the BreakpointStore), exception filters, and data breakpoints on STM / LTM keys; and the pause
 * hook that decides, before an op starts, whether one of them stops it.
 */
import path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { NodeRef, RuntimeEvents } from '../runtime/events.js';
import { formatError, type SerializedError } from '../runtime/errors.js';
import type { OpNode, Program } from '../runtime/graph/types.js';
import type { Value } from '../runtime/values/value.js';
import { BreakpointStore, checkExpressions, hitConditionMet } from './breakpoints.js';
import { listingSourceName } from './dagListing.js';
import { evaluate, interpolateLogMessage, parseExpression, truthy } from './expressions.js';
import type { RunInspector } from './inspector.js';
import { isListing, isUri, LISTING_REF, listingLines } from './listingSources.js';
import type { SessionHost, SessionRun, Stop } from './sessionState.js';
import { isLimitFilter, LIMIT_FILTERS, RunLimits, type LimitFilter } from './runLimits.js';
import type { VariableStore } from './variables.js';

/** Exception breakpoint filters: which failures stop the run. */
export const EXCEPTION_FILTERS: DebugProtocol.ExceptionBreakpointsFilter[] = [
  { filter: 'failed', label: 'Op failed (uncaught)', default: true, description: 'stop when an op fails and no try/catch handles it' },
  { filter: 'caught', label: 'Op failed (caught by try/catch)', default: false },
  { filter: 'schema', label: 'LLM reply failed its schema', default: false },
  { filter: 'rateLimited', label: 'Rate-limited (429)', default: false },
  { filter: 'capability', label: 'Capability (tool) error', default: false },
  { filter: 'budget', label: 'Token budget exceeded', default: false },
  ...LIMIT_FILTERS,
];

const FILTER_CODES: Record<string, (code: string) => boolean> = {
  schema: (c) => c === 'E_LLM_SCHEMA' || c === 'E_LLM_BAD_REPLY',
  rateLimited: (c) => c === 'E_LLM_RATE_LIMITED',
  capability: (c) => c.startsWith('E_CAPABILITY'),
  budget: (c) => c === 'E_BUDGET_EXCEEDED',
};

interface DataBreakpoint {
  dataId: string;
  accessType: DebugProtocol.DataBreakpointAccessType;
  hitCondition?: string;
  hits: number;
}

export class SessionBreakpoints {
  private readonly store = new BreakpointStore(() => this.run.program);
  private exceptionFilters = new Set(['failed']);
  private readonly limits = new RunLimits();
  private dataBreakpoints: DataBreakpoint[] = [];
  /** Keys watched from the memory inspector (`apxm/watchKey`): kept apart, since setDataBreakpoints replaces its whole list. */
  private watchedKeys: DataBreakpoint[] = [];

  constructor(
    private readonly run: SessionRun,
    private readonly host: SessionHost,
    private readonly inspector: RunInspector,
    private readonly vars: VariableStore,
  ) {}

  // ---------------------------------------------------------------- requests

  setBreakpoints(args: DebugProtocol.SetBreakpointsArguments): DebugProtocol.Breakpoint[] {
    if (isListing(this.run, args.source))
      return this.store.setLines(`listing:${LISTING_REF}`, listingLines(this.run), args.breakpoints ?? []);
    const file = args.source.path;
    // a URI that is not this session's listing (another program's, or no file at all) holds no operation of this program
    const problem = !file
      ? 'breakpoints need a file'
      : isUri(file)
        ? `${args.source.name ?? file} is not part of this program (${this.run.listing ? listingSourceName(this.run.program as Program) : path.basename(this.run.args?.program ?? '')} is)`
        : undefined;
    if (!file || problem) return (args.breakpoints ?? []).map((b) => ({ verified: false, line: b.line, message: problem }));
    return this.store.setSource(file, args.breakpoints ?? []);
  }

  locations(args: DebugProtocol.BreakpointLocationsArguments): DebugProtocol.BreakpointLocation[] {
    const lines = isListing(this.run, args.source)
      ? listingLines(this.run)
      : args.source.path
        ? this.store.linesOf(args.source.path)
        : new Map<number, { node: OpNode }[]>();
    const end = args.endLine ?? args.line;
    const out: DebugProtocol.BreakpointLocation[] = [];
    for (const [line, nodes] of lines) {
      if (line < args.line || line > end) continue;
      for (const { node } of nodes)
        out.push({ line, column: node.source?.column, endLine: node.source?.endLine, endColumn: node.source?.endColumn });
    }
    return out.sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
  }

  setFunction(requested: DebugProtocol.FunctionBreakpoint[]): DebugProtocol.Breakpoint[] {
    return this.store.setFunction(requested);
  }

  /**
   * The filters on: `filters` by id, `filterOptions` with a condition (a client that supports them,
   * VS Code, sends every enabled filter there). One breakpoint per entry, in order: the token and cost
   * limits are verified once their condition reads as a limit.
   */
  setExceptionFilters(filters: string[], filterOptions: DebugProtocol.ExceptionFilterOptions[] = []): DebugProtocol.Breakpoint[] {
    const known = new Set(EXCEPTION_FILTERS.map((f) => f.filter));
    const entries = [...filters.map((filterId) => ({ filterId, condition: undefined as string | undefined })), ...filterOptions];
    const problems = entries.map(({ filterId, condition }) =>
      !known.has(filterId)
        ? `unknown filter ${filterId}`
        : !isLimitFilter(filterId) && condition?.trim()
          ? `the filter ${filterId} takes no condition`
          : undefined,
    );
    const limits = entries.flatMap((e, i) => (problems[i] === undefined && isLimitFilter(e.filterId) ? [{ ...e, at: i }] : []));
    this.limits.set(limits as { filterId: LimitFilter; condition?: string }[]).forEach((p, j) => (problems[limits[j].at] = p));
    this.exceptionFilters = new Set(entries.filter((e, i) => problems[i] === undefined).map((e) => e.filterId));
    return problems.map((message) => ({ verified: message === undefined, ...(message ? { message } : {}) }));
  }

  /** What the client shows of the exception the run stopped on; undefined when it did not stop on one. */
  exceptionInfo(): DebugProtocol.ExceptionInfoResponse['body'] | undefined {
    const x = this.run.stopped?.exception;
    if (!x) return undefined;
    const details = [
      x.error.hint ? `fix: ${x.error.hint}` : '',
      x.prompt ? `prompt: ${JSON.stringify(x.prompt)}` : '',
      x.reply !== undefined ? `reply: ${x.reply}` : '',
    ]
      .filter(Boolean)
      .join('\n');
    return {
      exceptionId: x.error.code,
      description: x.error.message,
      breakMode: 'always',
      details: { message: x.error.message, typeName: x.error.code, ...(details ? { stackTrace: details } : {}) },
    };
  }

  dataBreakpointInfo(args: DebugProtocol.DataBreakpointInfoArguments): DebugProtocol.DataBreakpointInfoResponse['body'] {
    const kind = args.variablesReference !== undefined ? this.vars.watchOf(args.variablesReference) : undefined;
    return kind
      ? {
          dataId: `${kind}:${args.name}`,
          description: `${kind.toUpperCase()} key '${args.name}'`,
          accessTypes: ['write', 'read', 'readWrite'],
          canPersist: true,
        }
      : { dataId: null, description: 'data breakpoints watch STM and LTM keys: expand the STM or LTM scope and pick a key' };
  }

  setDataBreakpoints(requested: DebugProtocol.DataBreakpoint[]): DebugProtocol.Breakpoint[] {
    this.dataBreakpoints = [];
    return requested.map((b) => {
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
    });
  }

  /** Adds or removes a watch on `dataId` (`stm:key`, `ltm:key`); returns every watched data id. */
  watchKey(dataId: string, watch: boolean, accessType: DebugProtocol.DataBreakpointAccessType = 'write'): string[] {
    this.watchedKeys = this.watchedKeys.filter((b) => b.dataId !== dataId);
    if (watch) this.watchedKeys.push({ dataId, accessType, hits: 0 });
    return this.watchedKeys.map((b) => b.dataId);
  }

  /** A new run starts: hit counts start again. */
  resetHits(): void {
    this.store.resetHits();
    this.limits.reset();
    for (const b of [...this.dataBreakpoints, ...this.watchedKeys]) b.hits = 0;
  }

  // ---------------------------------------------------------------- the run's events

  /** A memory access hit a data breakpoint: hold the scheduler (the accessing op finishes) and stop there. */
  onMemoryAccess(kind: 'read' | 'write', tier: string, key: string | undefined, nodeExecId: string): void {
    if (!key || (!this.dataBreakpoints.length && !this.watchedKeys.length) || this.run.finished) return;
    const hit = [...this.dataBreakpoints, ...this.watchedKeys].find(
      (b) => b.dataId === `${tier}:${key}` && (b.accessType === 'readWrite' || b.accessType === kind),
    );
    if (!hit || !hitConditionMet(hit.hitCondition, ++hit.hits)) return;
    const node = this.run.view?.nodes.get(nodeExecId)?.ref;
    this.host.holdFor({ reason: 'data breakpoint', ...(node ? { node } : {}) });
  }

  /** An LLM reply: the run is held once its tokens or cost pass a limit set in the Breakpoints view. */
  onLlmResponse(e: RuntimeEvents['llm:response']): void {
    const { stop, note } = this.limits.onResponse(e);
    if (note) this.host.console(`${note}\n`, 'stderr');
    if (!stop || this.run.finished) return;
    const node = this.run.view?.nodes.get(e.nodeExecId)?.ref;
    const error: SerializedError = {
      code: 'E_BUDGET_EXCEEDED',
      message: stop.message,
      hint: 'continue to go on (each limit stops a run once); change the limit with Edit Condition on the filter in the Breakpoints view',
    };
    this.host.holdFor({
      reason: 'exception',
      description: stop.message,
      exception: { error, ...(node ? { node } : {}) },
      ...(node ? { node } : {}),
    });
  }

  /** An LLM call is retried: a rate limit stops the run when its filter is on. */
  onRetry(error: SerializedError): void {
    if (error.code === 'E_LLM_RATE_LIMITED' && this.exceptionFilters.has('rateLimited')) this.pauseForException({ error });
  }

  onNodeFailed(e: RuntimeEvents['node:failed']): void {
    const code = e.error.code;
    const wanted =
      (e.handled && this.exceptionFilters.has('caught')) ||
      Object.entries(FILTER_CODES).some(([f, test]) => this.exceptionFilters.has(f) && test(code));
    if (e.handled) this.host.console(`caught: ${formatError(e.error)}\n`, 'stderr');
    if (wanted) {
      const rec = this.run.view?.nodes.get(e.nodeExecId);
      this.pauseForException({ error: e.error, node: e, prompt: rec?.prompt, reply: rec?.reply });
    }
  }

  /** Whether a run that fails stops on its failure (the 'failed' filter). */
  get stopsOnFailure(): boolean {
    return this.exceptionFilters.has('failed');
  }

  /** The scheduler's pause hook: true holds the run before `node` (a breakpoint's condition and hit count met). */
  shouldPause(node: NodeRef, inputs: Value[]): boolean {
    if (this.store.isEmpty || this.run.fastForward) return false;
    const op = this.inspector.opNode(node.flow, node.nodeId);
    if (!op) return false;
    const bps = this.store.at(node.flow, op);
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
          this.host.console(`breakpoint condition '${bp.condition}' failed: ${(e as Error).message}\n`, 'stderr');
          ok = true;
        }
        if (!ok) continue;
      }
      bp.hits++;
      if (!hitConditionMet(bp.hitCondition, bp.hits)) continue;
      if (bp.logMessage) {
        this.host.console(interpolateLogMessage(bp.logMessage, scope) + '\n', 'console', undefined, op);
        continue;
      }
      hit.push(bp.id);
    }
    if (hit.length === 0) return false;
    this.run.stopped = { reason: 'breakpoint', node, inputs, hitBreakpointIds: hit };
    return true;
  }

  private pauseForException(exception: Stop['exception']): void {
    this.host.holdFor({ reason: 'exception', exception, ...(exception?.node ? { node: exception.node } : {}) });
  }
}
