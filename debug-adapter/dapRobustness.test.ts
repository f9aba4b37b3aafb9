/**
 * The adapter against clients that send what they should not, over real DAP (stdio and TCP):
 * null or mistyped arguments for every request, unreadable and oversized messages, a connection
 * dropped mid-run. One client's mistake is answered or ends that one connection; the process
 * and every other connection go on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStorage } from '../runtime/memory/openStorage.js';
import { startFakeOpenAi } from '../test/support/fakeOpenAiServer.js';
import { DapWire, spawnAdapter, spawnDapServer, type Adapter } from '../test/support/dapWire.js';
import { DapErrorId } from './dapErrors.js';
import { SERVED_COMMANDS } from './requestArguments.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ADAPTER = path.join(HERE, 'dapMain.js');
const CLI = path.join(HERE, 'apxmCli.js');
const TRIP = path.resolve(HERE, '../../examples/trip_planner.ais');
const INIT = { adapterID: 'apxm', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' };
/** Requests whose arguments DAP lets a client leave out. */
const ARGUMENTS_OPTIONAL = new Set([
  'disconnect',
  'terminate',
  'restart',
  'configurationDone',
  'threads',
  'loadedSources',
  'cancel',
  'apxm/programGraph',
  'apxm/subscribeNodeStatus',
  'apxm/unsubscribeNodeStatus',
  'apxm/capabilities',
]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Cleanup goes through t.after: it runs even when a test times out, where a finally would not.
function adapterFor(t: TestContext): Adapter {
  const adapter = spawnAdapter(ADAPTER);
  t.after(() => adapter.stop());
  return adapter;
}

async function serverFor(t: TestContext, args: string[] = []): Promise<Adapter & { host: string; port: number }> {
  const server = await spawnDapServer(CLI, args);
  t.after(() => server.stop());
  return server;
}

async function connect(t: TestContext, port: number, host?: string): Promise<DapWire> {
  const wire = await DapWire.connect(port, host);
  t.after(() => wire.close());
  return wire;
}
const errorOf = (r: { body?: { error?: { id?: number } } }) => r.body?.error?.id;

/** Sends every served request with null and with absent arguments; each is answered, none with a stack. */
async function probeEveryRequest(wire: DapWire): Promise<void> {
  const init = await wire.request('initialize', null);
  assert.equal(init.success, false);
  assert.equal(errorOf(init), DapErrorId.badArguments);
  assert.equal((await wire.request('initialize', INIT)).success, true);
  for (const command of SERVED_COMMANDS.filter((c) => c !== 'initialize' && c !== 'disconnect')) {
    for (const args of [null, undefined]) {
      const r = await wire.request(command, args);
      const what = `${command} with arguments ${args === null ? 'null' : 'left out'}: ${r.message}`;
      assert.doesNotMatch(r.message ?? '', /\n\s+at |TypeError|Cannot read/, what);
      assert.notEqual(errorOf(r), DapErrorId.internal, what);
      if (!ARGUMENTS_OPTIONAL.has(command)) {
        assert.equal(r.success, false, what);
        assert.equal(errorOf(r), DapErrorId.badArguments, what);
        assert.match(r.message ?? '', /arguments/, what);
      }
    }
  }
  const unknown = await wire.request('frobnicate', { x: 1 });
  assert.equal(errorOf(unknown), DapErrorId.unsupported);
  assert.match(unknown.message ?? '', /'frobnicate' is not a request this adapter serves/);
}

/** Launches the trip planner without debugging and waits for its end. */
async function runToEnd(wire: DapWire, city: string): Promise<void> {
  const launched = wire.request('launch', { program: TRIP, args: { city }, noDebug: true });
  await wire.event('initialized');
  assert.equal((await wire.request('configurationDone')).success, true);
  assert.equal((await launched).success, true);
  await wire.event('terminated', 30_000);
  assert.ok(
    wire.outputs().some((o) => o.startsWith('Plan: ')),
    wire.outputs().join('|'),
  );
}

describe('requests with bad arguments', () => {
  it(
    'over stdio: every request with null or absent arguments is answered, and the adapter runs a program after',
    { timeout: 90_000 },
    async (t) => {
      const adapter = adapterFor(t);
      const wire = DapWire.overStdio(adapter.child);
      await probeEveryRequest(wire);
      await runToEnd(wire, 'Oslo');
      assert.equal((await wire.request('disconnect', null)).success, true);
      assert.equal(adapter.child.exitCode, null, 'the adapter is still there');
      assert.doesNotMatch(adapter.stderr(), /internal error/);
    },
  );

  it('over TCP: null arguments on one connection; another connection, opened before, runs its program', { timeout: 90_000 }, async (t) => {
    const server = await serverFor(t);
    const other = await connect(t, server.port);
    assert.equal((await other.request('initialize', INIT)).success, true);
    const bad = await connect(t, server.port);
    await probeEveryRequest(bad);
    // launch and evaluate with null arguments ended the whole server before
    assert.equal(errorOf(await bad.request('launch', null)), DapErrorId.badArguments);
    assert.equal(errorOf(await bad.request('evaluate')), DapErrorId.badArguments);
    await runToEnd(other, 'Quito');
    await runToEnd(bad, 'Accra');
    assert.equal(server.child.exitCode, null);
    assert.doesNotMatch(server.stderr(), /internal error/);
  });

  it('mistyped fields are named by their path; a launch never echoes a value', { timeout: 60_000 }, async (t) => {
    const wire = DapWire.overStdio(adapterFor(t).child);
    await wire.request('initialize', INIT);
    const cases: [string, unknown, RegExp][] = [
      ['continue', { threadId: '1' }, /continue: arguments\.threadId must be an integer, not a string/],
      [
        'setBreakpoints',
        { source: { path: TRIP }, breakpoints: [{ line: 1 }, { line: '2' }] },
        /arguments\.breakpoints\[1\]\.line must be an integer/,
      ],
      ['setBreakpoints', { breakpoints: [] }, /arguments\.source is missing/],
      ['evaluate', { expression: 5 }, /arguments\.expression must be a string, not an integer/],
      ['variables', { variablesReference: 1, count: -1 }, /arguments\.count must be an integer >= 0/],
      [
        'setDataBreakpoints',
        { breakpoints: [{ dataId: 'stm:x', accessType: 'sometimes' }] },
        /accessType must be "read" or "write" or "readWrite"/,
      ],
      ['initialize', { adapterID: 'apxm', pathFormat: 'uri' }, /pathFormat must be "path"/],
      ['launch', [TRIP], /arguments must be an object \(the launch configuration\), not an array/],
      ['launch', { program: TRIP, cwd: 5 }, /invalid launch configuration: "cwd" must be a path/],
      ['launch', { program: TRIP, llm: 'openai' }, /"llm" must be an object/],
      ['launch', { program: 'trip.ais', db: 'runs.sqlite', cwd: '/nowhere/at/all' }, /"cwd" \/nowhere\/at\/all is not a directory/],
      [
        'launch',
        { program: TRIP, llm: { provider: 'openai', baseUrl: 'http://127.0.0.1:1/v1', apiKey: 987654321 } },
        /"llm\.apiKey" must be a string/,
      ],
    ];
    for (const [command, args, why] of cases) {
      const r = await wire.request(command, args);
      assert.equal(r.success, false, command);
      assert.equal(errorOf(r), DapErrorId.badArguments, command);
      assert.match(r.message ?? '', why);
      assert.doesNotMatch(r.message ?? '', /987654321/);
    }
    // optional fields sent as null count as left out
    const st = await wire.request('stackTrace', { threadId: 1, startFrame: null, levels: null });
    assert.equal(st.success, true, st.message);
  });
});

describe('unreadable and oversized messages', () => {
  it(
    'a 2 GB Content-Length closes that TCP connection at once; another connection keeps being answered',
    { timeout: 90_000 },
    async (t) => {
      const server = await serverFor(t);
      const other = await connect(t, server.port);
      await other.request('initialize', INIT);
      const big = await connect(t, server.port);
      await big.writeRaw('Content-Length: 2000000000\r\n\r\n');
      // the client goes on sending its body (up to 150 MB) while the other one is served
      let sent = 0;
      let ended = false;
      void big.ended.then(() => (ended = true));
      const pump = (async () => {
        const chunk = Buffer.alloc(1024 * 1024, 0x61);
        while (!ended && sent < 150 && (await big.writeRaw(chunk))) sent++;
      })();
      for (let i = 0; i < 5; i++) assert.equal((await other.request('threads')).success, true);
      await big.ended;
      await pump;
      assert.match(big.outputs().join(''), /closing the connection: a message of 2000000000 bytes is over the limit of 8388608 bytes/);
      assert.ok(sent < 150, `the client sent all ${sent} MB: the connection stayed open`);
      await runToEnd(other, 'Lagos');
    },
  );

  it(
    'a header that never ends closes the connection; a body that is not JSON or not a request is reported and skipped',
    { timeout: 60_000 },
    async (t) => {
      const server = await serverFor(t);
      const garbage = await connect(t, server.port);
      await garbage.writeRaw(Buffer.alloc(100_000, 0x7a));
      await garbage.ended;
      assert.match(garbage.outputs().join(''), /no end of the message header/);

      const sloppy = await connect(t, server.port);
      for (const body of ['{oops', '[1,2]', 'null', '{"type":"request","seq":1}', '{"type":"request","seq":"x","command":"threads"}']) {
        await sloppy.writeRaw(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      }
      assert.equal((await sloppy.request('initialize', INIT)).success, true);
      const said = sloppy.outputs().join('');
      assert.match(said, /ignored a message that is not JSON/);
      assert.match(said, /ignored a message that is not a JSON object/);
      assert.equal(said.match(/ignored a message that is not a DAP request/g)?.length, 2, said);
      await runToEnd(sloppy, 'Hanoi');
    },
  );

  it('over stdio an oversized message is reported and the adapter exits with 2', { timeout: 30_000 }, async (t) => {
    const adapter = adapterFor(t);
    const wire = DapWire.overStdio(adapter.child);
    await wire.request('initialize', INIT);
    await wire.writeRaw('Content-Length: 9000000\r\n\r\n');
    assert.equal(await adapter.exited, 2);
    assert.match(wire.outputs().join(''), /a message of 9000000 bytes is over the limit/);
  });
});

describe('where the server listens', () => {
  const refused = (host: string, port: number) =>
    new Promise<boolean>((resolve) => {
      const s = net.connect(port, host, () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
    });

  it('127.0.0.1 by default: another loopback address is refused', { timeout: 30_000 }, async (t) => {
    const server = await serverFor(t);
    assert.equal(server.host, '127.0.0.1');
    assert.equal(await refused('127.0.0.2', server.port), true, 'listening beyond 127.0.0.1');
    const wire = await connect(t, server.port, '127.0.0.1');
    assert.equal((await wire.request('initialize', INIT)).success, true);
  });

  it('--host picks the address', { timeout: 30_000 }, async (t) => {
    const server = await serverFor(t, ['--host=127.0.0.2']);
    assert.equal(server.host, '127.0.0.2');
    assert.equal(await refused('127.0.0.1', server.port), true);
    const wire = await connect(t, server.port, '127.0.0.2');
    assert.equal((await wire.request('initialize', INIT)).success, true);
  });

  it('a bad flag is a usage error (64)', { timeout: 30_000 }, async (t) => {
    const adapter = spawnAdapter(CLI, ['dap', '--server=4711', '--bind=0.0.0.0']);
    t.after(() => adapter.stop());
    assert.equal(await adapter.exited, 64);
    assert.match(adapter.stderr(), /unknown argument "--bind=0.0.0.0"[\s\S]*usage: apxm dap/);
  });
});

describe('a client that goes away mid-run', () => {
  const PROGRAM =
    'agent Slow { @entry flow main() -> str {\n  ask("one") -> a\n  ask("two " + a) -> b\n  ask("three " + b) -> c\n  ask("four " + c) -> d\n  return d } }\n';

  async function setUp(t: TestContext) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-dap-drop-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const program = path.join(dir, 'slow.ais');
    writeFileSync(program, PROGRAM);
    // every reply takes a while: a run that went on would send the next ask after it
    const llm = await startFakeOpenAi(() => ({ delayMs: 400, reply: 'ok' }));
    t.after(() => llm.close());
    return { dir, program, db: path.join(dir, 'runs.sqlite'), llm };
  }

  async function startRun(wire: DapWire, program: string, db: string, baseUrl: string): Promise<void> {
    await wire.request('initialize', INIT);
    const launched = wire.request('launch', { program, db, llm: { provider: 'openai', baseUrl, apiKey: 'k' } });
    await wire.event('initialized');
    await wire.request('configurationDone');
    assert.equal((await launched).success, true);
  }

  /** The run's status once it is no longer running, or 'running' after `tries` looks 100 ms apart. */
  async function finalStatus(db: string, tries = 300): Promise<string> {
    for (let i = 0; ; i++) {
      const store = await openStorage(db);
      try {
        const status = store.runList(1)[0]?.status;
        if ((status && status !== 'running') || i >= tries) return status ?? 'none';
      } finally {
        store.close();
      }
      await sleep(100);
    }
  }

  /** Files of `dir` the process holds open. */
  const openFilesIn = (pid: number, dir: string) =>
    readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        return target.startsWith(dir) ? [target] : [];
      } catch {
        return [];
      }
    });

  it(
    'over TCP: the run is cancelled, its LLM call aborted, nothing more is sent, the database is closed',
    { timeout: 60_000 },
    async (t) => {
      const { dir, program, db, llm } = await setUp(t);
      const server = await serverFor(t);
      const wire = await connect(t, server.port);
      await startRun(wire, program, db, llm.url);
      await llm.waitForRequests(1);
      wire.close();
      assert.equal(await finalStatus(db), 'cancelled');
      const pid = server.child.pid as number;
      // loops here are bounded: a loop left running after a timeout would keep the test process alive
      for (let i = 0; i < 300 && openFilesIn(pid, dir).length; i++) await sleep(100);
      assert.deepEqual(openFilesIn(pid, dir), [], 'the database is closed');
      assert.equal(llm.requests.length, 1, 'no LLM call after the client went away');
      // the server goes on serving others
      await runToEnd(await connect(t, server.port), 'Cairo');
      assert.equal(llm.requests.length, 1);
    },
  );

  it(
    'over stdio: stdin ending cancels the run and the adapter exits 0 with the run recorded as cancelled',
    { timeout: 60_000 },
    async (t) => {
      const { program, db, llm } = await setUp(t);
      const adapter = adapterFor(t);
      const wire = DapWire.overStdio(adapter.child);
      await startRun(wire, program, db, llm.url);
      await llm.waitForRequests(1);
      wire.close();
      assert.equal(await adapter.exited, 0);
      assert.equal(await finalStatus(db, 0), 'cancelled', 'the run was ended with the process, not cancelled');
      assert.equal(llm.requests.length, 1);
    },
  );
});

