/**
 * The memory inspector's requests (protocol/memoryProtocol.ts) through DebugClient over real stdio,
 * on a real SQLite file: pages, search, provenance, edits while stopped (and seen by the next op),
 * refusals while running, after the end and in a replay, bad arguments, and "watch this key".
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { graphJson } from '../test/support/graphBuilder.js';
import { errorOf, launch, withClient } from '../test/support/debugClient.js';
import { openStorage } from '../runtime/memory/openStorage.js';
import type { ApxmRequests } from './customProtocol.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-memreq-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Body<K extends keyof ApxmRequests> = ApxmRequests[K]['body'];

/** UMEM to LTM and STM, a PRINT to stop at, then QMEM reads the STM key back and PRINT shows it. */
const PROGRAM = path.join(dir, 'memory.json');
writeFileSync(
  PROGRAM,
  JSON.stringify(
    graphJson({
      nodes: [
        [1, 'UMEM', { key: 'fact', memory_tier: 'ltm', value: 'Oslo is the capital of Norway' }, 'remember'],
        [2, 'UMEM', { key: 'scratch', value: 'draft' }, 'note'],
        [3, 'PRINT', { message: 'checkpoint' }, 'checkpoint'],
        [4, 'QMEM', { query: 'scratch', memory_tier: 'stm' }, 'recall'],
        [5, 'RETURN', {}, 'done'],
      ],
      edges: [
        [1, 2, 'Control'],
        [2, 3, 'Control'],
        [3, 4, 'Control'],
        [4, 5],
      ],
    }),
  ),
);

async function request<K extends keyof ApxmRequests>(dc: DebugClient, name: K, args: ApxmRequests[K]['arguments']): Promise<Body<K>> {
  return (await dc.customRequest(name, args)).body as Body<K>;
}

const page = (dc: DebugClient, args: ApxmRequests['apxm/memoryPage']['arguments']) => request(dc, 'apxm/memoryPage', args);

