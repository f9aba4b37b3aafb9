import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGraphPageMessage } from '../graph/graphMessages.js';
import { parseMemoryPageMessage } from '../memory/memoryMessages.js';
import { parseTimelinePageMessage } from '../runs/timelineMessages.js';
import { parsePageMessage } from './pageMessages.js';

const parsers = { graph: parseGraphPageMessage, memory: parseMemoryPageMessage, timeline: parseTimelinePageMessage };

describe('page messages (every panel)', () => {
  for (const [page, parse] of Object.entries(parsers)) {
    it(`the ${page} panel refuses what is not a message of its page, saying why`, { timeout: 5_000 }, () => {
      assert.deepEqual(parse({ type: 'ready' }), { type: 'ready', body: {} });
      for (const [raw, says] of [
        [null, /not an object with a "type"/],
        [[{ type: 'ready' }], /not an object with a "type"/],
        [{ type: 7 }, /not an object with a "type"/],
        [{ type: 'ready', body: 'x' }, /page message ready: "body" is not an object/],
        [{ type: 'ready', body: [] }, /page message ready: "body" is not an object/],
        [{ type: 'nope', body: {} }, /page message nope: unknown type/],
        // names every object has: unknown types all the same, never a function called with the body
        [{ type: 'constructor', body: {} }, /page message constructor: unknown type/],
        [{ type: 'toString', body: {} }, /page message toString: unknown type/],
        [{ type: '__proto__', body: {} }, /page message __proto__: unknown type/],
        [{ type: 'pageError', body: { message: 3 } }, /page message pageError: unknown type or wrong fields {"message":3}/],
      ] as const) {
        const m = parse(raw);
        assert.equal(typeof m, 'string', `${page}: ${JSON.stringify(raw)} was accepted`);
        assert.match(m as string, says);
      }
    });
  }

  it('quotes at most 200 characters of a refused body', { timeout: 5_000 }, () => {
    const m = parsePageMessage<{ a: Record<string, never> }>({ type: 'a', body: { x: 'y'.repeat(1000) } }, { a: () => false });
    assert.equal(typeof m, 'string');
    assert.ok((m as string).length < 260, m as string);
  });
});
