import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { StopTracker, parseMemoryPageMessage, sourceFile } from './memoryMessages.js';

describe('the memory panel host logic', () => {
  it('forwards only the memory requests, with well-formed fields', { timeout: 5_000 }, () => {
    const call = { type: 'call', body: { requestId: 3, name: 'apxm/memoryPage', args: { tab: 'ltm', offset: 0, limit: 100 } } };
    assert.deepEqual(parseMemoryPageMessage(call), call);
    for (const bad of [
      { type: 'call', body: { requestId: 3, name: 'evaluate', args: { expression: 'x' } } },
      { type: 'call', body: { requestId: 3, name: 'apxm/runToNode', args: { flow: 'a', nodeId: 1 } } },
      { type: 'call', body: { requestId: 'x', name: 'apxm/memoryPage', args: {} } },
      { type: 'call', body: { requestId: 1, name: 'apxm/memoryPage', args: [] } },
      { type: 'openSource', body: { path: '', line: 1 } },
      { type: 'openSource', body: { path: '/a.ais', line: 0 } },
      { type: 'revealInGraph', body: { flow: 'A.main', nodeId: 1.5 } },
      { type: 'nope', body: {} },
      'ready',
    ])
      assert.equal(typeof parseMemoryPageMessage(bad), 'string', JSON.stringify(bad));
    assert.deepEqual(parseMemoryPageMessage({ type: 'revealInGraph', body: { flow: 'A.main', nodeId: 2 } }), {
      type: 'revealInGraph',
      body: { flow: 'A.main', nodeId: 2 },
    });
  });

  it('follows stops from the DAP messages: a stop counts, a resuming request or continued ends it', { timeout: 5_000 }, () => {
    const t = new StopTracker();
    assert.equal(t.sent({ type: 'event', event: 'output', body: {} }), false);
    assert.equal(t.sent({ type: 'event', event: 'stopped', body: { reason: 'breakpoint' } }), true);
    assert.deepEqual([t.stopped, t.stops], [true, 1]);
    assert.equal(t.received({ type: 'request', command: 'variables' }), false, 'reading variables does not resume');
    assert.equal(t.received({ type: 'request', command: 'next' }), true);
    assert.equal(t.stopped, false);
    assert.equal(t.sent({ type: 'event', event: 'continued' }), false, 'already running');
    t.sent({ type: 'event', event: 'stopped', body: { reason: 'step' } });
    assert.equal(t.stops, 2);
    assert.equal(t.sent({ type: 'event', event: 'continued' }), true);
    assert.equal(t.sent({ type: 'event', event: 'terminated' }), true);
    assert.deepEqual([t.ended, t.stopped], [true, false]);
    assert.equal(t.sent({ type: 'event', event: 'exited' }), false);
  });

  it('opens a relative source beside the program', { timeout: 5_000 }, () => {
    assert.equal(sourceFile('notes.ais', '/w/p/main.ais'), path.resolve('/w/p/notes.ais'));
    assert.equal(sourceFile('/abs/notes.ais', '/w/p/main.ais'), '/abs/notes.ais');
  });
});
