import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { APXM_CLI, REPO_ROOT } from '../../test/support/apxmCli.js';
import { openStorage } from '../memory/openStorage.js';
import type { RunSummary } from '../query/runList.js';
import type { Timeline } from '../query/timeline.js';

const apxm = (...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [APXM_CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-runs-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const record = async (db: string, ...extra: string[]) => {
  const run = await apxm('run', 'examples/trip-planner.json', '--arg', 'city=Lisbon', '--db', db, '--json', ...extra);
  assert.equal(run.status, 0, run.stderr);
  return (JSON.parse(run.stdout) as { runId: string }).runId;
};

describe('apxm runs and trace timeline', () => {
  it(
    'runs --json lists duration, tokens and cost; trace timeline --json gives the same timeline from the db and the trace file',
    { timeout: 90_000 },
    async () => {
      const db = path.join(dir, 'list.sqlite');
      // the simulated provider naming a priced model: the run shows what it would cost
      const runId = await record(db, '--model', 'gpt-4o');
      const list = await apxm('runs', '--db', db, '--json');
      assert.equal(list.status, 0, list.stderr);
      const [run] = JSON.parse(list.stdout) as RunSummary[];
      assert.equal(run.runId, runId);
      assert.equal(run.llmCalls, 4);
      assert.ok(run.tokens > 0 && typeof run.durationMs === 'number');
      // the human listing writes the duration as the views do
      const human = await apxm('runs', '--db', db);
      assert.match(human.stdout, new RegExp(`^${runId}  succeeded .* (<1 ms|\\d+ ms|\\d+\\.\\d s)  +${run.tokens} tok`, 'm'));
      const fromDb = await apxm('trace', 'timeline', runId, '--db', db, '--json');
      assert.equal(fromDb.status, 0, fromDb.stderr);
      const timeline = JSON.parse(fromDb.stdout) as Timeline;
      assert.equal(timeline.runId, runId);
      assert.equal(timeline.tokens, run.tokens, 'the bars carry every token of the run');
      assert.ok(run.cost !== undefined && run.cost > 0, `gpt-4o has a price: ${run.cost}`);
      assert.ok(Math.abs(timeline.cost! - run.cost) < 1e-12, 'the bars carry the whole cost of the run');
      assert.ok(timeline.bars.length > 4 && timeline.criticalPath.length > 0);
      const file = path.join(dir, 'trace.json');
      assert.equal((await apxm('trace', 'export', runId, '--db', db, '-o', file)).status, 0);
      const fromFile = await apxm('trace', 'timeline', file, '--json');
      assert.equal(fromFile.status, 0, fromFile.stderr);
      assert.deepEqual(JSON.parse(fromFile.stdout), timeline);
      const text = await apxm('trace', 'timeline', runId, '--db', db);
      assert.match(
        text.stdout,
        new RegExp(
          `^run ${runId} \\(succeeded\\): \\d+ ops on \\d+ lanes, \\d+ ms, ${run.tokens} tokens, \\$0\\.\\d{4}; critical path:\\n`,
        ),
      );
      const listed = await apxm('runs', '--db', db);
      assert.match(listed.stdout, new RegExp(`^${runId} .* ${run.tokens} tok +\\$0\\.\\d{4}  Trip`, 'm'), listed.stdout);
      const missing = await apxm('trace', 'timeline', 'nope', '--db', db);
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, /no run "nope"/);
    },
  );

  it(
    'runs delete removes one run and its trace, keeps the others, and refuses a run a live process owns',
    { timeout: 90_000 },
    async () => {
      const db = path.join(dir, 'delete.sqlite');
      const keep = await record(db);
      const gone = await record(db);
      const del = await apxm('runs', 'delete', gone, '--db', db);
      assert.equal(del.status, 0, del.stderr);
      assert.equal(del.stdout, `deleted ${gone}\n`);
      const storage = await openStorage(db);
      try {
        assert.deepEqual(
          storage.runList(10).map((r) => r.runId),
          [keep],
        );
        assert.equal(storage.episodicCount(gone), 0);
        assert.ok(storage.episodicCount(keep) > 0);
        // this test process holds a live lease on a run
        storage.runAcquire(
          { runId: 'busy', program: 'p.json', entryFlow: 'A.main', status: 'running', startedAt: Date.now(), args: {} },
          {
            host: os.hostname(),
            pid: process.pid,
            token: 't',
            startedAt: Date.now(),
            heartbeatAt: Date.now(),
            expiresAt: Date.now() + 600_000,
          },
          Date.now(),
        );
      } finally {
        storage.close();
      }
      const busy = await apxm('runs', 'delete', 'busy', '--db', db);
      assert.equal(busy.status, 2);
      assert.match(busy.stderr, /run busy is running .*it is not deleted/);
      const again = await apxm('runs', 'delete', gone, '--db', db);
      assert.equal(again.status, 2);
      assert.match(again.stderr, /no run/);
      assert.equal((await apxm('runs', 'delete', '--db', db)).status, 64);
    },
  );
});
