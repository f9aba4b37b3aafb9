import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { ApxmError } from '../errors.js';
import { MemoryStorage } from '../memory/memoryStorage.js';
import type { EpisodicEvent } from '../memory/storage.js';
import { loadRecordedRun } from './recordedRun.js';
import { parseTraceFile, readTraceFile, traceFileOf, writeTraceFile } from './traceFile.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-trace-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A small recorded run in an in-memory store. */
function storedRun() {
  const storage = new MemoryStorage();
  storage.runPut({
    runId: 'run-1',
    program: 'notes.ais',
    entryFlow: 'Notes.main',
    status: 'failed',
    startedAt: 1000,
    finishedAt: 1300,
    args: { topic: 'tea' },
    result: null,
    error: { code: 'E_USER_ERROR', message: 'boom' },
  });
  const ev = (frameId: number | null, nodeId: number | null, eventType: string, payload: EpisodicEvent['payload']): EpisodicEvent => ({
    runId: 'run-1',
    frameId,
    nodeId,
    eventType,
    payload,
    timestamp: 1100,
  });
  storage.episodicAppend([
    ev(null, null, 'run_start', { program: 'notes.ais', flow: 'Notes.main', args: { topic: 'tea' } }),
    ev(1, 1, 'llm_call', {
      phase: 'ASK',
      provider: 'openai',
      model: 'm',
      latency_ms: 12,
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: 'u' },
      ],
      content: 'c',
      simulated: false,
      input_tokens: 3,
      output_tokens: 1,
      total_tokens: 4,
    }),
    ev(1, 2, 'capability_call', { name: 'lookup', result: { ok: true }, error: null, duration_ms: 2 }),
    ev(1, 3, 'print', 'hello'),
    ev(null, null, 'run_end', { status: 'failed', result: null, error: null, duration_ms: 300 }),
  ]);
  return loadRecordedRun(storage, 'run-1');
}

/** A valid trace file's JSON, changed by `edit`, parsed; returns the error. */
function errorOf(edit: (json: any) => void): ApxmError {
  const json = structuredClone(traceFileOf(storedRun()));
  edit(json);
  try {
    parseTraceFile(JSON.stringify(json), 'bad.json');
  } catch (e) {
    return e as ApxmError;
  }
  assert.fail('the trace was accepted');
}

describe('trace files', () => {
  it('round-trips a recorded run through the portable JSON format', () => {
    const recorded = storedRun();
    assert.deepEqual(recorded.llmCalls[0].usage, { inputTokens: 3, outputTokens: 1, totalTokens: 4 });
    assert.deepEqual(recorded.capabilityCalls[0], { seq: 3, frameId: 1, nodeId: 2, name: 'lookup', result: { ok: true }, durationMs: 2 });
    const file = path.join(dir, 'run-1.json');
    writeTraceFile(file, recorded);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(json.format, 'apxm-trace');
    assert.equal(json.version, 1);
    assert.equal(json.run.runId, 'run-1');
    assert.equal(json.events.length, 5);
    assert.equal('runId' in json.events[0], false, 'the file holds one run, so events leave out its id');
    assert.deepEqual(readTraceFile(file), recorded);
  });

  it('names the missing or unreadable file', () => {
    assert.throws(
      () => readTraceFile(path.join(dir, 'none.json')),
      (e: ApxmError) =>
        e.code === 'E_TRACE_FILE' && e.message === `no trace file ${path.join(dir, 'none.json')}` && e.details?.reason === 'not-found',
    );
    assert.throws(() => writeTraceFile(path.join(dir, 'no-dir', 't.json'), storedRun()), /cannot write the trace file .*no-dir/);
  });

  it('points at the line and column of invalid JSON', () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{\n  "format": "apxm-trace",\n  "version": 1,,\n}');
    assert.throws(
      () => readTraceFile(file),
      (e: ApxmError) => e.message.startsWith(`${file} is not valid JSON`) && e.place?.file === file && e.place.line === 3,
    );
  });

  it('refuses a file that is not a trace, and a newer version with its own message', () => {
    const notTrace = errorOf((j) => (j.format = 'something-else'));
    assert.equal(notTrace.message, 'bad.json: $.format: not an APXM trace (format is "something-else", expected "apxm-trace")');
    assert.deepEqual(notTrace.place, { file: 'bad.json', jsonPath: '$.format' });
    const newer = errorOf((j) => (j.version = 2));
    assert.equal(newer.message, 'bad.json was written by a newer APXM (trace format version 2; this one reads version 1)');
    assert.equal(newer.details?.reason, 'newer-version');
    assert.match(newer.hint ?? '', /update APXM/);
    assert.equal(errorOf((j) => (j.version = '1')).message, 'bad.json: $.version: expected a positive integer, found "1"');
  });

  it('names the JSON path of a malformed run or event', () => {
    const cases: [(j: any) => void, string][] = [
      [(j) => delete j.run.runId, '$.run.runId: expected a string, found nothing'],
      [(j) => (j.run.status = 'done'), '$.run.status: expected one of running, succeeded, failed, cancelled, paused, found "done"'],
      [(j) => (j.events = {}), '$.events: expected an array, found an object'],
      [(j) => (j.events[2].frameId = 'one'), '$.events[2].frameId: expected an integer or null, found string "one"'],
      [(j) => delete j.events[3].payload, '$.events[3].payload: missing (every event has a payload, null at least)'],
      [
        (j) => (j.events[1].payload.messages[1].role = 'robot'),
        '$.events[1].payload.messages[1].role: expected one of system, user, assistant, found "robot"',
      ],
      [(j) => delete j.events[1].payload.content, '$.events[1].payload.content: expected a string, found nothing'],
      [(j) => (j.events[2].payload.error = 'boom'), '$.events[2].payload.error: expected an object, found string "boom"'],
      [(j) => (j.events[3].payload = 42), '$.events[3].payload: expected the printed text (a string)'],
    ];
    for (const [edit, message] of cases) {
      const e = errorOf(edit);
      assert.equal(e.code, 'E_TRACE_FILE');
      assert.equal(e.message, `bad.json: ${message}`);
      assert.equal(e.place?.jsonPath, message.split(':')[0]);
      assert.equal(e.details?.reason, 'malformed');
    }
  });
});
