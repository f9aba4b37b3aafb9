/**
 * The adapter driven through the Debug Adapter Protocol, as VS Code drives it (the part about
 * state a session changes, runs it restarts, records or replays, its database, the TCP server and
 * the LLM timeout; stepping and breakpoints are in apxmDebugSession.test.ts): `DebugClient` starts
 * `dapMain.js` over stdio (and once over TCP).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { openStorage } from '../runtime/memory/openStorage.js';
import { startFakeOpenAi } from '../test/support/fakeOpenAiServer.js';
import { spawnDapServer } from '../test/support/dapWire.js';
import { closeDebugClient, launch, openDebugClient, outputs, scopeVariables, topFrame, withClient } from '../test/support/debugClient.js';
import { logger } from '@vscode/debugadapter';
import Database from 'better-sqlite3';
import { ApxmDebugSession } from './apxmDebugSession.js';
import { startDapServer } from './dapServer.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ADAPTER = path.join(HERE, 'dapMain.js');
const CLI = path.join(HERE, 'apxmCli.js');
const EXAMPLES = path.resolve(HERE, '../../examples');
const example = (name: string) => path.join(EXAMPLES, name);

describe('debug adapter over DAP: state, runs and databases', () => {
  describe('changing state and watching memory', () => {
    let dir: string;
    let file: string;
    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-dap-mem-'));
      file = path.join(dir, 'memo.ais');
      writeFileSync(
        file,
        [
          'agent T { @entry flow main(x: str) -> str {',
          '  umem(x, "stm")',
          '  qmem("x", "stm") -> got',
          '  print("got " + got)',
          '  return "ok" } }',
        ].join('\n'),
      );
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('a data breakpoint on an STM key stops at the op that writes it', { timeout: 60_000 }, (t) =>
      withClient(t, async (dc) => {
        await launch(dc, { program: file, args: { x: 'hello' }, stopOnEntry: true }, { until: 'stopped' });
        const frame = await topFrame(dc);
        const stm = (await dc.scopesRequest({ frameId: frame.id })).body.scopes.find((x) => x.name === 'STM') as DebugProtocol.Scope;
        const info = await dc.dataBreakpointInfoRequest({ variablesReference: stm.variablesReference, name: 'x' });
        assert.equal(info.body.dataId, 'stm:x');
        const set = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: 'stm:x', accessType: 'write' }] });
        assert.equal(set.body.breakpoints[0].verified, true);
        await Promise.all([dc.continueRequest({ threadId: 1 }), dc.assertStoppedLocation('data breakpoint', { line: 2 })]);
        await dc.terminateRequest();
      }),
    );

    it('setVariable on STM changes what the next op reads; completions offer the STM keys', { timeout: 60_000 }, (t) =>
      withClient(t, async (dc) => {
        const out = outputs(dc, 'stdout');
        await dc.hitBreakpoint({ program: file, args: { x: 'hello' } }, { path: file, line: 3 });
        const frame = await topFrame(dc);
        const stm = (await dc.scopesRequest({ frameId: frame.id })).body.scopes.find((x) => x.name === 'STM') as DebugProtocol.Scope;
        const r = await dc.setVariableRequest({ variablesReference: stm.variablesReference, name: 'x', value: '"changed"' });
        assert.equal(r.body.value, '"changed"');
        assert.equal((await dc.evaluateRequest({ expression: 'stm.x', frameId: frame.id, context: 'repl' })).body.result, '"changed"');
        const c = await dc.completionsRequest({ text: 'stm.', column: 5, frameId: frame.id });
        assert.deepEqual(
          c.body.targets.map((t) => t.label),
          ['x'],
        );
        await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
        assert.ok(
          out.some((o) => o.includes('"value":"changed"')),
          out.join('|'),
        );
      }),
    );
  });

  it('setVariable on the inputs of a waiting op changes what it runs with', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const file = example('trip_planner.ais');
      const out = outputs(dc, 'stdout');
      await dc.hitBreakpoint({ program: file, args: { city: 'Lisbon' } }, { path: file, line: 10 });
      const frame = await topFrame(dc);
      const op = await scopeVariables(dc, frame.id, 'Operation');
      const inputs = op.find((v) => v.name === 'inputs') as DebugProtocol.Variable;
      await dc.setVariableRequest({ variablesReference: inputs.variablesReference, name: '[0]', value: 'only museums' });
      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
      assert.ok(
        out.some((o) => o.includes('using: only museums')),
        out.join('|'),
      );
    }),
  );

  it('stepInTargets lists the ready ops; stepping into one runs that one', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      await launch(dc, { program: example('trip_planner.ais'), args: { city: 'Oslo' }, stopOnEntry: true }, { until: 'stopped' });
      const frame = await topFrame(dc);
      const t = await dc.stepInTargetsRequest({ frameId: frame.id });
      assert.deepEqual(t.body.targets.map((x) => x.label.split(' ')[1]).sort(), ['food', 'stay', 'transport']);
      const transport = t.body.targets.find((x) => x.label.startsWith('ASK transport')) as DebugProtocol.StepInTarget;
      await Promise.all([dc.stepInRequest({ threadId: 1, targetId: transport.id }), dc.waitForEvent('stopped')]);
      const outs = await scopeVariables(dc, (await topFrame(dc)).id, 'Node outputs');
      assert.deepEqual(
        outs.map((v) => v.name.replace(/ \(#\d+\)$/, '')),
        ['transport'],
      );
      await dc.terminateRequest();
    }),
  );

  it('restart runs the program again in the same session, breakpoints kept', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const file = example('trip_planner.ais');
      await dc.hitBreakpoint({ program: file, args: { city: 'Lisbon' } }, { path: file, line: 10 });
      await Promise.all([dc.customRequest('restart', {}), dc.assertStoppedLocation('breakpoint', { line: 10 })]);
      const outs = await scopeVariables(dc, (await topFrame(dc)).id, 'Node outputs');
      assert.equal(outs.length, 4, 'the second run got to the same place');
      await dc.terminateRequest();
    }),
  );

  it('a PAUSE waits for a human answer given in the Debug Console', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-dap-pause-'));
      try {
        const file = path.join(dir, 'approve.ais');
        writeFileSync(
          file,
          'agent H { @entry flow main(plan: str) -> str {\n  pause("Approve " + plan + "?") -> verdict\n  print("verdict: " + verdict)\n  return verdict } }\n',
        );
        const out = outputs(dc, 'stdout');
        const asked = new Promise<string>((resolve) =>
          dc.on('output', (e: DebugProtocol.OutputEvent) => {
            if (e.body.category === 'important') resolve(e.body.output);
          }),
        );
        await launch(dc, { program: file, args: { plan: 'the launch' } });
        assert.match(await asked, /Approve the launch\?/);
        // The run may end before the evaluate reply arrives: listen for the end first.
        const terminated = dc.waitForEvent('terminated');
        const r = await dc.evaluateRequest({ expression: 'answer("yes, go")', context: 'repl' });
        assert.match(r.body.result, /answered/);
        await terminated;
        assert.ok(out.includes('verdict: yes, go\n'), out.join('|'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
  );

  describe('with a database', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-dap-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('program, db and capabilities are relative to cwd', { timeout: 60_000 }, (t) =>
      withClient(t, async (dc) => {
        copyFileSync(example('apxm.capabilities.mjs'), path.join(dir, 'tools.mjs'));
        const program = path.relative(dir, example('resilient_digest.ais'));
        await launch(
          dc,
          { program, cwd: dir, db: 'relative.sqlite', capabilities: 'tools.mjs', args: { topic: 'rust' }, noDebug: true },
          { until: 'terminated' },
        );
        const store = await openStorage(path.join(dir, 'relative.sqlite'));
        try {
          assert.equal(store.runList(10)[0]?.status, 'succeeded');
        } finally {
          store.close();
        }
      }),
    );

    it('the LTM and Episodic scopes show what the SQLite file holds', { timeout: 60_000 }, (t) =>
      withClient(t, async (dc) => {
        const db = path.join(dir, 'notes.sqlite');
        const file = example('notes_memory.ais');
        const first = await openDebugClient(t, ADAPTER);
        try {
          await launch(first, { program: file, args: { question: 'capital of France' }, db, noDebug: true }, { until: 'terminated' });
        } finally {
          await closeDebugClient(first);
        }
        await dc.hitBreakpoint({ program: file, args: { question: 'capital of France' }, db }, { path: file, line: 15 });
        const frame = await topFrame(dc);
        const ltm = await scopeVariables(dc, frame.id, 'LTM');
        const store = await openStorage(db);
        try {
          const rows = store.ltmList(0, 100);
          assert.deepEqual(ltm.map((v) => v.name).sort(), rows.map((r) => r.key).sort());
          assert.ok(rows.some((r) => r.key === 'answer'));
        } finally {
          store.close();
        }
        const found = await dc.evaluateRequest({ expression: 'ltm.search("France", 3)', frameId: frame.id, context: 'repl' });
        assert.equal(found.body.result, '[1 item]', 'the Debug Console searches LTM');
        const epi = await scopeVariables(dc, frame.id, 'Episodic');
        assert.ok(epi.length > 0 && epi.every((v) => /^#\d+ /.test(v.name)), epi.map((v) => v.name).join(', '));
        assert.ok(
          epi.some((v) => /op_success node 1$/.test(v.name)),
          'the memory query that ran before the breakpoint is in the trace',
        );
        await dc.terminateRequest();
      }),
    );

    it('replay: a recorded run re-executes with the LLM server gone, breakpoints and all, same output', { timeout: 60_000 }, async (t) => {
      const db = path.join(dir, 'replay.sqlite');
      const file = example('trip_planner.ais');
      let n = 0;
      const server = await startFakeOpenAi((req) => ({
        reply: `live answer ${++n} to ${String(req.body.messages.at(-1)?.content).slice(0, 20)}`,
      }));
      t.after(() => server.close());
      let livePrint: string[] = [];
      try {
        await withClient(t, async (dc) => {
          livePrint = outputs(dc, 'stdout');
          await launch(
            dc,
            {
              program: file,
              args: { city: 'Porto' },
              db,
              noDebug: true,
              llm: { provider: 'openai', baseUrl: server.url, apiKey: 'k' },
            },
            { until: 'terminated' },
          );
        });
      } finally {
        await server.close();
      }
      assert.equal(n, 4);
      assert.match(livePrint.join(''), /^Plan: live answer 4/);
      const store = await openStorage(db);
      const runId = store.runList(1)[0].runId;
      store.close();
      await withClient(t, async (dc) => {
        const out = outputs(dc, 'stdout');
        const all = outputs(dc);
        await dc.hitBreakpoint({ program: file, db, replay: runId }, { path: file, line: 10 });
        const frame = await topFrame(dc);
        const op = await scopeVariables(dc, frame.id, 'Operation');
        assert.equal(op.find((v) => v.name === 'op')?.value, '"THINK"');
        await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
        assert.deepEqual(out, livePrint, 'the replay printed what the live run printed');
        // each LLM call says where its reply came from: the recording, not a simulated model
        const calls = all.filter((o) => o.startsWith('▸ '));
        assert.equal(calls.length, 4, all.join(''));
        for (const c of calls) assert.match(c, / \(replayed\)\n$/, c);
      });
    });

    it('step back and reverse continue in a replay re-execute to the earlier op, with the same values', { timeout: 60_000 }, async (t) => {
      const db = path.join(dir, 'stepback.sqlite');
      const file = example('trip_planner.ais');
      await withClient(t, async (dc) => {
        await launch(dc, { program: file, args: { city: 'Kyoto' }, db, noDebug: true }, { until: 'terminated' });
      });
      const store = await openStorage(db);
      const runId = store.runList(1)[0].runId;
      store.close();
      await withClient(t, async (dc) => {
        const outputsNow = async () =>
          (await scopeVariables(dc, (await topFrame(dc)).id, 'Node outputs')).map((v) => `${v.name}=${v.value}`);
        await launch(dc, { program: file, db, replay: runId, stopOnEntry: true }, { until: 'stopped' });
        await dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: 10 }] });
        for (let k = 0; k < 3; k++) await Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
        const three = await outputsNow();
        assert.equal(three.length, 3);
        await Promise.all([dc.stepBackRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
        const two = await outputsNow();
        assert.deepEqual(two, three.slice(0, 2), 'one op fewer, the others with their recorded values');
        await Promise.all([dc.continueRequest({ threadId: 1 }), dc.assertStoppedLocation('breakpoint', { line: 10 })]);
        const atBreakpoint = await outputsNow();
        await Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
        assert.equal((await outputsNow()).length, atBreakpoint.length + 1);
        await Promise.all([dc.reverseContinueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
        assert.deepEqual(await outputsNow(), atBreakpoint, 'back where the breakpoint stopped');
        await dc.terminateRequest();
      });
    });

    it('step back in a live session says it needs a replay', { timeout: 60_000 }, (t) =>
      withClient(t, async (dc) => {
        await launch(dc, { program: example('trip_planner.ais'), args: { city: 'x' }, stopOnEntry: true }, { until: 'stopped' });
        await assert.rejects(dc.stepBackRequest({ threadId: 1 }), /replay sessions/);
        await dc.terminateRequest();
      }),
    );

    it('terminate mid-run leaves a consistent database with the run recorded as cancelled', { timeout: 60_000 }, (t) =>
      withClient(t, async (dc) => {
        const db = path.join(dir, 'trip.sqlite');
        await launch(dc, { program: example('trip_planner.ais'), args: { city: 'Rome' }, db, stopOnEntry: true }, { until: 'stopped' });
        await Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
        await Promise.all([dc.terminateRequest(), dc.waitForEvent('terminated')]);
        await dc.disconnectRequest({});
        const store = await openStorage(db);
        try {
          const runs = store.runList(10);
          assert.equal(runs.length, 1);
          assert.equal(runs[0].status, 'cancelled');
          assert.ok(store.episodicCount(runs[0].runId) > 0);
        } finally {
          store.close();
        }
      }),
    );
  });

  it(
    'runs inline in its host process (as in the extension host), one session per connection, logging nothing away',
    { timeout: 60_000 },
    async (t) => {
      const queued = () => (logger as unknown as { _pendingLogQ?: unknown[] | null })._pendingLogQ?.length ?? 0;
      const before = queued();
      const server = await startDapServer(() => new ApxmDebugSession(), { port: 0 });
      t.after(() => server.close());
      const file = example('trip_planner.ais');
      for (const city of ['Bern', 'Graz']) {
        const dc = await openDebugClient(t, ADAPTER, server.port);
        try {
          const out = outputs(dc, 'stdout');
          await dc.hitBreakpoint({ program: file, args: { city } }, { path: file, line: 11 });
          await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
          assert.ok(out.some((o) => o.startsWith('Plan: [simulated]')));
        } finally {
          await closeDebugClient(dc);
        }
      }
      // the library's LoggingDebugSession queued every message in a global array that nothing drained
      assert.equal(queued(), before, 'messages were queued in the library logger');
    },
  );

  it("the run's end is in its database when the client is told the run exited", { timeout: 60_000 }, async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-dap-exited-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const db = path.join(dir, 'runs.sqlite');
    // read with a connection of its own, in the same turn the adapter sends `exited` (a client in another process may read then)
    const seen: string[] = [];
    const server = await startDapServer(
      () => {
        const session = new ApxmDebugSession();
        const send = session.sendEvent.bind(session);
        session.sendEvent = (e: DebugProtocol.Event) => {
          if (e.event === 'exited') {
            const read = new Database(db, { readonly: true });
            try {
              const row = read.prepare('SELECT status FROM runs').get() as { status: string } | undefined;
              const ends = read.prepare("SELECT COUNT(*) AS n FROM episodic WHERE event_type = 'run_end'").get() as { n: number };
              seen.push(`${row?.status}/${ends.n}`);
            } finally {
              read.close();
            }
          }
          send(e);
        };
        return session;
      },
      { port: 0 },
    );
    t.after(() => server.close());
    const dc = await openDebugClient(t, ADAPTER, server.port);
    try {
      await launch(dc, { program: example('trip_planner.ais'), args: { city: 'Oslo' }, db, noDebug: true }, { until: 'terminated' });
    } finally {
      await closeDebugClient(dc);
    }
    assert.deepEqual(seen, ['succeeded/1']);
  });

  it('apxm dap --server=PORT serves DAP over TCP', { timeout: 60_000 }, async (t) => {
    const server = await spawnDapServer(CLI);
    t.after(() => server.stop());
    const dc = await openDebugClient(t, ADAPTER, server.port);
    const out = outputs(dc, 'stdout');
    await launch(dc, { program: example('trip_planner.ais'), args: { city: 'Lima' }, noDebug: true }, { until: 'terminated' });
    assert.ok(out.some((o) => o.startsWith('Plan: ')));
    await closeDebugClient(dc);
    assert.doesNotMatch(server.stderr(), /internal error/);
  });
});

describe('the LLM timeout in a debug session', () => {
  it('comes from apxm.config.json next to the program, and llm.timeoutMs in the launch overrides it', { timeout: 60_000 }, async (t) => {
    const server = await startFakeOpenAi(() => ({ hang: true }));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-dap-timeout-'));
    t.after(async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    copyFileSync(example('trip_planner.ais'), path.join(dir, 'trip_planner.ais'));
    writeFileSync(path.join(dir, 'apxm.config.json'), JSON.stringify({ llm: { timeoutMs: 100 } }));
    const program = path.join(dir, 'trip_planner.ais');
    let description = '';
    // the file's 100 ms, then the launch's own 150 ms, are the ones the error names
    await withClient(t, async (dc) => {
      await dc.launch({ program, args: { city: 'Oslo' }, llm: { provider: 'openai', baseUrl: server.url } });
      await Promise.all([dc.configurationDoneRequest(), dc.assertStoppedLocation('exception', {})]);
      description = (await dc.exceptionInfoRequest({ threadId: 1 })).body.description ?? '';
    });
    assert.match(description, /within 100 ms/);
    await withClient(t, async (dc) => {
      await dc.launch({ program, args: { city: 'Oslo' }, llm: { provider: 'openai', baseUrl: server.url, timeoutMs: 150 } });
      await Promise.all([dc.configurationDoneRequest(), dc.assertStoppedLocation('exception', {})]);
      description = (await dc.exceptionInfoRequest({ threadId: 1 })).body.description ?? '';
    });
    assert.match(description, /within 150 ms/);
  });

  it('a bad llm.timeoutMs in the launch is refused, naming the field and the range', { timeout: 30_000 }, (t) =>
    withClient(t, async (dc) => {
      await assert.rejects(
        dc.launch({ program: example('trip_planner.ais'), args: { city: 'Oslo' }, llm: { timeoutMs: 'soon' } }),
        (e: Error) => {
          assert.match(e.message, /"llm\.timeoutMs" must be a whole number of milliseconds from 1 to 86400000/);
          return true;
        },
      );
    }),
  );
});
