import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ASK_MS, recordForkJoin, withRunDatabase } from '../../test/support/runDatabase.js';
import { openStorage } from '../memory/openStorage.js';
import { loadRecordedRun } from '../replay/recordedRun.js';
import { parseTraceFile, traceFileOf } from '../replay/traceFile.js';
import { buildTimeline, criticalPathOf, timelineOfRecording, timelineOfRunView, type OpSpan, type Timeline } from './timeline.js';

/** What a timeline shows, without the times (and the lanes of ops within one ms) that differ between a live view and its recording. */
const shape = (t: Timeline) =>
  t.bars
    .map((b) => ({
      node: b.nodeId,
      op: b.op,
      name: b.name,
      flow: b.flow,
      state: b.state,
      tokens: b.tokens,
      cost: b.cost,
      critical: b.critical,
    }))
    .sort((a, b) => a.node - b.node);

describe('timeline', () => {
  it('a recorded run: one bar per op, parallel branches on their own lanes, the slow branch critical', { timeout: 30_000 }, async () => {
    await withRunDatabase(async (db) => {
      const { runId, view } = await recordForkJoin(db);
      const storage = await openStorage(db, { readonly: true });
      let recorded;
      try {
        recorded = loadRecordedRun(storage, runId);
      } finally {
        storage.close();
      }
      const t = timelineOfRecording(recorded);
      assert.equal(t.runId, runId);
      assert.equal(t.live, false);
      assert.equal(t.status, 'succeeded');
      assert.equal(t.bars.length, 4);
      assert.ok(t.lanes >= 2, 'the ASK and the tool ran at once');
      const byNode = new Map(t.bars.map((b) => [b.nodeId, b]));
      assert.notEqual(byNode.get(1)!.lane, byNode.get(2)!.lane);
      assert.ok(byNode.get(1)!.durationMs >= ASK_MS, 'the ASK took its simulated latency');
      assert.ok(byNode.get(1)!.tokens > 0 && byNode.get(2)!.tokens === 0);
      assert.equal(t.tokens, view.tokens);
      // the simulated model has no price but a simulated reply costs nothing; the tool made no LLM call
      assert.deepEqual([byNode.get(1)!.cost, byNode.get(2)!.cost, t.cost, t.unpriced], [0, undefined, 0, 0]);
      assert.deepEqual(
        t.criticalPath.map((i) => t.bars[i].nodeId),
        [1, 3, 4],
        'the run waited on the ASK, not the quick tool',
      );
      assert.deepEqual(
        t.bars.map((b) => b.index),
        [0, 1, 2, 3],
      );
      for (let i = 1; i < t.bars.length; i++) assert.ok(t.bars[i - 1].start <= t.bars[i].start, 'bars in start order');
      assert.equal(byNode.get(3)!.name, 'report', 'names come from the recording');
      assert.equal(byNode.get(3)!.flow, 'Test.main');
      // one shape for both sources: the live view of the same run gives the same bars
      const live = timelineOfRunView(view);
      assert.equal(live.live, true);
      assert.equal(live.status, 'succeeded');
      assert.deepEqual(shape(live), shape(t));
      // and so does the run's trace file
      const fromFile = timelineOfRecording(parseTraceFile(JSON.stringify(traceFileOf(recorded)), 'trace.json'));
      assert.deepEqual(shape(fromFile), shape(t));
    });
  });

  it('an op still in flight when the recording ends is a running bar up to the last event; skipped ops are counted', () => {
    const ev = (eventType: string, nodeId: number | null, timestamp: number, payload: Record<string, unknown> = {}) => ({
      runId: 'r',
      frameId: nodeId === null ? null : 1,
      nodeId,
      eventType,
      payload: { op: 'Ask', ...payload } as never,
      timestamp,
    });
    const t = timelineOfRecording({
      runId: 'r',
      program: 'p.json',
      entryFlow: 'A.main',
      args: {},
      status: 'running',
      startedAt: 990,
      llmCalls: [],
      capabilityCalls: [],
      prints: [],
      events: [
        ev('run_start', null, 1000),
        ev('op_start', 1, 1000),
        ev('op_success', 1, 1010, { duration_ms: 10, tokens: 3 }),
        ev('op_start', 2, 1010),
        ev('op_skipped', 3, 1011),
        ev('op_success', 5, 1020, { duration_ms: 4, replayed: true }),
        ev('op_start', 4, 1030),
      ],
    });
    const byNode = new Map(t.bars.map((b) => [b.nodeId, b]));
    assert.equal(t.startedAt, 1000, 'relative to the run_start event');
    assert.deepEqual([byNode.get(2)!.state, byNode.get(2)!.start, byNode.get(2)!.durationMs], ['running', 10, 20]);
    assert.deepEqual([byNode.get(5)!.state, byNode.get(5)!.start], ['replayed', 16], 'settled from an earlier attempt: no op_start');
    assert.equal(byNode.get(1)!.tokens, 3);
    assert.equal(t.skipped, 1);
    assert.equal(t.bars.length, 4);
  });

  it('an op costs what its recorded LLM calls cost; a call without a price leaves it (and the run) without one; older recordings are priced by the table', () => {
    const ev = (eventType: string, nodeId: number, timestamp: number, payload: Record<string, unknown> = {}) => ({
      runId: 'r',
      frameId: 1,
      nodeId,
      eventType,
      payload: { op: 'Ask', ...payload } as never,
      timestamp,
    });
    const call = (nodeId: number, at: number, extra: Record<string, unknown>) =>
      ev('llm_call', nodeId, at, { model: 'gpt-4o', input_tokens: 1000, output_tokens: 500, simulated: false, ...extra });
    const recording = (events: ReturnType<typeof ev>[]) =>
      timelineOfRecording({
        runId: 'r',
        program: 'p.json',
        entryFlow: 'A.main',
        args: {},
        status: 'succeeded',
        startedAt: 1000,
        llmCalls: [],
        capabilityCalls: [],
        prints: [],
        events,
      });
    const priced = recording([
      ev('op_start', 1, 1000),
      call(1, 1001, { cost: 0.002 }),
      call(1, 1002, { cost: 0.0005 }),
      ev('op_success', 1, 1003, { duration_ms: 3, tokens: 3000 }),
      ev('op_start', 2, 1003),
      // recorded before calls carried their cost: gpt-4o at $2.50 / $10 per 1M tokens
      call(2, 1004, {}),
      ev('op_success', 2, 1005, { duration_ms: 2, tokens: 1500 }),
      ev('op_start', 3, 1005),
      ev('op_success', 3, 1006, { duration_ms: 1 }),
    ]);
    const byNode = new Map(priced.bars.map((b) => [b.nodeId, b]));
    assert.ok(Math.abs(byNode.get(1)!.cost! - 0.0025) < 1e-12, 'both calls of the op');
    assert.ok(Math.abs(byNode.get(2)!.cost! - 0.0075) < 1e-12, 'priced from the model and tokens');
    assert.equal(byNode.get(3)!.cost, undefined, 'no LLM call, no cost');
    assert.ok(Math.abs(priced.cost! - 0.01) < 1e-12);
    assert.equal(priced.unpriced, 0);

    const unpriced = recording([
      ev('op_start', 1, 1000),
      call(1, 1001, { cost: 0.002 }),
      call(1, 1002, { model: 'my-local-model', cost: null }),
      ev('op_success', 1, 1003, { duration_ms: 3 }),
      ev('op_start', 2, 1003),
      call(2, 1004, { cost: 0.001 }),
      // still running when the recording ends: its calls so far count
    ]);
    const u = new Map(unpriced.bars.map((b) => [b.nodeId, b]));
    assert.deepEqual([u.get(1)!.cost, u.get(1)!.unpriced], [undefined, true], 'a partial sum would understate it');
    assert.deepEqual([u.get(2)!.state, u.get(2)!.cost], ['running', 0.001]);
    assert.deepEqual([unpriced.cost, unpriced.unpriced], [undefined, 1]);
  });

  it('lanes reuse a slot once its op ended, and the critical path follows the op each one waited for', () => {
    const span = (nodeId: number, startedAt: number, durationMs: number): OpSpan => ({
      frameId: 1,
      nodeId,
      op: 'Ask',
      startedAt,
      durationMs,
      tokens: 1,
      state: 'succeeded',
    });
    // 1 [0,10) and 2 [0,30) in parallel; 3 [10,20) after 1; 4 [30,35) after 2
    const t = buildTimeline({ runId: 'r', startedAt: 0, live: false }, [span(4, 30, 5), span(3, 10, 10), span(2, 0, 30), span(1, 0, 10)]);
    assert.deepEqual(
      t.bars.map((b) => [b.nodeId, b.lane]),
      [
        [1, 0],
        [2, 1],
        [3, 0],
        [4, 0],
      ],
    );
    assert.equal(t.lanes, 2);
    assert.deepEqual(
      t.criticalPath.map((i) => t.bars[i].nodeId),
      [2, 4],
    );
    assert.equal(t.durationMs, 35);
    assert.equal(t.tokens, 4);
    assert.deepEqual(criticalPathOf([]), []);
    // zero-length ops at one instant each take a lane and the path ends
    const z = buildTimeline({ runId: 'r', startedAt: 0, live: false }, [span(1, 5, 0), span(2, 5, 0)]);
    assert.equal(z.lanes, 2);
    assert.equal(z.criticalPath.length >= 1, true);
  });
});
