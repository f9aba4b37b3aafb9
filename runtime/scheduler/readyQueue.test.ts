import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ReadyQueue } from './readyQueue.js';

type Step = { push: number } | { pop: true };

describe('ReadyQueue', () => {
  it('pops the highest priority first, first-in first-out among equals, under any push/pop sequence', () => {
    const step = fc.oneof(fc.record({ push: fc.integer({ min: 0, max: 8 }) }), fc.constant({ pop: true as const }));
    fc.assert(fc.property(fc.array(step, { maxLength: 400 }), (steps: Step[]) => {
      const q = new ReadyQueue<string>();
      const model: { idx: number; priority: number; seq: number }[] = [];
      let next = 0;
      for (const s of steps) {
        if ('push' in s) {
          const seq = q.push('f', next, s.push * 10);
          model.push({ idx: next++, priority: s.push * 10, seq });
        } else {
          model.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
          const want = model.shift();
          assert.equal(q.pop(), want !== undefined);
          if (want) assert.deepEqual([q.idx, q.priority, q.seq], [want.idx, want.priority, want.seq]);
        }
        assert.equal(q.size, model.length);
      }
    }), { numRuns: 300 });
  });

  it('take removes the first match in dispatch order; ordered lists what pop would give', () => {
    const q = new ReadyQueue<string>();
    for (const [i, p] of [[1, 5], [2, 9], [3, 5], [4, 1], [5, 9]] as const) q.push(i % 2 ? 'odd' : 'even', i, p);
    assert.deepEqual(q.ordered().map((x) => x.idx), [2, 5, 1, 3, 4]);
    assert.equal(q.take((x) => x.priority === 5)?.idx, 1);
    assert.deepEqual(q.removeWhere((x) => x.frame === 'even').map((x) => x.idx), [2, 4]);
    const popped: number[] = [];
    while (q.pop()) popped.push(q.idx);
    assert.deepEqual(popped, [5, 3]);
  });
});
