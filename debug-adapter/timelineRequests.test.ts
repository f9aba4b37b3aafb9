/** `apxm/timeline` through DebugClient over real stdio: before a run, live, and in a replay of a recorded run. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { APXM_CLI } from '../test/support/apxmCli.js';
import { errorOf, launch, withClient } from '../test/support/debugClient.js';
import type { ApxmRequests } from './customProtocol.js';
import { DapErrorId } from './dapErrors.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TRIP = path.resolve(HERE, '../../examples/trip_planner.ais');
const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-timeline-dap-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type TimelineBody = ApxmRequests['apxm/timeline']['body'];

const timeline = async (dc: DebugClient) => (await dc.customRequest('apxm/timeline', {})).body as TimelineBody;

/** Records a run of the trip planner into `dir/<name>.sqlite` with the CLI: the database and the run's id. */
function recordTrip(name: string, city: string): { db: string; runId: string } {
  const db = path.join(dir, `${name}.sqlite`);
  const run = spawnSync(process.execPath, [APXM_CLI, 'run', TRIP, '--arg', `city=${city}`, '--db', db, '--json'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return { db, runId: (JSON.parse(run.stdout) as { runId: string }).runId };
}

describe('apxm/timeline', () => {
  it(
    'before a launch it names what is missing; after a debugged run it has one bar per op, its tokens and critical path',
    { timeout: 60_000 },
    (t) =>
      withClient(t, async (dc) => {
        await dc.initializeRequest({ adapterID: 'apxm', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
        const early = await errorOf(dc, 'apxm/timeline', {});
        assert.equal(early.id, DapErrorId.notAvailable);
        assert.match(early.message, /no run yet/);
        assert.equal(early.showUser, false);
        await launch(dc, { program: TRIP, args: { city: 'Lisbon' } }, { until: 'terminated' });
        const body = await timeline(dc);
        assert.equal(body.replay, false);
        assert.equal(body.recording, undefined);
        const tl = body.timeline;
        assert.equal(tl.live, true);
        assert.equal(tl.status, 'succeeded');
        const graph = (await dc.customRequest('apxm/programGraph', {})).body as ApxmRequests['apxm/programGraph']['body'];
        assert.equal(tl.bars.length, graph.flows[0].nodes.length, 'every op of the one-flow program ran once');
        assert.ok(tl.bars.every((b) => b.flow === graph.entry && b.state === 'succeeded'));
        assert.ok(tl.tokens > 0);
        assert.equal(
          tl.bars.reduce((s, b) => s + b.tokens, 0),
          tl.tokens,
        );
        assert.ok(tl.criticalPath.length > 0 && tl.criticalPath.every((i) => tl.bars[i].critical));
      }),
  );

  it('in a replay: the recording’s whole timeline, and the live one as far as the replay has gone', { timeout: 90_000 }, (t) => {
    const { db, runId } = recordTrip('replay', 'Porto');
    return withClient(t, async (dc) => {
      await launch(dc, { program: TRIP, db, replay: runId, stopOnEntry: true }, { until: 'stopped' });
      const atEntry = await timeline(dc);
      assert.equal(atEntry.replay, true);
      assert.equal(atEntry.recording?.runId, runId);
      assert.equal(atEntry.recording?.live, false);
      const recorded = atEntry.recording!.bars;
      assert.ok(recorded.length > 4);
      assert.ok(atEntry.timeline.bars.length < recorded.length, 'at entry the replay has not run every op');
      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
      const done = await timeline(dc);
      const ops = (bars: typeof recorded) => bars.map((b) => `${b.flow}#${b.nodeId} ${b.op}`).sort();
      assert.deepEqual(ops(done.timeline.bars), ops(recorded), 'the replay ran the recorded ops');
      assert.equal(done.timeline.tokens, done.recording?.tokens);
    });
  });
});

describe('apxm/rewind', () => {
  it(
    'in a replay goes back many ops in one re-execution and stops there; forward or in a live run it is refused',
    { timeout: 90_000 },
    (t) => {
      const { db, runId } = recordTrip('rewind', 'Oslo');
      return withClient(t, async (dc) => {
        await launch(dc, { program: TRIP, db, replay: runId, stopOnEntry: true }, { until: 'stopped' });
        for (let i = 0; i < 4; i++) await Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
        const before = (await timeline(dc)).timeline.bars.length;
        assert.ok(before >= 4, `four steps started ${before} ops`);
        const forward = await errorOf(dc, 'apxm/rewind', { ops: before + 1 });
        assert.equal(forward.id, DapErrorId.notAvailable);
        assert.match(forward.message, /would go forward/);
        const [, stopped] = await Promise.all([dc.customRequest('apxm/rewind', { ops: 1 }), dc.waitForEvent('stopped')]);
        assert.equal((stopped as DebugProtocol.StoppedEvent).body.reason, 'step');
        const after = await timeline(dc);
        assert.equal(after.timeline.bars.length, 1, 'stopped with one op started again');
        assert.deepEqual(
          [after.timeline.bars[0].flow, after.timeline.bars[0].nodeId],
          [after.recording!.bars[0].flow, after.recording!.bars[0].nodeId],
          'the first op of the recording',
        );
        const bad = await errorOf(dc, 'apxm/rewind', { ops: -1 });
        assert.match(bad.message, /ops/);
      });
    },
  );

  it('is refused in a live run (it cannot take back what it sent)', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      await launch(dc, { program: TRIP, args: { city: 'Lisbon' }, stopOnEntry: true }, { until: 'stopped' });
      const live = await errorOf(dc, 'apxm/rewind', { ops: 0 });
      assert.equal(live.id, DapErrorId.notAvailable);
      assert.match(live.message, /replay sessions/);
      assert.equal(live.showUser, false);
    }),
  );
});
