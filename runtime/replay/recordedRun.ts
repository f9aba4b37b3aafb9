/**
 * A recorded run as replay needs it: what ran (program, entry flow, arguments) and every reply the
 * outside world gave it (LLM calls, capability results), read from the episodic trace that
 * traceRecorder.ts writes. The database and a trace file both end up here.
 */
import { ApxmError, type ErrorCode, type SerializedError } from '../errors.js';
import type { LlmMessage, LlmPhase, TokenUsage } from '../llm/types.js';
import type { EpisodicEvent, RunRecord, StorageBackend } from '../memory/storage.js';
import type { Value, ValueObject } from '../values/value.js';
import { TraceFields } from './traceFields.js';

export interface RecordedLlmCall {
  seq: number;
  frameId: number | null;
  nodeId: number | null;
  phase: LlmPhase;
  provider: string;
  model: string;
  messages: LlmMessage[];
  content: string;
  simulated: boolean;
  latencyMs: number;
  usage: TokenUsage;
}

export interface RecordedCapabilityCall {
  seq: number;
  frameId: number | null;
  nodeId: number | null;
  name: string;
  /**
   * Present when the trace recorded them: in the payload, or in a `capability_request` event
   * {name, params} of the same node just before (what traceRecorder.ts writes).
   */
  params?: ValueObject;
  result: Value;
  /** Set when the call failed; replay fails it again with this code and message. */
  error?: SerializedError;
  durationMs: number;
}

export interface RecordedPrint {
  seq: number;
  frameId: number | null;
  nodeId: number | null;
  text: string;
}

export interface RecordedRun {
  runId: string;
  /** The program file (or program name) the run was started with. */
  program: string;
  entryFlow: string;
  args: ValueObject;
  status: RunRecord['status'];
  startedAt: number;
  finishedAt?: number;
  result?: Value;
  error?: Value;
  llmCalls: RecordedLlmCall[];
  capabilityCalls: RecordedCapabilityCall[];
  prints: RecordedPrint[];
  /** Every episodic event of the run, in recorded order. */
  events: EpisodicEvent[];
}

/** Where trace data came from, so a malformed entry is reported at its place. */
export interface TraceSource {
  /** Shown first in messages: `trace.json`, `run.sqlite`. */
  label: string;
  /** Set for trace files: errors then carry `place.file` and `place.jsonPath`. */
  file?: string;
  /** The JSON path of the event at `index` (a file), or a name for it (a database row). */
  eventPath(index: number, event: EpisodicEvent): string;
}

export const RUN_STATUSES: readonly RunRecord['status'][] = ['running', 'succeeded', 'failed', 'cancelled', 'paused'];
const ROLES: readonly LlmMessage['role'][] = ['system', 'user', 'assistant'];
/** Rows read per query, so a long trace never loads in one statement. */
const PAGE = 1000;

/** An E_CONFIG error naming the source and the JSON path; `reason` lets callers tell the cases apart. */
export function traceError(source: TraceSource, path: string, problem: string, reason = 'malformed', hint?: string): ApxmError {
  return new ApxmError('E_TRACE_FILE', `${source.label}: ${path}: ${problem}`, {
    place: source.file ? { file: source.file, jsonPath: path } : undefined,
    hint: hint ?? 'export the trace again with: apxm trace export <run-id> --db <file> -o trace.json',
    details: { reason },
  });
}

/** Reads run `runId` and its whole episodic trace from `storage`. */
export function loadRecordedRun(storage: StorageBackend, runId: string): RecordedRun {
  const run = storage.runGet(runId);
  if (!run) {
    throw new ApxmError('E_RUN_NOT_FOUND', `no run "${runId}" in ${storage.location} to replay`, {
      hint: 'list the recorded runs with: apxm runs --db <file>, and replay with the --db the run used',
      details: { reason: 'run-not-found' },
    });
  }
  const events: EpisodicEvent[] = [];
  for (let page = storage.episodicQuery({ runId, order: 'asc', limit: PAGE }); ;) {
    events.push(...page);
    if (page.length < PAGE) break;
    page = storage.episodicQuery({ runId, order: 'asc', limit: PAGE, afterSeq: page[page.length - 1].seq });
  }
  if (!events.some((e) => e.eventType === 'run_start')) {
    throw new ApxmError('E_RUN_NOT_FOUND', `run "${runId}" in ${storage.location} has no episodic trace to replay`, {
      hint: 'it ran with recording off (--no-record or memoryConfig.recordEpisodes: false); run it again with recording on',
      details: { reason: 'no-trace' },
    });
  }
  const source: TraceSource = { label: storage.location, eventPath: (_, e) => `run ${runId} event seq ${e.seq}` };
  return recordedRunFromTrace(run, events, source);
}

