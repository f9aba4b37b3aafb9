/**
 * The portable trace file: one recorded run as JSON, so a run can be replayed (and debugged)
 * away from the database it was recorded in.
 *   { "format": "apxm-trace", "version": 1, "run": {...RunRecord}, "events": [...] }
 * Events leave out `runId` (the file holds one run); reading puts it back.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { ApxmError } from '../errors.js';
import { readJsonTextSync, TRACE_FILE_MAX_BYTES, type InputFileKind } from '../inputFile.js';
import type { EpisodicEvent, RunRecord } from '../memory/storage.js';
import type { Value } from '../values/value.js';
import { RUN_STATUSES, recordedRunFromTrace, traceError, type RecordedRun, type TraceSource } from './recordedRun.js';
import { TraceFields } from './traceFields.js';

export const TRACE_FORMAT = 'apxm-trace';
export const TRACE_VERSION = 1;

export type TraceEvent = Omit<EpisodicEvent, 'runId'>;

export interface TraceFile {
  format: typeof TRACE_FORMAT;
  version: number;
  run: RunRecord;
  events: TraceEvent[];
}

export function traceFileOf(recorded: RecordedRun): TraceFile {
  const { runId, program, entryFlow, status, startedAt, finishedAt, args, result, error } = recorded;
  const run: RunRecord = {
    runId,
    program,
    entryFlow,
    status,
    startedAt,
    args,
    ...(finishedAt !== undefined ? { finishedAt } : {}),
    ...(result !== undefined ? { result } : {}),
    ...(error !== undefined ? { error } : {}),
  };
  return { format: TRACE_FORMAT, version: TRACE_VERSION, run, events: recorded.events.map(({ runId: _, ...e }) => e) };
}

/** Writes through a temporary file and a rename, so an interrupted export never leaves half a trace. */
export function writeTraceFile(path: string, recorded: RecordedRun): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(traceFileOf(recorded), null, 1) + '\n');
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new ApxmError('E_TRACE_FILE', `cannot write the trace file ${path}: ${(e as Error).message}`, {
      place: { file: path },
      hint: 'check that the directory exists and is writable',
      cause: e,
    });
  }
}

const TRACE_FILE: InputFileKind = {
  what: 'trace',
  code: 'E_TRACE_FILE',
  maxBytes: TRACE_FILE_MAX_BYTES,
  missingHint: 'export one with: apxm trace export <run-id> --db <file> -o trace.json',
  missingMessage: (file) => `no trace file ${file}`,
  details: (reason) => ({ reason: reason === 'not-found' ? 'not-found' : 'unreadable' }),
};

export function readTraceFile(path: string): RecordedRun {
  return parseTraceFile(readJsonTextSync(path, TRACE_FILE), path);
}

/** Parses the text of a trace file; `file` names it in errors. */
export function parseTraceFile(text: string, file: string): RecordedRun {
  const source: TraceSource = { label: file, file, eventPath: (i) => `$.events[${i}]` };
  const f = new TraceFields((path, problem) => {
    throw traceError(source, path, problem);
  });
  let json: Value;
  try {
    json = JSON.parse(text) as Value;
  } catch (e) {
    throw new ApxmError('E_TRACE_FILE', `${file} is not valid JSON: ${(e as Error).message}`, {
      place: { file, ...lineColumn(text, e as Error) },
      hint: 'a trace file is the JSON that apxm trace export writes',
      details: { reason: 'malformed' },
    });
  }
  const top = f.object(json, '$');
  if (top.format !== TRACE_FORMAT) {
    throw traceError(
      source,
      '$.format',
      `not an APXM trace (format is ${JSON.stringify(top.format ?? null)}, expected "${TRACE_FORMAT}")`,
      'not-a-trace',
    );
  }
  const version = top.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw traceError(source, '$.version', `expected a positive integer, found ${JSON.stringify(version ?? null)}`);
  }
  if (version > TRACE_VERSION) {
    throw new ApxmError(
      'E_TRACE_FILE',
      `${file} was written by a newer APXM (trace format version ${version}; this one reads version ${TRACE_VERSION})`,
      {
        place: { file, jsonPath: '$.version' },
        hint: 'update APXM, or export the trace again with this version',
        details: { reason: 'newer-version' },
      },
    );
  }
  const run = readRun(f.object(top.run, '$.run'), f);
  const events = f.array(top.events, '$.events').map((v, i): EpisodicEvent => {
    const path = `$.events[${i}]`;
    const o = f.object(v, path);
    if (o.payload === undefined) throw traceError(source, `${path}.payload`, 'missing (every event has a payload, null at least)');
    return {
      ...(o.seq !== undefined ? { seq: f.number(o, 'seq', path) } : {}),
      runId: run.runId,
      frameId: f.idOrNull(o, 'frameId', path),
      nodeId: f.idOrNull(o, 'nodeId', path),
      eventType: f.string(o, 'eventType', path),
      payload: o.payload,
      timestamp: f.number(o, 'timestamp', path),
    };
  });
  return recordedRunFromTrace(run, events, source);
}

function readRun(o: Record<string, Value>, f: TraceFields): RunRecord {
  const run: RunRecord = {
    runId: f.string(o, 'runId', '$.run'),
    program: f.string(o, 'program', '$.run'),
    entryFlow: f.string(o, 'entryFlow', '$.run'),
    status: f.oneOf(o, 'status', '$.run', RUN_STATUSES),
    startedAt: f.number(o, 'startedAt', '$.run'),
    args: f.object(o.args, '$.run.args'),
  };
  const finishedAt = f.optionalNumber(o, 'finishedAt', '$.run');
  if (finishedAt !== undefined) run.finishedAt = finishedAt;
  if (o.result !== undefined) run.result = o.result;
  if (o.error !== undefined) run.error = o.error;
  return run;
}

/** Node's JSON.parse says "at position N" (and, from Node 22, line and column): turn it into line:col. */
function lineColumn(text: string, e: Error): { line?: number; column?: number } {
  const pos = /position (\d+)/.exec(e.message);
  if (!pos) return {};
  const before = text.slice(0, Number(pos[1]));
  const line = before.split('\n').length;
  return { line, column: Number(pos[1]) - before.lastIndexOf('\n') };
}
