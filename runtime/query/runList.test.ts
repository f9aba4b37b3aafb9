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
          assert.equal(r.durationMs, undefined, 'it never finished');
          assert.deepEqual(Object.keys(r.owner ?? {}).sort(), ['expiresAt', 'heartbeatAt', 'host', 'pid', 'startedAt'], 'no lease token');
        } finally {
          storage.close();
        }
      });
    },
  );
});
