/**
 * Every request the adapter serves, with the shape of its arguments and the session method that
 * handles it. The session checks a request here before any handler sees it, so a handler may
 * trust the fields it reads; a request that fails gets an error naming the field
 * (`arguments.breakpoints[2].line must be an integer, not a string`).
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ApxmRequestName } from './customProtocol.js';
import type { MemoryRequests } from './protocol/memoryProtocol.js';
import { checkLaunchArguments } from './launchArguments.js';

/** A problem with `v` (found at `at`), or undefined. */
type Check = (v: unknown, at: string) => string | undefined;

/** A field that may be left out; null counts as left out (the field is removed). */
class Optional {
  constructor(readonly check: Check) {}
}

const opt = (check: Check) => new Optional(check);

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** What a value is, without its content (a launch configuration may carry an API key). */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
  return typeof v === 'object' ? 'an object' : typeof v === 'string' ? 'a string' : typeof v === 'boolean' ? 'a boolean' : typeof v;
}

const is =
  (what: string, ok: (v: unknown) => boolean): Check =>
  (v, at) =>
    ok(v) ? undefined : `${at} must be ${what}, not ${kindOf(v)}`;

/** A number that fails an integer check, said with its value (a number is never a secret): `-1`, `1.5`, `1e+20 (past 2^53 - 1)`. */
function numberOf(v: unknown): string {
  if (typeof v !== 'number') return kindOf(v);
  return Number.isInteger(v) && !Number.isSafeInteger(v) ? `${String(v)} (past 2^53 - 1, the largest exact integer)` : String(v);
}

