/** The Runs view's source over a real database, for both hosts: run here under Node 20 (CLI) and Node 24 (node:sqlite). */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { APXM_CLI } from '../../test/support/apxmCli.js';
import { recordForkJoin, withRunDatabase } from '../../test/support/runDatabase.js';
import { deleteRun, exportTrace, readRuns, readTimeline, type RunsSourceOptions } from './runsSource.js';

export function runsSourceCases(inProcess: boolean): void {
  const via = inProcess ? 'node:sqlite' : 'cli';
  const options = (db: string): RunsSourceOptions => ({
    db,
    cliScript: APXM_CLI,
    hostExecPath: process.execPath,
    nodePath: process.execPath,
    inProcess,
  });

  it(`${via}: lists the runs, their timeline, exports a trace and deletes one run only`, { timeout: 90_000 }, async () => {
    await withRunDatabase(async (db, dir) => {
      const a = await recordForkJoin(db);
      const b = await recordForkJoin(db);
      const read = await readRuns(options(db));
      assert.ok('runs' in read, JSON.stringify(read));
      assert.equal(read.via, via);
      assert.deepEqual(
        read.runs.map((r) => r.runId),
        [b.runId, a.runId],
      );
      assert.ok(read.runs.every((r) => r.status === 'succeeded' && r.tokens > 0));
      const timeline = await readTimeline(options(db), { runId: a.runId });
      assert.equal(timeline.bars.length, 4);
      const file = path.join(dir, 'a.trace.json');
      await exportTrace(options(db), a.runId, file);
      assert.deepEqual(await readTimeline(options(db), { traceFile: file }), timeline, 'the exported trace has the same timeline');
      await deleteRun(options(db), b.runId);
      const after = await readRuns(options(db));
      assert.ok('runs' in after);
      assert.deepEqual(
        after.runs.map((r) => r.runId),
        [a.runId],
      );
      await assert.rejects(deleteRun(options(db), b.runId), /no run/);
    });
  });

  it(`${via}: a database not made yet is an empty list, and nothing is created`, { timeout: 30_000 }, async () => {
    await withRunDatabase(async (db) => {
      assert.deepEqual(await readRuns(options(db)), { runs: [], via: 'none' });
      assert.equal(existsSync(db), false);
    });
  });
}
