import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RuntimeEventEmitter, type NodeRef, type RunStats, type RuntimeEventName } from '../events.js';
import type { RunStatusBody } from './nodeStatus.js';
import { RunStatusFeed, statusRate, type StatusClock } from './runStatusFeed.js';

/** Interval timers that fire only when the test ticks them. */
class FakeClock implements StatusClock {
  timers = new Map<number, { fn: () => void; ms: number }>();
  private next = 1;
  setInterval(fn: () => void, ms: number): unknown {
    this.timers.set(this.next, { fn, ms });
    return this.next++;
  }
  clearInterval(h: unknown): void {
    this.timers.delete(h as number);
  }
  tick(): void {
    for (const t of [...this.timers.values()]) t.fn();
  }
}

const stats = (done: number, tokens: number): RunStats => ({
  nodesTotal: 10,
  nodesExecuted: done,
  nodesFailed: 0,
  nodesSkipped: 0,
  durationMs: done * 100.4,
  llmCalls: done,
  inputTokens: tokens,
  outputTokens: 0,
  totalTokens: tokens,
  maxParallelism: 1,
  avgParallelism: 1,
  retries: 0,
  frames: 1,
});

const node = (nodeId: number): NodeRef =>
  ({ runId: 'r1', frameId: 0, nodeId, flow: 'F.main', nodeExecId: `e${nodeId}`, op: 'ASK', name: 'n' }) as unknown as NodeRef;

const PER_NODE: RuntimeEventName[] = ['node:ready', 'node:started', 'node:finished', 'node:failed', 'node:skipped'];

function setup() {
  const events = new RuntimeEventEmitter();
  const clock = new FakeClock();
  const sent: RunStatusBody[] = [];
  let live = { ...stats(0, 0), running: 0 };
  const feed = new RunStatusFeed({
    runId: 'r1',
    events,
    totals: { liveStats: () => live },
    send: (s) => sent.push(s),
    clock,
    maxPerSecond: 2,
  });
  return { events, clock, sent, feed, setLive: (done: number, tokens: number) => (live = { ...stats(done, tokens), running: 1 }) };
}

describe('run status feed', () => {
  it('ticks at the rate while the run goes, with its totals, and listens to no per-op event', { timeout: 5_000 }, () => {
    const { events, clock, sent, feed, setLive } = setup();
    assert.deepEqual(
      [...clock.timers.values()].map((t) => t.ms),
      [500],
      '2 a second',
    );
    for (const name of PER_NODE) assert.equal(events.hasListeners(name), false, `${name} has no listener`);
    setLive(3, 120);
    clock.tick();
    assert.deepEqual(sent.at(-1), {
      runId: 'r1',
      state: 'running',
      stats: { nodesTotal: 10, nodesDone: 3, nodesFailed: 0, nodesSkipped: 0, running: 1, llmCalls: 3, tokens: 120, elapsedMs: 301 },
    });
    feed.dispose();
    assert.equal(clock.timers.size, 0);
    for (const name of ['scheduler:paused', 'scheduler:resumed', 'run:finished'] as const) assert.equal(events.hasListeners(name), false);
  });

  it('a stop is said at once with where, and stops the ticks until the run goes on', { timeout: 5_000 }, () => {
    const { events, clock, sent, setLive } = setup();
    setLive(2, 50);
    events.emit('scheduler:paused', { runId: 'r1', reason: 'breakpoint', node: node(4), ready: [node(4), node(5)] });
    assert.equal(sent.length, 1);
    assert.equal(sent[0].state, 'paused');
    assert.deepEqual(sent[0].stoppedAt, { frameId: 0, nodeId: 4, flow: 'F.main' });
    assert.equal(sent[0].ready?.length, 2);
    assert.equal(clock.timers.size, 0, 'no ticks while held');
    events.emit('scheduler:paused', { runId: 'other', reason: 'request', ready: [] });
    assert.equal(sent.length, 1, "another run's events are not this feed's");
    events.emit('scheduler:resumed', { runId: 'r1' });
    assert.equal(sent.at(-1)?.state, 'running');
    assert.equal(sent.at(-1)?.stoppedAt, undefined);
    assert.equal(clock.timers.size, 1);
  });

  it("the run's end is its last status: final totals, then no timer and no listener", { timeout: 5_000 }, () => {
    const { events, clock, sent, feed } = setup();
    events.emit('run:finished', { runId: 'r1', status: 'failed', durationMs: 900, stats: { ...stats(9, 400), nodesFailed: 1 } });
    assert.equal(sent.at(-1)?.state, 'failed');
    assert.equal(sent.at(-1)?.stats.nodesFailed, 1);
    assert.equal(sent.at(-1)?.stats.running, 0);
    assert.equal(clock.timers.size, 0);
    assert.equal(events.hasListeners('scheduler:resumed'), false);
    assert.equal(feed.status().state, 'failed', 'still answers a late status');
  });

  it('a subscription after the end answers the end, with nothing running', { timeout: 5_000 }, () => {
    const events = new RuntimeEventEmitter();
    const clock = new FakeClock();
    const feed = new RunStatusFeed({
      runId: 'r1',
      events,
      totals: { liveStats: () => assert.fail('an ended run is not probed') },
      send: () => assert.fail('nothing to send'),
      clock,
      finished: { status: 'succeeded', stats: stats(10, 900) },
    });
    assert.equal(feed.status().state, 'succeeded');
    assert.equal(feed.status().stats.tokens, 900);
    assert.equal(clock.timers.size, 0);
  });

  it('rates are clamped to 1..2 a second', { timeout: 5_000 }, () => {
    assert.deepEqual([undefined, 0, 1, 2, 50, Number.NaN].map(statusRate), [2, 1, 1, 2, 2, 2]);
  });
});
