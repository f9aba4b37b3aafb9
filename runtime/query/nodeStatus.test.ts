import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeCount, decodeChanges, encodeChanges, type NodeStatusChange } from './nodeStatus.js';

describe('node status on the wire', () => {
  it('round-trips changes through the columns, leaving out columns no change has', { timeout: 5_000 }, () => {
    const changes: NodeStatusChange[] = [
      { frameId: 1, nodeId: 3, flow: 'A.main', state: 'ready' },
      { frameId: 1, nodeId: 4, flow: 'A.main', state: 'running', startedAt: 12 },
      { frameId: 2, nodeId: 1, flow: 'B.callee', state: 'succeeded', startedAt: 0, durationMs: 1.5 },
      { frameId: 2, nodeId: 2, flow: 'B.callee', state: 'succeeded', durationMs: 0.0123, tokens: 41 },
      { frameId: 3, nodeId: 5, flow: 'A.main', state: 'replayed' },
    ];
    const wire = encodeChanges(changes);
    assert.deepEqual(wire, {
      flows: ['A.main', 'B.callee'],
      frame: [1, 1, 2, 2, 3],
      node: [3, 4, 1, 2, 5],
      flow: [0, 0, 1, 1, 0],
      state: 'rRssy',
      start: [-1, 12, 0, -1, -1],
      dur: [-1, -1, 1500, 12, -1],
      tokens: [0, 0, 0, 41, 0],
    });
    assert.equal(changeCount(wire), 5);
    const back = decodeChanges(JSON.parse(JSON.stringify(wire)) as typeof wire);
    // durations travel to the microsecond
    assert.deepEqual(
      back,
      changes.map((c) => (c.durationMs === 0.0123 ? { ...c, durationMs: 0.012 } : c)),
    );
    const bare = encodeChanges([{ frameId: 1, nodeId: 1, flow: 'A.main', state: 'pending' }]);
    assert.deepEqual(Object.keys(bare).sort(), ['flow', 'flows', 'frame', 'node', 'state'], 'no timing columns when nothing has timings');
    assert.deepEqual(decodeChanges(bare), [{ frameId: 1, nodeId: 1, flow: 'A.main', state: 'pending' }]);
  });

  it('cost travels in millionths of a dollar, rounded up so a call that cost anything shows; none is -1', { timeout: 5_000 }, () => {
    const wire = encodeChanges([
      { frameId: 1, nodeId: 1, flow: 'A.main', state: 'succeeded', tokens: 1500, cost: 0.0075 },
      { frameId: 1, nodeId: 2, flow: 'A.main', state: 'succeeded', tokens: 3, cost: 0.0000001 },
      { frameId: 1, nodeId: 3, flow: 'A.main', state: 'succeeded', tokens: 10, cost: 0 },
      { frameId: 1, nodeId: 4, flow: 'A.main', state: 'succeeded' },
    ]);
    assert.deepEqual(wire.cost, [7500, 1, 0, -1]);
    assert.deepEqual(
      decodeChanges(wire).map((c) => c.cost),
      [0.0075, 0.000001, 0, undefined],
    );
  });

  it('every state has its own letter', { timeout: 5_000 }, () => {
    const states = ['pending', 'ready', 'running', 'succeeded', 'failed', 'skipped', 'cancelled', 'replayed'] as const;
    const wire = encodeChanges(states.map((state, i) => ({ frameId: 1, nodeId: i, flow: 'A.main', state })));
    assert.equal(new Set(wire.state).size, states.length);
    assert.deepEqual(
      decodeChanges(wire).map((c) => c.state),
      [...states],
    );
  });

  it('a batch of thousands is under a fifth of the bytes of the same changes as objects', { timeout: 5_000 }, () => {
    const changes: NodeStatusChange[] = Array.from({ length: 2000 }, (_, i) => ({
      frameId: 1,
      nodeId: i + 1,
      flow: 'Bench.layered',
      state: 'succeeded',
      startedAt: i,
      durationMs: 0.004,
    }));
    const objects = JSON.stringify(changes).length;
    const columns = JSON.stringify(encodeChanges(changes)).length;
    assert.ok(columns * 5 < objects, `${columns} bytes in columns, ${objects} as objects`);
  });
});
