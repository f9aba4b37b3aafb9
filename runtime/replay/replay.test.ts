import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeOpenAi } from '../../test/support/fakeOpenAiServer.js';
import { tool } from '../../test/support/harness.js';
import { loadAisProgram } from '../ais/compileAis.js';
import type { ApxmError } from '../errors.js';
import type { StorageBackend } from '../memory/storage.js';
import { Runtime, type RunResult } from '../runtime.js';
import { isObject, type Value } from '../values/value.js';
import { loadRecordedRun, type RecordedRun } from './recordedRun.js';
import { registerReplayCapabilities } from './replayCapabilities.js';
import { ReplayLlmProvider } from './replayProvider.js';
import { readTraceFile, writeTraceFile } from './traceFile.js';

/** Identical prompts in parallel (a, b) and in a loop, a tool call, and a failing one caught by try. */
const source = (write = 'Write about') => `agent Notes {
    @entry flow main(topic: str) -> str {
        ask("Name a colour") -> a
        ask("Name a colour") -> b
        inv("lookup", query: topic) -> facts
        try {
            inv("flaky", query: topic) -> extra
            print("extra: " + extra)
        } catch {
            print("flaky failed")
        }
        loop (item in ["x", "x"]) {
            ask("Describe " + item) -> d
            print("described: " + d)
        }
        think("${write} " + topic + " using " + a + ", " + b + " and " + facts) -> plan
        return plan
    }
}`;

/** Outputs (or errors) of every node execution by node id, in order, and the printed lines. */
function outcomes(storage: StorageBackend, runId: string): { nodes: Record<number, Value[]>; prints: Value[] } {
  const nodes: Record<number, Value[]> = {};
  const prints: Value[] = [];
  for (const e of storage.episodicQuery({ runId })) {
    if (e.eventType === 'print') prints.push(e.payload);
    if (e.nodeId === null || !isObject(e.payload)) continue;
    if (e.eventType === 'op_success') (nodes[e.nodeId] ??= []).push(e.payload.output ?? null);
    if (e.eventType === 'op_failure' && isObject(e.payload.error ?? null)) {
      const { code, message } = e.payload.error as { code: string; message: string };
      (nodes[e.nodeId] ??= []).push({ failed: code, message });
    }
  }
  return { nodes, prints };
}

/** Replays `recorded` on `program` in a runtime with no LLM endpoint and no live tools. */
async function replay(dbPath: string, recorded: RecordedRun, write?: string) {
  const divergences: ApxmError[] = [];
  const provider = new ReplayLlmProvider(recorded, { onDivergence: (e) => divergences.push(e) });
  const rt = await Runtime.create({ memoryConfig: { dbPath }, llmProvider: provider });
  const stopFollowing = provider.followNodes(rt.events);
  const tools = registerReplayCapabilities(rt.capabilitySystem(), recorded, { onDivergence: (e) => divergences.push(e) });
  const realFetch = globalThis.fetch;
  let fetches = 0;
  globalThis.fetch = (...args: Parameters<typeof fetch>) => (fetches++, realFetch(...args));
  try {
    const r = await rt.execute(loadAisProgram(source(write), 'notes.ais'), { args: recorded.args });
    return { r, out: outcomes(rt.storage, r.runId), fetches, divergences, provider, tools };
  } finally {
    globalThis.fetch = realFetch;
    stopFollowing();
    await rt.dispose();
  }
}

