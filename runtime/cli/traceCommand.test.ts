import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readTraceFile } from '../replay/traceFile.js';
import { APXM_CLI, REPO_ROOT } from '../../test/support/apxmCli.js';

const root = REPO_ROOT;
const cli = APXM_CLI;
const apxm = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', input: '' });
const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-trace-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('apxm trace export', () => {
  it('writes a recorded run as a trace file, or to stdout without -o', () => {
    const db = path.join(dir, 'runs.sqlite');
    const run = apxm('run', 'examples/trip-planner.json', '--arg', 'city=Lisbon', '--db', db, '--json');
    assert.equal(run.status, 0, run.stderr);
    const { runId } = JSON.parse(run.stdout);
    const file = path.join(dir, 'trace.json');
    const r = apxm('trace', 'export', runId, '--db', db, '-o', file);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `^wrote ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: run ${runId} \\(succeeded\\), \\d+ events, 4 LLM calls, 0 capability calls\\n$`,
      ),
    );
    const recorded = readTraceFile(file);
    assert.equal(recorded.runId, runId);
    assert.deepEqual(recorded.args, { city: 'Lisbon' });
    assert.equal(recorded.llmCalls.length, 4);
    const toStdout = apxm('trace', 'export', runId, '--db', db);
    assert.equal(toStdout.status, 0, toStdout.stderr);
    assert.equal(JSON.parse(toStdout.stdout).run.runId, runId);
  });

  it('names what is missing: the run, the database, the arguments', () => {
    const db = path.join(dir, 'runs.sqlite');
    const unknown = apxm('trace', 'export', 'no-such-run', '--db', db, '-o', path.join(dir, 'x.json'));
    assert.equal(unknown.status, 2, 'a run id that is not in the database is a wrong argument');
    assert.match(unknown.stderr, /error\[E_RUN_NOT_FOUND\] no run "no-such-run" in .*runs\.sqlite to replay/);
    assert.equal(existsSync(path.join(dir, 'x.json')), false);
    const noDb = apxm('trace', 'export', 'r', '--db', path.join(dir, 'missing.sqlite'));
    assert.match(noDb.stderr, /no database .*missing\.sqlite/);
    assert.equal(existsSync(path.join(dir, 'missing.sqlite')), false, 'a missing database is not created');
    const needsDb = apxm('trace', 'export', 'r');
    assert.match(needsDb.stderr, /error\[E_USAGE\] trace export needs the database/);
    assert.equal(needsDb.status, 64, 'a command given the wrong shape is a usage error');
    const wrong = apxm('trace', 'import', 'r');
    assert.match(wrong.stderr, /usage: apxm trace export <run-id>/);
    assert.equal(wrong.status, 64);
    assert.match(apxm('help').stdout, /trace export <run-id> --db path \[-o trace\.json\]/);
  });
});
