import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTimelinePageMessage } from './timelineMessages.js';

describe('the timeline panel page messages', () => {
  it('acts only on a select or seek with well-formed fields', { timeout: 5_000 }, () => {
    for (const ok of [
      { type: 'select', body: { flow: 'main', nodeId: 3, frameId: 1 } },
      { type: 'seek', body: { time: 12.5 } },
      { type: 'seek', body: { time: 0 } },
      { type: 'pageError', body: { message: 'boom' } },
    ]) {
      assert.deepEqual(parseTimelinePageMessage(ok), ok);
    }
    // before the panel checked them, a seek to "abc" compared as no time at all and rewound the replay to its start
    for (const bad of [
      { type: 'seek', body: { time: 'abc' } },
      { type: 'seek', body: { time: Number.NaN } },
      { type: 'seek', body: {} },
      { type: 'select', body: { nodeId: 3, frameId: 1 } },
      { type: 'select', body: { flow: 'main', nodeId: '3', frameId: 1 } },
      { type: 'select', body: { flow: 'main', nodeId: 1.5, frameId: 1 } },
      { type: 'rewind', body: { ops: 0 } },
    ]) {
      const m = parseTimelinePageMessage(bad);
      assert.equal(typeof m, 'string', JSON.stringify(bad));
      assert.match(m as string, new RegExp(`^page message ${bad.type}: unknown type or wrong fields`));
    }
  });
});
