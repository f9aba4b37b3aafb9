import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeChanges, encodeChanges, type NodeStatusChange } from './nodeStatus.js';

describe('node status on the wire', () => {
  it('round-trips changes through the positional form, leaving out unknown trailing timings', { timeout: 5_000 }, () => {
    const changes: NodeStatusChange[] = [
      { frameId: 1, nodeId: 3, flow: 'A.main', state: 'ready' },
      { frameId: 1, nodeId: 4, flow: 'A.main', state: 'running', startedAt: 12 },
      { frameId: 2, nodeId: 1, flow: 'B.callee', state: 'succeeded', startedAt: 0, durationMs: 1.5 },
      { frameId: 2, nodeId: 2, flow: 'B.callee', state: 'succeeded', durationMs: 0, tokens: 41 },
    ];
    const wire = encodeChanges(changes);
    assert.deepEqual(wire.flows, ['A.main', 'B.callee'], 'each flow named once');
    assert.deepEqual(wire.changes, [
      [1, 3, 0, 'ready'],
      [1, 4, 0, 'running', 12],
      [2, 1, 1, 'succeeded', 0, 1.5],
      [2, 2, 1, 'succeeded', null, 0, 41],
    ]);
    assert.deepEqual(decodeChanges(JSON.parse(JSON.stringify(wire)) as typeof wire), changes);
  });

  it('a batch of thousands is a third of the bytes of the same changes as objects', { timeout: 5_000 }, () => {
    const changes: NodeStatusChange[] = Array.from({ length: 2000 }, (_, i) => ({
      frameId: 1,
      nodeId: i + 1,
      flow: 'Bench.layered',
      state: 'succeeded',
      startedAt: i,
      durationMs: 0.004,
    }));
    const objects = JSON.stringify(changes).length;
    const positional = JSON.stringify(encodeChanges(changes)).length;
    assert.ok(positional * 2.5 < objects, `${positional} bytes positional, ${objects} as objects`);
  });
});