/** Picks the LLM calls, capability results and prints out of a run's events, checking each payload. */
export function recordedRunFromTrace(run: RunRecord, events: EpisodicEvent[], source: TraceSource): RecordedRun {
  const recorded: RecordedRun = {
    runId: run.runId,
    program: run.program,
    entryFlow: run.entryFlow,
    args: (run.args ?? {}) as ValueObject,
    status: run.status,
    startedAt: run.startedAt,
    ...(run.finishedAt !== undefined ? { finishedAt: run.finishedAt } : {}),
    ...(run.result !== undefined ? { result: run.result } : {}),
    ...(run.error !== undefined ? { error: run.error } : {}),
    llmCalls: [],
    capabilityCalls: [],
    prints: [],
    events,
  };
  // Params of the call each node has in flight, from `capability_request` events (see capabilityCall).
  const requested = new Map<string, { name: string; params: ValueObject }>();
  const f = new TraceFields((p, problem) => {
    throw traceError(source, p, problem);
  });
  events.forEach((e, i) => {
    const path = `${source.eventPath(i, e)}.payload`;
    const at = { seq: e.seq ?? i, frameId: e.frameId, nodeId: e.nodeId };
    const node = `${e.frameId}:${e.nodeId}`;
    if (e.eventType === 'llm_call') recorded.llmCalls.push({ ...at, ...llmCall(e.payload, path, f) });
    else if (e.eventType === 'capability_request') {
      const p = f.object(e.payload, path);
      requested.set(node, { name: f.string(p, 'name', path), params: f.object(p.params, `${path}.params`) });
    } else if (e.eventType === 'capability_call') {
      const call = { ...at, ...capabilityCall(e.payload, path, f) };
      const req = requested.get(node);
      requested.delete(node);
      if (!call.params && req?.name === call.name) call.params = req.params;
      recorded.capabilityCalls.push(call);
    } else if (e.eventType === 'print') {
      if (typeof e.payload !== 'string') throw traceError(source, path, 'expected the printed text (a string)');
      recorded.prints.push({ ...at, text: e.payload });
    }
  });
  return recorded;
}

function llmCall(payload: Value, path: string, f: TraceFields): Omit<RecordedLlmCall, 'seq' | 'frameId' | 'nodeId'> {
  const p = f.object(payload, path);
  const messages = f.array(p.messages, `${path}.messages`).map((m, j) => {
    const mp = `${path}.messages[${j}]`;
    const o = f.object(m, mp);
    return { role: f.oneOf(o, 'role', mp, ROLES), content: f.string(o, 'content', mp) };
  });
  const inputTokens = f.number(p, 'input_tokens', path);
  const outputTokens = f.number(p, 'output_tokens', path);
  return {
    phase: f.string(p, 'phase', path) as LlmPhase,
    provider: f.string(p, 'provider', path),
    model: f.string(p, 'model', path),
    messages,
    content: f.string(p, 'content', path),
    simulated: p.simulated === true,
    latencyMs: f.optionalNumber(p, 'latency_ms', path) ?? 0,
    usage: { inputTokens, outputTokens, totalTokens: f.optionalNumber(p, 'total_tokens', path) ?? inputTokens + outputTokens },
  };
}

function capabilityCall(payload: Value, path: string, f: TraceFields): Omit<RecordedCapabilityCall, 'seq' | 'frameId' | 'nodeId'> {
  const p = f.object(payload, path);
  const call: Omit<RecordedCapabilityCall, 'seq' | 'frameId' | 'nodeId'> = {
    name: f.string(p, 'name', path),
    result: p.result ?? null,
    durationMs: f.optionalNumber(p, 'duration_ms', path) ?? 0,
  };
  if (p.params !== undefined && p.params !== null) call.params = f.object(p.params, `${path}.params`);
  if (p.error !== undefined && p.error !== null) {
    const e = f.object(p.error, `${path}.error`);
    call.error = { code: f.string(e, 'code', `${path}.error`) as ErrorCode, message: f.string(e, 'message', `${path}.error`) };
    if (typeof e.hint === 'string') call.error.hint = e.hint;
    if (e.details !== undefined && e.details !== null) call.error.details = f.object(e.details, `${path}.error.details`);
  }
  return call;
}