describe('replaying a recorded run', () => {
  let dir: string;
  let dbPath: string;
  let live: RunResult;
  let liveOut: ReturnType<typeof outcomes>;
  let recorded: RecordedRun;
  let httpRequests = 0;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-replay-'));
    dbPath = path.join(dir, 'runs.sqlite');
    // Distinct replies to identical prompts; the first request is answered last, so the recorded
    // order of the parallel asks is the reverse of the order they were sent in.
    const server = await startFakeOpenAi((req, i) => {
      const prompt: string = req.body.messages.at(-1).content;
      const step = { reply: `reply ${i} to ${prompt.slice(0, 30)}`, usage: { prompt_tokens: 10 + i, completion_tokens: 2 + i } };
      return i === 0 ? { delayMs: 60, ...step } : step;
    });
    try {
      const rt = await Runtime.create({
        memoryConfig: { dbPath },
        llm: { provider: 'openai', baseUrl: server.url, apiKey: 'test', retry: { maxRetries: 0 } },
      });
      tool(rt, 'lookup', (p) => ({ topic: p.query, facts: ['grown on hillsides', 'picked by hand'] }), {
        type: 'object',
        properties: { query: { type: 'string' } },
      });
      tool(rt, 'flaky', () => {
        throw new Error('service unavailable (503)');
      });
      live = await rt.execute(loadAisProgram(source(), 'notes.ais'), { args: { topic: 'tea' } });
      liveOut = outcomes(rt.storage, live.runId);
      recorded = loadRecordedRun(rt.storage, live.runId);
      await rt.dispose();
    } finally {
      httpRequests = server.requests.length;
      await server.close();
    }
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the recording: arguments, every LLM reply with its prompt, tool results and errors, prints', () => {
    assert.equal(live.status, 'succeeded', JSON.stringify(live.error));
    assert.equal(httpRequests, 5);
    assert.equal(recorded.runId, live.runId);
    assert.equal(recorded.status, 'succeeded');
    assert.equal(recorded.entryFlow, 'Notes.main');
    assert.deepEqual(recorded.args, { topic: 'tea' });
    assert.equal(recorded.result, live.result);
    assert.deepEqual(recorded.llmCalls.map((c) => c.phase).sort(), ['ASK', 'ASK', 'ASK', 'ASK', 'THINK']);
    assert.equal(recorded.llmCalls.filter((c) => c.messages.at(-1)?.content === 'Name a colour').length, 2);
    assert.ok(
      recorded.llmCalls.every(
        (c) => c.provider === 'openai' && c.usage.totalTokens === c.usage.inputTokens + c.usage.outputTokens && !c.simulated,
      ),
    );
    const [lookup, flaky] = recorded.capabilityCalls;
    assert.deepEqual([lookup.name, lookup.error, flaky.name], ['lookup', undefined, 'flaky']);
    assert.deepEqual(lookup.result, { topic: 'tea', facts: ['grown on hillsides', 'picked by hand'] });
    assert.equal(flaky.error?.code, 'E_CAPABILITY_FAILED');
    assert.match(flaky.error?.message ?? '', /service unavailable \(503\)/);
    assert.deepEqual(
      recorded.prints.map((p) => p.text.split(':')[0]),
      ['flaky failed', 'described', 'described'],
    );
    assert.equal(recorded.events.at(-1)?.eventType, 'run_end');
  });

  it('re-executes with identical node outputs, errors, prints and result, and no HTTP request', async () => {
    const { r, out, fetches, divergences, provider, tools } = await replay(dbPath, recorded);
    assert.equal(r.status, 'succeeded', JSON.stringify(r.error));
    assert.equal(r.result, live.result);
    assert.deepEqual(out.nodes, liveOut.nodes);
    assert.deepEqual(out.prints, liveOut.prints);
    assert.equal(r.stats.totalTokens, live.stats.totalTokens, 'token counts come from the recording');
    assert.equal(r.stats.llmCalls, 5);
    assert.equal(fetches, 0);
    assert.deepEqual(divergences, []);
    assert.equal(provider.served, 5);
    assert.deepEqual(provider.unserved(), []);
    assert.deepEqual(tools.unserved(), []);
    assert.deepEqual(tools.served.sort(), ['flaky', 'lookup']);
  });

  it('fails a changed program with a divergence error naming the phase and the prompt', async () => {
    const { r, divergences } = await replay(dbPath, recorded, 'Write briefly about');
    assert.equal(r.status, 'failed');
    assert.equal(r.error?.code, 'E_REPLAY_DIVERGED');
    assert.equal(r.error?.op, 'THINK');
    assert.match(
      r.error?.message ?? '',
      new RegExp(
        `^replay diverged from run ${live.runId}: the program made a THINK request the recording has no reply for; prompt: "Write briefly about tea using reply`,
      ),
    );
    assert.equal(r.error?.details?.reason, 'replay-diverged');
    assert.equal(divergences.length, 1);
  });

  it('replays just as well from a trace file, which round-trips the recording', async () => {
    const file = path.join(dir, 'trace.json');
    writeTraceFile(file, recorded);
    const fromFile = readTraceFile(file);
    assert.deepEqual(fromFile, recorded);
    const { r, out } = await replay(':memory:', fromFile);
    assert.equal(r.status, 'succeeded', JSON.stringify(r.error));
    assert.deepEqual(out.nodes, liveOut.nodes);
  });

  it('refuses a run that does not exist or was not recorded', async () => {
    const rt = await Runtime.create({ memoryConfig: { dbPath, recordEpisodes: false } });
    try {
      assert.throws(
        () => loadRecordedRun(rt.storage, 'no-such-run'),
        (e: ApxmError) =>
          e.code === 'E_RUN_NOT_FOUND' &&
          /^no run "no-such-run" in .*runs\.sqlite to replay$/.test(e.message) &&
          e.details?.reason === 'run-not-found' &&
          /apxm runs/.test(e.hint ?? ''),
      );
      const r = await rt.execute(loadAisProgram('agent A { @entry flow main() -> str { return "hi" } }', 'a.ais'));
      assert.equal(r.status, 'succeeded');
      assert.throws(
        () => loadRecordedRun(rt.storage, r.runId),
        (e: ApxmError) =>
          e.code === 'E_RUN_NOT_FOUND' &&
          e.message.includes(`run "${r.runId}"`) &&
          /has no episodic trace to replay/.test(e.message) &&
          /--no-record/.test(e.hint ?? ''),
      );
    } finally {
      await rt.dispose();
    }
  });
});
