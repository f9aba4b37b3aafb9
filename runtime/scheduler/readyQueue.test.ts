import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ReadyQueue } from './readyQueue.js';

type Step = { push: [number, number] } | { pop: true };

// Two flows' priority levels (highest first) that share some values, as compiled flows do.
const FLOWS = [Float64Array.of(80, 60, 40, 20, 0), Float64Array.of(70, 60, 20, 10)];

describe('ReadyQueue', () => {
  it('pops the highest priority first, first-in first-out among equals (across flows too), under any push/pop sequence', () => {
    const step = fc.oneof(
      fc.record({ push: fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 4 })) }),
      fc.constant({ pop: true as const }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 400 }), (steps: Step[]) => {
        const q = new ReadyQueue<string>();
        const base = FLOWS.map((levels) => q.levels(levels));
        assert.equal(q.levels(FLOWS[0]), base[0], 'a set of levels is registered once');
        const model: { idx: number; priority: number; seq: number }[] = [];
        let next = 0;
        for (const s of steps) {
          if ('push' in s) {
            const [flow, r] = s.push;
            const rank = Math.min(r, FLOWS[flow].length - 1);
            const seq = q.push('f', next, base[flow] + rank);
            model.push({ idx: next++, priority: FLOWS[flow][rank], seq });
          } else {
            model.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
            const want = model.shift();
            assert.equal(q.pop(), want !== undefined);
            if (want) assert.deepEqual([q.idx, q.priority, q.seq], [want.idx, want.priority, want.seq]);
          }
          assert.equal(q.size, model.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('take removes the first match in dispatch order; ordered lists what pop would give', () => {
    const q = new ReadyQueue<string>();
    const base = q.levels(Float64Array.of(9, 5, 1));
    for (const [i, r] of [
      [1, 1],
      [2, 0],
      [3, 1],
      [4, 2],
      [5, 0],
    ] as const)
      q.push(i % 2 ? 'odd' : 'even', i, base + r);
    assert.deepEqual(
      q.ordered().map((x) => x.idx),
      [2, 5, 1, 3, 4],
    );
    assert.equal(q.take((x) => x.priority === 5)?.idx, 1);
    assert.deepEqual(
      q.removeWhere((x) => x.frame === 'even').map((x) => x.idx),
      [2, 4],
    );
    const popped: number[] = [];
    while (q.pop()) popped.push(q.idx);
    assert.deepEqual(popped, [5, 3]);
    q.push('again', 6, base + 2);
    assert.ok(q.pop() && q.idx === 6 && q.priority === 1, 'cells freed by a rebuild are reused');
  });
});
