/**
 * `apxm/inlineValues` through DebugClient over real stdio: while stopped, the outputs of the
 * stopped frame's ops at their AIS lines, previews cut; nothing for a frame not known.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { errorOf, launch, withClient } from '../test/support/debugClient.js';
import type { ApxmRequests } from './customProtocol.js';
import { inlineValues } from './inlineValues.js';
import type { OpNode } from '../runtime/graph/types.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TRIP = path.resolve(HERE, '../../examples/trip_planner.ais');

type Values = ApxmRequests['apxm/inlineValues']['body']['values'];

describe('apxm/inlineValues', () => {
  it('stopped at the plan: the three asks and the merge, at their lines, in order', { timeout: 60_000 }, async (t) => {
    await withClient(t, async (dc) => {
      await launch(
        dc,
        { program: TRIP, args: { city: 'Lisbon' } },
        { setup: () => dc.setBreakpointsRequest({ source: { path: TRIP }, breakpoints: [{ line: 10 }] }), until: 'stopped' },
      );
      const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
      const values = ((await dc.customRequest('apxm/inlineValues', { frameId: frames[0].id })).body as { values: Values }).values;
      assert.deepEqual(
        values.map((v) => [v.line, v.name, v.path]),
        [
          [6, 'stay', TRIP],
          [7, 'food', TRIP],
          [8, 'transport', TRIP],
          [9, 'notes', TRIP],
        ],
      );
      assert.ok(
        values.every((v) => v.value.length <= 63 && v.column > 0),
        JSON.stringify(values),
      );
      assert.match(values[0].value, /^".+"$/);
      const unknown = (await dc.customRequest('apxm/inlineValues', { frameId: 987654 })).body as { values: Values };
      assert.deepEqual(unknown.values, []);
      const ended = dc.waitForEvent('terminated', 30_000);
      await dc.continueRequest({ threadId: 1 });
      await ended;
      // no run: nothing to show
      await errorOf(dc, 'apxm/inlineValues', { frameId: frames[0].id });
    });
  });

  it('long outputs are cut to one short line; ops without a source are left out', { timeout: 5_000 }, () => {
    const file = path.resolve('/w/a.ais');
    const node = (name: string, line?: number) => ({ name, ...(line ? { source: { file, line, column: 9 } } : {}) }) as unknown as OpNode;
    const v = inlineValues([
      { node: node('long', 4), value: 'x'.repeat(500) },
      { node: node('obj', 2), value: { a: 1, b: 'two', c: [1], d: null } },
      { node: node('nosrc'), value: 1 },
      { node: undefined, value: 2 },
    ]);
    assert.deepEqual(
      v.map((x) => [x.line, x.name, x.value]),
      [
        [2, 'obj', '{a: 1, b: "two", c: …, …}'],
        [4, 'long', `"${'x'.repeat(60)}…"`],
      ],
    );
  });
});
