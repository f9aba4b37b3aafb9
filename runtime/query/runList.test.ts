import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ASK_MS, recordForkJoin, withRunDatabase } from '../../test/support/runDatabase.js';
import { openStorage } from '../memory/openStorage.js';
import { runList, runSummaryOf } from './runList.js';

const bytes = (db: string) => {
  const read = (f: string) => {
    try {
      return readFileSync(f).toString('base64');
    } catch {
      return '';
    }
  };
  return [read(db), read(`${db}-wal`)].join('|');
};

describe('runList', () => {
  it('lists recorded runs newest first with status, duration and tokens, and writes nothing', { timeout: 30_000 }, async () => {
    await withRunDatabase(async (db) => {
      const first = await recordForkJoin(db);
      const second = await recordForkJoin(db);
      const before = bytes(db);
      const storage = await openStorage(db, { readonly: true });
      try {
        const runs = runList(storage);
        assert.deepEqual(
          runs.map((r) => r.runId),
          [second.runId, first.runId],
        );
        for (const r of runs) {
          assert.equal(r.status, 'succeeded');
          assert.equal(r.entryFlow, 'Test.main');
          assert.ok(r.durationMs !== undefined && r.durationMs >= ASK_MS, `the run lasted at least the ASK's latency, got ${r.durationMs}`);
          assert.ok(r.tokens > 0, 'the ASK used tokens');
          assert.equal(r.llmCalls, 1);
          assert.equal(r.cost, 0, "run_end's cost: a simulated reply costs nothing");
          assert.equal(r.owner, undefined, 'a finished run has no owner');
        }
        assert.equal(runs[0].tokens, second.view.tokens, 'the tokens the live view counted');
        assert.equal(runSummaryOf(storage, first.runId)?.runId, first.runId);
        assert.equal(runSummaryOf(storage, 'nope'), undefined);
      } finally {
        storage.close();
      }
      assert.equal(bytes(db), before, 'a read-only listing leaves the database as it was');
    });
  });

  it(
    'sums the LLM calls of a run recorded before run_end carried totals, and shows a dead owner as interrupted',
    { timeout: 20_000 },
    async () => {
      await withRunDatabase(async (db) => {
        const storage = await openStorage(db);
        try {
          storage.runAcquire(
            { runId: 'old', program: 'p.json', entryFlow: 'A.main', status: 'running', startedAt: 1000, args: {} },
            { host: 'elsewhere', pid: 1, token: 't', startedAt: 1000, heartbeatAt: 1000, expiresAt: 2000 },
            1000,
          );
          const llm = (total: number) => ({ phase: 'ask', total_tokens: total, input_tokens: 1, output_tokens: total - 1 });
          storage.episodicAppend([
            { runId: 'old', frameId: null, nodeId: null, eventType: 'run_start', payload: {}, timestamp: 1000 },
            { runId: 'old', frameId: 1, nodeId: 1, eventType: 'llm_call', payload: llm(7), timestamp: 1001 },
            { runId: 'old', frameId: 1, nodeId: 2, eventType: 'llm_call', payload: llm(5), timestamp: 1002 },
          ]);
          const [r] = runList(storage, { now: 5000 });
          assert.equal(r.status, 'interrupted', 'its lease expired at 2000');
          assert.equal(r.tokens, 12);
          assert.equal(r.llmCalls, 2);
          assert.equal(r.cost, undefined, 'the calls name no model: no price');
          assert.equal(r.durationMs, undefined, 'it never finished');
          assert.deepEqual(Object.keys(r.owner ?? {}).sort(), ['expiresAt', 'heartbeatAt', 'host', 'pid', 'startedAt'], 'no lease token');
        } finally {
          storage.close();
        }
      });
    },
  );

  it(
    "takes the cost run_end recorded; sums a run's priced calls when run_end predates costs or the run is still going",
    { timeout: 20_000 },
    async () => {
      await withRunDatabase(async (db) => {
        const storage = await openStorage(db);
        try {
          const run = (runId: string, startedAt: number) =>
            storage.runAcquire(
              { runId, program: 'p.json', entryFlow: 'A.main', status: 'running', startedAt, args: {} },
              { host: 'here', pid: process.pid, token: 't', startedAt, heartbeatAt: startedAt, expiresAt: startedAt + 1e12 },
              startedAt,
            );
          const event = (runId: string, eventType: string, payload: Record<string, unknown>, nodeId: number | null = 1) => ({
            runId,
            frameId: nodeId === null ? null : 1,
            nodeId,
            eventType,
            payload: payload as never,
            timestamp: 1001,
          });
          // gpt-4o at $2.50 / $10 per 1M: 1000 in and 500 out is $0.0075
          const call = { model: 'gpt-4o', input_tokens: 1000, output_tokens: 500, total_tokens: 1500, simulated: false };
          run('ended', 1000);
          run('oldEnd', 2000);
          run('going', 3000);
          storage.episodicAppend([
            event('ended', 'llm_call', { ...call, cost: 0.5 }),
            event('ended', 'run_end', { status: 'succeeded', tokens: 1500, llm_calls: 1, cost: 0.5 }, null),
            event('oldEnd', 'llm_call', call),
            event('oldEnd', 'llm_call', call),
            event('oldEnd', 'run_end', { status: 'succeeded', tokens: 3000, llm_calls: 2 }, null),
            event('going', 'llm_call', { ...call, cost: 0.001 }),
            event('going', 'llm_call', { ...call, model: 'mine', cost: null }),
          ]);
          const byId = new Map(runList(storage, { now: 5000 }).map((r) => [r.runId, r]));
          assert.equal(byId.get('ended')!.cost, 0.5, "the prices of the run's time, not the table's now");
          assert.ok(Math.abs(byId.get('oldEnd')!.cost! - 0.015) < 1e-12, String(byId.get('oldEnd')!.cost));
          assert.equal(byId.get('oldEnd')!.tokens, 3000);
          assert.equal(byId.get('going')!.cost, undefined, 'one call without a price: no partial sum');
          assert.equal(byId.get('going')!.llmCalls, 2);
        } finally {
          storage.close();
        }
      });
    },
  );
});
