import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LanePool, type LaneClient } from './lanePool.js';

class Client implements LaneClient {
  inFlight = 0;
  woken = 0;
  constructor(public ready = true) {}
  hasReadyWork(): boolean {
    return this.ready;
  }
  wake(): void {
    this.woken++;
  }
}

/** Takes lanes for `c` until the pool refuses; returns how many it got. */
function fill(pool: LanePool, c: Client, max = 100): number {
  let n = 0;
  while (n < max && pool.tryAcquire(c)) {
    c.inFlight++;
    n++;
  }
  return n;
}

describe('LanePool', () => {
  it('a lone execution may use every lane', () => {
    const pool = new LanePool(4);
    const a = new Client();
    pool.register(a);
    assert.equal(fill(pool, a), 4);
    assert.equal(pool.used, 4);
  });

  it('with several executions waiting, each gets its fair share first', () => {
    const pool = new LanePool(4);
    const a = new Client();
    const b = new Client();
    pool.register(a);
    pool.register(b);
    assert.equal(fill(pool, a), 2, 'a stops at its share while b waits');
    assert.equal(fill(pool, b), 2);
  });

  it('work stealing: a lane nobody below their share wants goes to an execution over its share; without it, the lane idles', () => {
    for (const stealing of [true, false]) {
      const pool = new LanePool(5, stealing);
      const a = new Client();
      const b = new Client();
      pool.register(a);
      pool.register(b);
      fill(pool, a, 2);
      fill(pool, b, 2);
      // both at their share (floor(5 / 2) = 2), both with ready work, one lane free
      assert.equal(pool.tryAcquire(a), stealing, stealing ? 'a steals the free lane' : 'without stealing the lane stays free');
    }
  });

  it('an execution over its share does not take a lane another one below its share is waiting for', () => {
    const pool = new LanePool(4);
    const a = new Client();
    const b = new Client(false);
    pool.register(a);
    pool.register(b);
    assert.equal(fill(pool, a, 3), 3, 'b had no ready work: a took more than half');
    b.ready = true;
    assert.equal(pool.tryAcquire(a), false, "b (0 lanes, below its share of 2) waits: the last lane is b's");
    assert.equal(pool.tryAcquire(b), true);
  });

  it('a released lane wakes the waiting executions, poorest first', async () => {
    const pool = new LanePool(4);
    const a = new Client();
    const b = new Client(false);
    const order: string[] = [];
    a.wake = () => void order.push('a');
    b.wake = () => void order.push('b');
    pool.register(a);
    pool.register(b);
    assert.equal(fill(pool, a, 3), 3);
    b.ready = true;
    assert.equal(fill(pool, b, 1), 1);
    pool.release(); // one of a's ops ends: a has 2 lanes, b 1
    a.inFlight--;
    await new Promise((resolve) => queueMicrotask(() => resolve(undefined)));
    assert.deepEqual(order, ['b', 'a']);
  });

  it('refuses a lane count that is not a positive integer', () => {
    assert.throws(() => new LanePool(0), /maxParallelism must be a positive integer, got 0/);
    assert.throws(() => new LanePool(1.5), /positive integer/);
  });
});