describe('memory inspector requests', () => {
  it('pages, searches and traces a key while stopped; edits STM (the next op sees it), beliefs and LTM', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const db = path.join(dir, 'live.sqlite');
      // before any run: a clear refusal, not an empty table
      const early = await errorOf(dc, 'apxm/memoryPage', { tab: 'ltm', offset: 0, limit: 10 });
      assert.match(early.message, /no run yet/);
      const { event } = await launch(
        dc,
        { program: PROGRAM, db },
        { setup: () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'PRINT' }] }), until: 'stopped', timeoutMs: 30_000 },
      );
      const stopped = event as DebugProtocol.StoppedEvent;
      assert.equal(stopped.body.reason, 'breakpoint');

      const ltm = await page(dc, { tab: 'ltm', offset: 0, limit: 50 });
      assert.equal(ltm.total, 1);
      assert.equal(ltm.rows[0].key, 'fact');
      assert.equal(ltm.rows[0].value.text, 'Oslo is the capital of Norway');
      assert.equal(ltm.rows[0].changed, true, 'written since the run began');
      assert.equal(ltm.stop, 1);
      const found = await page(dc, { tab: 'ltm', offset: 0, limit: 50, search: 'norway capital' });
      assert.deepEqual(
        found.rows.map((r) => r.key),
        ['fact'],
      );
      assert.equal((await page(dc, { tab: 'ltm', offset: 0, limit: 50, prefix: 'zzz' })).total, 0);
      const stm = await page(dc, { tab: 'stm', offset: 0, limit: 50 });
      assert.deepEqual(
        stm.rows.map((r) => [r.key, r.value.text]),
        [['scratch', 'draft']],
      );
      const epi = await page(dc, { tab: 'episodic', offset: 0, limit: 5 });
      assert.ok(epi.total > 5 && epi.rows.length === 5, 'a page, not the whole log');
      assert.ok(epi.rows[0].event && epi.rows[0].event.seq > epi.rows[4].event!.seq, 'newest first');

      const prov = await request(dc, 'apxm/memoryProvenance', { tab: 'ltm', key: 'fact' });
      assert.equal(prov.writes.length, 1);
      assert.deepEqual(
        [prov.writes[0].flow, prov.writes[0].nodeId, prov.writes[0].name, prov.writes[0].thisRun],
        ['Test.main', 1, 'remember', true],
      );
      const belief = await request(dc, 'apxm/memoryProvenance', { tab: 'beliefs', key: 'scratch' });
      assert.equal(belief.writes[0].nodeId, 2);
      assert.equal(belief.writes[0].flow, 'Test.main', 'the belief change is tied to its op in this run');

      // edits while stopped
      const set = await request(dc, 'apxm/memorySet', { tab: 'stm', key: 'scratch', value: '"edited by hand"' });
      assert.equal(set.row.value.text, 'edited by hand');
      await request(dc, 'apxm/memorySet', { tab: 'beliefs', key: 'mood', value: '{"calm": true}' });
      const beliefs = await page(dc, { tab: 'beliefs', offset: 0, limit: 50 });
      assert.equal(beliefs.rows.find((r) => r.key === 'mood')?.changed, true);
      const deep = await errorOf(dc, 'apxm/memorySet', { tab: 'stm', key: 'x', value: '['.repeat(300) + ']'.repeat(300) });
      assert.equal(deep.id, 3001);
      assert.match(deep.message, /nests deeper than 256 levels/);
      // the Variables view shows the same edit (one code path)
      const frames = await dc.stackTraceRequest({ threadId: stopped.body.threadId as number });
      const scopes = await dc.scopesRequest({ frameId: frames.body.stackFrames[0].id });
      const stmScope = scopes.body.scopes.find((s) => s.name === 'STM')!;
      const vars = await dc.variablesRequest({ variablesReference: stmScope.variablesReference });
      assert.equal(vars.body.variables.find((v) => v.name === 'scratch')?.value, '"edited by hand"');

      // a step (PRINT runs): the STM edit made at stop 1 is still new at stop 2; the LTM row written before stop 1 is not
      const step = () => Promise.all([dc.nextRequest({ threadId: stopped.body.threadId as number }), dc.waitForEvent('stopped', 30_000)]);
      await step();
      const ltm2 = await page(dc, { tab: 'ltm', offset: 0, limit: 50 });
      assert.equal(ltm2.stop, 2);
      assert.equal(ltm2.rows[0].changed, undefined);
      assert.equal((await page(dc, { tab: 'stm', offset: 0, limit: 50 })).rows[0].changed, true);
      // the next op (QMEM) reads the edited value
      await step();
      const recalled = await dc.evaluateRequest({ expression: 'recall', context: 'watch' });
      const item = await dc.variablesRequest({ variablesReference: recalled.body.variablesReference });
      const first = await dc.variablesRequest({ variablesReference: item.body.variables[0].variablesReference });
      assert.equal(first.body.variables.find((v) => v.name === 'value')?.value, '"edited by hand"');
      assert.equal((await page(dc, { tab: 'stm', offset: 0, limit: 50 })).rows[0].changed, undefined, 'not written since stop 2');

      const del = await request(dc, 'apxm/memoryDelete', { tab: 'ltm', key: 'fact' });
      assert.equal(del.deleted, true);
      assert.equal((await page(dc, { tab: 'ltm', offset: 0, limit: 50 })).total, 0);
      assert.equal((await request(dc, 'apxm/memoryDelete', { tab: 'ltm', key: 'fact' })).deleted, false);

      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated', 30_000)]);
      // after the end: read, not edit
      assert.equal((await page(dc, { tab: 'stm', offset: 0, limit: 50 })).rows[0].key, 'scratch');
      const ended = await errorOf(dc, 'apxm/memorySet', { tab: 'stm', key: 'scratch', value: '1' });
      assert.equal(ended.id, 3003);
      assert.match(ended.message, /cannot set STM key 'scratch': the run has ended/);
    }),
  );

  it('refuses edits while the run is not stopped, and bad arguments by field', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const file = path.join(dir, 'waits.json');
      writeFileSync(
        file,
        JSON.stringify(
          graphJson({
            nodes: [
              [1, 'UMEM', { key: 'k', value: 1 }],
              [2, 'PAUSE', { message: 'hold on', checkpoint_id: 'hold' }],
            ],
            edges: [[1, 2]],
          }),
        ),
      );
      const waiting = dc.waitForEvent('apxm/pauseWaiting', 30_000);
      await launch(dc, { program: file });
      await waiting;
      // the run waits for a human, the debugger has not stopped it
      const running = await errorOf(dc, 'apxm/memorySet', { tab: 'stm', key: 'k', value: '2' });
      assert.equal(running.id, 3003);
      assert.match(running.message, /the run is not stopped: pause it or stop at a breakpoint first/);
      assert.match((await errorOf(dc, 'apxm/memoryDelete', { tab: 'beliefs', key: 'k' })).message, /not stopped/);
      // reads work while it runs
      assert.equal((await page(dc, { tab: 'stm', offset: 0, limit: 10 })).rows[0].key, 'k');
      const bad: [string, unknown, RegExp][] = [
        [
          'apxm/memoryPage',
          { tab: 'heap', offset: 0, limit: 10 },
          /arguments\.tab must be "stm" or "ltm" or "episodic" or "beliefs" or "goals"/,
        ],
        ['apxm/memoryPage', { tab: 'ltm', offset: -1, limit: 10 }, /arguments\.offset must be an integer >= 0, not -1/],
        ['apxm/memoryPage', { tab: 'ltm', offset: 0, limit: 0 }, /arguments\.limit must be an integer from 1 to 500, not 0/],
        ['apxm/memoryPage', { tab: 'ltm', offset: 0 }, /arguments\.limit is missing/],
        ['apxm/memoryPage', { tab: 'ltm', offset: 0, limit: 10, sort: 'size' }, /arguments\.sort must be "key" or "updated"/],
        ['apxm/memoryProvenance', { tab: 'episodic', key: 'x' }, /arguments\.tab must be "stm" or "ltm" or "beliefs" or "goals"/],
        ['apxm/memorySet', { tab: 'ltm', key: 'x', value: '1' }, /arguments\.tab must be "stm" or "beliefs"/],
        ['apxm/memorySet', { tab: 'stm', key: 'x', value: 1 }, /arguments\.value must be a string, not an integer/],
        ['apxm/memoryDelete', { tab: 'goals', key: 'x' }, /arguments\.tab must be "stm" or "ltm" or "beliefs"/],
        ['apxm/watchKey', { tier: 'stm', key: 'x' }, /arguments\.watch is missing/],
        ['apxm/watchKey', { tier: 'stm', key: '', watch: true }, /arguments\.key must not be empty/],
      ];
      for (const [command, args, message] of bad) {
        const e = await errorOf(dc, command, args);
        assert.equal(e.id, 3001, `${command} ${JSON.stringify(args)}: ${e.message}`);
        assert.match(e.message, message);
      }
      await Promise.all([
        dc.customRequest('apxm/answerPause', { checkpointId: 'hold', text: 'ok' }),
        dc.waitForEvent('terminated', 30_000),
      ]);
    }),
  );

  it('"watch this key" stops the run at the op that writes it; unwatched, it runs through', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      await launch(dc, { program: PROGRAM, stopOnEntry: true }, { until: 'stopped', timeoutMs: 30_000 });
      const w = await request(dc, 'apxm/watchKey', { tier: 'stm', key: 'scratch', watch: true });
      assert.deepEqual(w, { dataId: 'stm:scratch', watching: ['stm:scratch'] });
      // the Breakpoints view replacing its data breakpoints does not drop a watch
      await dc.setDataBreakpointsRequest({ breakpoints: [] });
      const hit = dc.waitForEvent('stopped', 30_000);
      await dc.continueRequest({ threadId: 1 });
      const stopped = (await hit) as DebugProtocol.StoppedEvent;
      assert.equal(stopped.body.reason, 'data breakpoint');
      assert.deepEqual((await request(dc, 'apxm/watchKey', { tier: 'stm', key: 'scratch', watch: false })).watching, []);
      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated', 30_000)]);
    }),
  );

  it('in a replay: pages and provenance read the re-executed run; edits are refused with the reason', { timeout: 60_000 }, async (t) => {
    const db = path.join(dir, 'replayed.sqlite');
    await withClient(t, async (dc) => {
      await launch(dc, { program: PROGRAM, db, noDebug: true }, { until: 'terminated' });
    });
    const store = await openStorage(db);
    const runId = store.runList(1)[0].runId;
    store.close();
    await withClient(t, async (dc) => {
      await launch(
        dc,
        { program: PROGRAM, db, replay: runId },
        { setup: () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'PRINT' }] }), until: 'stopped', timeoutMs: 30_000 },
      );
      const stm = await page(dc, { tab: 'stm', offset: 0, limit: 10 });
      assert.deepEqual(
        stm.rows.map((r) => r.key),
        ['scratch'],
      );
      const ltm = await page(dc, { tab: 'ltm', offset: 0, limit: 10 });
      assert.equal(ltm.rows[0]?.key, 'fact');
      const prov = await request(dc, 'apxm/memoryProvenance', { tab: 'stm', key: 'scratch' });
      assert.equal(prov.writes[0]?.nodeId, 2);
      const refused = await errorOf(dc, 'apxm/memorySet', { tab: 'stm', key: 'scratch', value: '"x"' });
      assert.equal(refused.id, 3003);
      assert.match(refused.message, /replays a recorded run/);
      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated', 30_000)]);
    });
  });
});