const integer =
  (what: string, min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (v, at) =>
    Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? undefined : `${at} must be ${what}, not ${numberOf(v)}`;

const int = integer('an integer', Number.MIN_SAFE_INTEGER);
const count = integer('an integer >= 0', 0);
const str = is('a string', (v) => typeof v === 'string');
const bool = is('true or false', (v) => typeof v === 'boolean');
const oneOf = (...values: string[]): Check => is(values.map((x) => JSON.stringify(x)).join(' or '), (v) => values.includes(v as string));

function obj(shape: Record<string, Check | Optional> = {}): Check {
  return (v, at) => {
    if (!isRecord(v)) return `${at} must be an object, not ${kindOf(v)}`;
    for (const [key, spec] of Object.entries(shape)) {
      const field = `${at}.${key}`;
      const value = Object.hasOwn(v, key) ? v[key] : undefined;
      if (spec instanceof Optional) {
        if (value === undefined || value === null) {
          delete v[key];
          continue;
        }
        const problem = spec.check(value, field);
        if (problem) return problem;
      } else {
        if (value === undefined) return `${field} is missing`;
        const problem = spec(value, field);
        if (problem) return problem;
      }
    }
    return undefined;
  };
}

function arr(item: Check): Check {
  return (v, at) => {
    if (!Array.isArray(v)) return `${at} must be an array, not ${kindOf(v)}`;
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i], `${at}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  };
}

const launch: Check = (v, at) => {
  if (!isRecord(v)) return `${at} must be an object (the launch configuration), not ${kindOf(v)}`;
  const problem = checkLaunchArguments(v);
  return problem ? `invalid launch configuration: ${problem}` : undefined;
};

const source = obj({ name: opt(str), path: opt(str), sourceReference: opt(int) });
const thread = { threadId: int, singleThread: opt(bool), granularity: opt(oneOf('statement', 'line', 'instruction')) };
const format = opt(obj());

interface RequestSpec {
  /** The session method (the library's name for it). */
  method: string;
  arguments: Check;
  /** Arguments may be left out (or null): the handler gets {}. */
  argumentsOptional?: boolean;
  /** Acts on a run: refused while none is running (before launch, after the session's end). */
  needsRun?: boolean;
}

const spec = (method: string, args: Check = obj(), argumentsOptional = false): RequestSpec => ({
  method,
  arguments: args,
  argumentsOptional,
});
const onRun = (method: string, args: Check): RequestSpec => ({ method, arguments: args, needsRun: true });

const tab = oneOf('stm', 'ltm', 'episodic', 'beliefs', 'goals');
/** The memory inspector's requests (protocol/memoryProtocol.ts; handled in memoryRequests.ts). */
const MEMORY_REQUEST_SPECS = {
  'apxm/memoryPage': spec(
    'memoryPageRequest',
    obj({
      tab,
      offset: count,
      limit: integer('an integer from 1 to 500', 1, 500),
      prefix: opt(str),
      search: opt(str),
      sort: opt(oneOf('key', 'updated')),
    }),
  ),
  'apxm/memoryProvenance': spec(
    'memoryProvenanceRequest',
    obj({ tab: oneOf('stm', 'ltm', 'beliefs', 'goals'), key: str, limit: opt(integer('an integer from 1 to 100', 1, 100)) }),
  ),
  'apxm/memorySet': spec('memorySetRequest', obj({ tab: oneOf('stm', 'beliefs'), key: str, value: str })),
  'apxm/memoryDelete': spec('memoryDeleteRequest', obj({ tab: oneOf('stm', 'ltm', 'beliefs'), key: str })),
  'apxm/watchKey': spec(
    'watchKeyRequest',
    obj({ tier: oneOf('stm', 'ltm'), key: str, watch: bool, accessType: opt(oneOf('read', 'write', 'readWrite')) }),
  ),
} satisfies Record<keyof MemoryRequests, RequestSpec>;

/** The requests served, by command; any other command is answered as unsupported. */
const REQUESTS: Record<string, RequestSpec> = {
  initialize: spec(
    'initializeRequest',
    obj({
      adapterID: str,
      clientID: opt(str),
      clientName: opt(str),
      locale: opt(str),
      linesStartAt1: opt(bool),
      columnsStartAt1: opt(bool),
      pathFormat: opt(is('"path" (this adapter takes file paths)', (v) => v === 'path')),
    }),
  ),
  launch: spec('launchRequest', launch),
  disconnect: spec('disconnectRequest', obj({ restart: opt(bool), terminateDebuggee: opt(bool), suspendDebuggee: opt(bool) }), true),
  terminate: spec('terminateRequest', obj({ restart: opt(bool) }), true),
  restart: spec('restartRequest', obj(), true),
  configurationDone: spec('configurationDoneRequest', obj(), true),
  setBreakpoints: spec(
    'setBreakPointsRequest',
    obj({
      source,
      breakpoints: opt(arr(obj({ line: int, column: opt(int), condition: opt(str), hitCondition: opt(str), logMessage: opt(str) }))),
      lines: opt(arr(int)),
      sourceModified: opt(bool),
    }),
  ),
  setFunctionBreakpoints: spec(
    'setFunctionBreakPointsRequest',
    obj({ breakpoints: arr(obj({ name: str, condition: opt(str), hitCondition: opt(str) })) }),
  ),
  setExceptionBreakpoints: spec(
    'setExceptionBreakPointsRequest',
    obj({
      filters: arr(str),
      filterOptions: opt(arr(obj({ filterId: str, condition: opt(str) }))),
      exceptionOptions: opt(arr(obj())),
    }),
  ),
  setDataBreakpoints: spec(
    'setDataBreakpointsRequest',
    obj({
      breakpoints: arr(
        obj({ dataId: str, accessType: opt(oneOf('read', 'write', 'readWrite')), condition: opt(str), hitCondition: opt(str) }),
      ),
    }),
  ),
  dataBreakpointInfo: spec(
    'dataBreakpointInfoRequest',
    obj({ name: str, variablesReference: opt(int), frameId: opt(int), bytes: opt(int), asAddress: opt(bool), mode: opt(str) }),
  ),
  breakpointLocations: spec(
    'breakpointLocationsRequest',
    obj({ source, line: int, column: opt(int), endLine: opt(int), endColumn: opt(int) }),
  ),
  continue: onRun('continueRequest', obj(thread)),
  next: onRun('nextRequest', obj(thread)),
  stepIn: onRun('stepInRequest', obj({ ...thread, targetId: opt(int) })),
  stepOut: onRun('stepOutRequest', obj(thread)),
  stepBack: spec('stepBackRequest', obj(thread)),
  reverseContinue: spec('reverseContinueRequest', obj(thread)),
  pause: onRun('pauseRequest', obj({ threadId: int })),
  threads: spec('threadsRequest', obj(), true),
  stackTrace: spec('stackTraceRequest', obj({ threadId: int, startFrame: opt(count), levels: opt(count), format })),
  scopes: spec('scopesRequest', obj({ frameId: int })),
  variables: spec(
    'variablesRequest',
    obj({ variablesReference: int, filter: opt(oneOf('indexed', 'named')), start: opt(count), count: opt(count), format }),
  ),
  setVariable: spec('setVariableRequest', obj({ variablesReference: int, name: str, value: str, format })),
  source: spec('sourceRequest', obj({ sourceReference: int, source: opt(source) })),
  loadedSources: spec('loadedSourcesRequest', obj(), true),
  evaluate: spec(
    'evaluateRequest',
    obj({ expression: str, frameId: opt(int), context: opt(str), line: opt(int), column: opt(int), source: opt(source), format }),
  ),
  completions: spec('completionsRequest', obj({ text: str, column: int, frameId: opt(int), line: opt(int) })),
  stepInTargets: spec('stepInTargetsRequest', obj({ frameId: int })),
  exceptionInfo: spec('exceptionInfoRequest', obj({ threadId: int })),
  cancel: spec('cancelRequest', obj({ requestId: opt(int), progressId: opt(str) }), true),
  // custom requests (customProtocol.ts)
  'apxm/answerPause': onRun('answerPauseRequest', obj({ checkpointId: str, text: str })),
  'apxm/programGraph': spec('programGraphRequest', obj(), true),
  'apxm/subscribeNodeStatus': spec(
    'subscribeNodeStatusRequest',
    obj({ maxBatchesPerSecond: opt(integer('an integer from 1 to 60', 1, 60)) }),
    true,
  ),
  'apxm/unsubscribeNodeStatus': spec('unsubscribeNodeStatusRequest', obj(), true),
  'apxm/nodeDetail': spec('nodeDetailRequest', obj({ nodeExecId: opt(str), flow: opt(str), nodeId: opt(int), frameId: opt(int) })),
  'apxm/valuePage': spec('valuePageRequest', obj({ pageRef: str, offset: count, length: count })),
  'apxm/runNext': onRun('runNextRequest', obj({ frameId: int, nodeId: int })),
  'apxm/runToNode': onRun('runToNodeRequest', obj({ flow: str, nodeId: int, execution: opt(count) })),
  'apxm/capabilities': spec('capabilitiesRequest', obj({ subscribe: opt(bool) }), true),
  'apxm/invokeCapability': spec('invokeCapabilityRequest', obj({ name: str, params: obj() })),
  ...MEMORY_REQUEST_SPECS,
  'apxm/timeline': spec('timelineRequest', obj(), true),
  'apxm/subscribeRunStatus': spec(
    'subscribeRunStatusRequest',
    obj({ maxPerSecond: opt(integer('1 or 2', 1, 2)), flowTotals: opt(bool) }),
    true,
  ),
  'apxm/unsubscribeRunStatus': spec('unsubscribeRunStatusRequest', obj(), true),
  'apxm/inlineValues': onRun('inlineValuesRequest', obj({ frameId: int })),
  'apxm/rewind': spec('rewindRequest', obj({ ops: count })),
} satisfies Record<string, RequestSpec> & Record<ApxmRequestName, RequestSpec>;

/** Every command the adapter serves. */
export const SERVED_COMMANDS: readonly string[] = Object.keys(REQUESTS);

export type CheckedRequest = { method: string; needsRun: boolean } | { unsupported: true } | { problem: string };

/**
 * Checks a request: the method to call, or what is wrong. Optional fields sent as null are
 * removed and optional arguments left out become {}, so handlers see one shape.
 */
export function checkRequest(request: DebugProtocol.Request): CheckedRequest {
  if (typeof request.command !== 'string' || !Object.hasOwn(REQUESTS, request.command)) return { unsupported: true };
  const s = REQUESTS[request.command];
  if (s.argumentsOptional && (request.arguments === undefined || request.arguments === null)) request.arguments = {};
  if (request.arguments === undefined) return { problem: `'${request.command}' needs arguments` };
  const problem = s.arguments(request.arguments, 'arguments');
  return problem ? { problem } : { method: s.method, needsRun: s.needsRun === true };
}
