import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { NodeStatusBatch, RunStatusBody } from '../../debug-adapter/customProtocol.js';
import { loadProgramFile } from '../../runtime/programFile.js';
import { programGraph } from '../../runtime/query/programGraph.js';
import { REPO_ROOT } from '../../test/support/apxmCli.js';
import { encodeChanges } from '../../runtime/query/nodeStatus.js';
import {
  graphHash,
  graphTitle,
  parseGraphPageMessage,
  rememberProgram,
  restoredProgram,
  SessionRouter,
  sessionProgramPath,
  stoppedOf,
} from './graphMessages.js';

const STATS: RunStatusBody['stats'] = {
  nodesTotal: 7,
  nodesDone: 3,
  nodesFailed: 0,
  nodesSkipped: 0,
  running: 0,
  llmCalls: 3,
  tokens: 120,
  elapsedMs: 40,
};
const at = { frameId: 1, nodeId: 4, flow: 'TripPlanner.main' };
const paused: RunStatusBody = { runId: 'r1', state: 'paused', stoppedAt: at, ready: [at, { ...at, nodeId: 6 }], stats: STATS };
const running: RunStatusBody = { runId: 'r1', state: 'running', stats: STATS };

describe('graph panel messages', () => {
  it('hashes the graph by its content: equal graphs, equal hashes; a changed node, another', { timeout: 20_000 }, async () => {
    const file = path.join(REPO_ROOT, 'examples/trip_planner.ais');
    const a = programGraph(await loadProgramFile(file));
    const b = programGraph(await loadProgramFile(file));
    assert.match(graphHash(a), /^[0-9a-f]{64}$/);
    assert.equal(graphHash(a), graphHash(b));
    b.flows[0].nodes[0].name = 'renamed';
    assert.notEqual(graphHash(a), graphHash(b));
    assert.equal(graphTitle(file), 'Graph: trip_planner.ais');
  });

  it('routes the adapter events to page messages, and ignores the others', { timeout: 10_000 }, () => {
    const r = new SessionRouter();
    const batch: NodeStatusBatch = { runId: 'r1', seq: 2, ...encodeChanges([{ frameId: 1, nodeId: 1, flow: 'A.f', state: 'running' }]) };
    assert.deepEqual(r.event('apxm/nodeStatus', batch), [{ type: 'graph/status', body: batch }]);
    const frame = {
      frame: { runId: 'r1', frameId: 2, parentFrameId: 1, kind: 'loop' as const, flow: 'A.f', label: 'loop 4 · iteration 1' },
    };
    assert.deepEqual(r.event('apxm/frameStarted', frame), [{ type: 'graph/frameStarted', body: frame }]);
    const ended = { ...frame, outcome: 'succeeded' as const };
    assert.deepEqual(r.event('apxm/frameEnded', ended), [{ type: 'graph/frameEnded', body: ended }]);
    assert.deepEqual(r.event('apxm/sessionInfo', {}), []);
    assert.deepEqual(r.event('apxm/pauseWaiting', {}), []);
  });

  it('says where the run stopped once per change, though the run status comes with every batch', { timeout: 10_000 }, () => {
    const r = new SessionRouter();
    assert.deepEqual(r.event('apxm/runStatus', paused), [
      { type: 'graph/runStatus', body: paused },
      { type: 'graph/stopped', body: { at, ready: [at, { ...at, nodeId: 6 }] } },
    ]);
    // the same stop again (a batch while paused): the status, no second graph/stopped
    assert.deepEqual(r.event('apxm/runStatus', { ...paused, stats: { ...STATS, elapsedMs: 50 } }), [
      { type: 'graph/runStatus', body: { ...paused, stats: { ...STATS, elapsedMs: 50 } } },
    ]);
    assert.deepEqual(r.event('apxm/runStatus', running), [
      { type: 'graph/runStatus', body: running },
      { type: 'graph/stopped', body: { ready: [] } },
    ]);
    // the session ends while running: it already said "not stopped"
    assert.deepEqual(r.ended(), [{ type: 'graph/session', body: { live: false } }]);
    // after a reset (the page reloaded) the stop is said again
    r.reset();
    assert.deepEqual(
      r.event('apxm/runStatus', { ...running, state: 'succeeded' }).map((m) => m.type),
      ['graph/runStatus', 'graph/stopped'],
    );
  });

  it('turns the subscription answer into the snapshot and, when paused, the stop', { timeout: 10_000 }, () => {
    const r = new SessionRouter();
    const body = { snapshot: { runId: 'r1', seq: 0, ...encodeChanges([]) }, frames: [], plans: [], run: paused };
    assert.deepEqual(r.snapshot(body), [
      { type: 'graph/snapshot', body },
      { type: 'graph/stopped', body: { at, ready: paused.ready } },
    ]);
    assert.deepEqual(r.snapshot({ ...body, run: undefined }), [{ type: 'graph/snapshot', body: { ...body, run: undefined } }]);
    assert.deepEqual(stoppedOf({ ...paused, stoppedAt: undefined, ready: undefined }), { ready: [] });
  });

  it('resolves a session program as the adapter does', { timeout: 10_000 }, () => {
    assert.equal(sessionProgramPath({ program: 'a.ais', cwd: '/w/sub' }, '/w'), path.resolve('/w/sub/a.ais'));
    assert.equal(sessionProgramPath({ program: 'a.ais' }, '/w'), path.resolve('/w/a.ais'));
    assert.equal(sessionProgramPath({ program: '/abs/a.json', cwd: '/w' }, '/w'), path.resolve('/abs/a.json'));
    assert.equal(sessionProgramPath({}, '/w'), undefined);
    assert.equal(sessionProgramPath({ program: 3 }, '/w'), undefined);
  });

  it('accepts the page messages of the protocol and names what is wrong with others', { timeout: 10_000 }, () => {
    const node = { flow: 'A.f', nodeId: 3 };
    for (const m of [
      { type: 'ready', body: {} },
      { type: 'ready' },
      { type: 'openSource', body: node },
      { type: 'toggleBreakpoint', body: node },
      { type: 'runToNode', body: node },
      { type: 'runNext', body: { ...node, frameId: 1 } },
      { type: 'nodeDetail', body: { requestId: 1, ...node } },
      { type: 'nodeDetail', body: { requestId: 1, ...node, frameId: 2, nodeExecId: 'x' } },
      { type: 'valuePage', body: { requestId: 2, pageRef: 'p1', offset: 0, length: 100 } },
      { type: 'pageError', body: { message: 'boom' } },
    ]) {
      const parsed = parseGraphPageMessage(m);
      assert.equal(typeof parsed, 'object', `${JSON.stringify(m)}: ${String(parsed)}`);
      assert.equal((parsed as { type: string }).type, m.type);
    }
    for (const [m, says] of [
      [null, /not an object/],
      ['ready', /not an object/],
      [{ body: {} }, /"type"/],
      [{ type: 'openSource', body: [] }, /"body" is not an object/],
      [{ type: 'openSource', body: { flow: 'A.f', nodeId: '3' } }, /openSource: unknown type or wrong fields/],
      [{ type: 'runNext', body: node }, /runNext/],
      [{ type: 'nodeDetail', body: { ...node } }, /nodeDetail/],
      [{ type: 'valuePage', body: { requestId: 1, pageRef: 'p', offset: 0.5, length: 1 } }, /valuePage/],
      [{ type: 'launchMissiles', body: {} }, /launchMissiles: unknown type/],
    ] as const) {
      const parsed = parseGraphPageMessage(m);
      assert.equal(typeof parsed, 'string', JSON.stringify(m));
      assert.match(parsed as string, says);
    }
  });

  it('restores a panel from its page state, else from the latest program opened with its title', { timeout: 10_000 }, () => {
    let recent: string[] = [];
    for (const p of ['/w/a/trip.ais', '/w/b/trip.ais', '/w/flow.json', '/w/a/trip.ais']) recent = rememberProgram(recent, p);
    assert.deepEqual(recent, ['/w/a/trip.ais', '/w/flow.json', '/w/b/trip.ais']);
    assert.equal(restoredProgram({ programPath: '/w/b/trip.ais' }, 'Graph: trip.ais', recent), '/w/b/trip.ais');
    // the window reloaded before the page's state was stored
    assert.equal(restoredProgram(undefined, 'Graph: trip.ais', recent), '/w/a/trip.ais');
    assert.equal(restoredProgram({ programPath: '' }, 'Graph: flow.json', recent), '/w/flow.json');
    assert.equal(restoredProgram({}, 'Graph: other.ais', recent), undefined);
    for (let i = 0; i < 30; i++) recent = rememberProgram(recent, `/w/p${i}.ais`);
    assert.equal(recent.length, 20);
  });
});