describe('requests out of turn, in bursts, or with values past what they can hold', () => {
  /** Launches the trip planner stopped on entry (recorded in `db` when given). */
  async function launchStopped(wire: DapWire, db?: string): Promise<void> {
    await wire.request('initialize', INIT);
    const launched = wire.request('launch', { program: TRIP, args: { city: 'Oslo' }, stopOnEntry: true, ...(db ? { db } : {}) });
    await wire.event('initialized');
    await wire.request('configurationDone');
    assert.equal((await launched).success, true);
    await wire.event('stopped');
  }

  it(
    'stepping, continuing or pausing with no run is refused as not available, before launch and after the end',
    { timeout: 60_000 },
    async (t) => {
      const wire = DapWire.overStdio(adapterFor(t).child);
      await wire.request('initialize', INIT);
      const control: [string, unknown][] = [
        ['continue', { threadId: 1 }],
        ['next', { threadId: 1 }],
        ['stepIn', { threadId: 1 }],
        ['stepOut', { threadId: 1 }],
        ['pause', { threadId: 1 }],
      ];
      for (const [command, args] of control) {
        const r = await wire.request(command, args);
        assert.equal(r.success, false, `${command} before launch answered success`);
        assert.equal(errorOf(r), DapErrorId.notAvailable, command);
        assert.match(r.message ?? '', /no program is running/, command);
      }
      await runToEnd(wire, 'Oslo');
      for (const [command, args] of control) {
        const r = await wire.request(command, args);
        assert.equal(errorOf(r), DapErrorId.notAvailable, `${command} after the end: ${r.message}`);
      }
      // the session said it ended once: a late continue must not end it again
      assert.equal(wire.messages.filter((m) => m.type === 'event' && m.event === 'terminated').length, 1);
    },
  );

  it('a burst of restarts leaves one run: every run it replaced is cancelled, none is left held', { timeout: 90_000 }, async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-dap-restarts-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const db = path.join(dir, 'runs.sqlite');
    const adapter = adapterFor(t);
    const wire = DapWire.overStdio(adapter.child);
    await launchStopped(wire, db);
    const answers = await Promise.all(Array.from({ length: 8 }, () => wire.request('restart', {}, 30_000)));
    assert.ok(answers.every((r) => r.success));
    assert.equal((await wire.request('disconnect', {}, 30_000)).success, true);
    wire.close();
    await adapter.exited;
    const store = await openStorage(db);
    try {
      const runs = store.runList(100);
      assert.ok(runs.length >= 2, `runs recorded: ${runs.length}`);
      // concurrent restarts each started a run; all but the last were left paused on entry, never ended
      assert.deepEqual(
        runs.filter((r) => r.status === 'running').map((r) => r.runId),
        [],
        `statuses: ${runs.map((r) => r.status).join(', ')}`,
      );
    } finally {
      store.close();
    }
  });

  it('numbers out of range are named with their value, not as "an integer"', { timeout: 30_000 }, async (t) => {
    const wire = DapWire.overStdio(adapterFor(t).child);
    await wire.request('initialize', INIT);
    const cases: [string, unknown, RegExp][] = [
      ['stackTrace', { threadId: 1, startFrame: -1 }, /arguments\.startFrame must be an integer >= 0, not -1/],
      ['stackTrace', { threadId: 1e20 }, /arguments\.threadId must be an integer, not 100000000000000000000 \(past 2\^53/],
      ['variables', { variablesReference: 1.5 }, /arguments\.variablesReference must be an integer, not 1\.5/],
    ];
    for (const [command, args, why] of cases) {
      const r = await wire.request(command, args);
      assert.equal(errorOf(r), DapErrorId.badArguments, command);
      assert.match(r.message ?? '', why);
    }
  });

  it('a data breakpoint with a hit count that is not one is unverified, as a line breakpoint is', { timeout: 30_000 }, async (t) => {
    const wire = DapWire.overStdio(adapterFor(t).child);
    await wire.request('initialize', INIT);
    const r = await wire.request('setDataBreakpoints', {
      breakpoints: [
        { dataId: 'stm:x', hitCondition: '%%%' },
        { dataId: 'stm:y', hitCondition: '>= 2' },
      ],
    });
    const [bad, good] = (r.body as { breakpoints: { verified: boolean; message?: string }[] }).breakpoints;
    assert.equal(bad.verified, false);
    assert.match(bad.message ?? '', /invalid hit count "%%%"/);
    assert.equal(good.verified, true);
  });

  it('setVariable refuses a value nested past the limit; what it took can still be evaluated', { timeout: 60_000 }, async (t) => {
    const wire = DapWire.overStdio(adapterFor(t).child);
    await launchStopped(wire);
    const stack = await wire.request('stackTrace', { threadId: 1 });
    const frameId = (stack.body as { stackFrames: { id: number }[] }).stackFrames[0].id;
    const scopes = (await wire.request('scopes', { frameId })).body as { scopes: { name: string; variablesReference: number }[] };
    const stm = scopes.scopes.find((s) => s.name === 'STM')?.variablesReference as number;
    const deep = await wire.request('setVariable', {
      variablesReference: stm,
      name: 'deep',
      value: '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000),
    });
    assert.equal(deep.success, false);
    assert.equal(errorOf(deep), DapErrorId.badArguments);
    assert.match(deep.message ?? '', /arguments\.value nests deeper than 256 levels/);
    const ok = await wire.request('setVariable', {
      variablesReference: stm,
      name: 'ok',
      value: '{"a":'.repeat(200) + '1' + '}'.repeat(200),
    });
    assert.equal(ok.success, true, ok.message);
    const json = await wire.request('evaluate', { expression: 'stm.ok == stm.ok', frameId, context: 'repl' });
    assert.equal(json.success, true, json.message);
  });
});
