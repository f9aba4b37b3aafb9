/**
 * The test runner (scripts/run-tests.mjs) as CI runs it: a hanging test fails named within the
 * suite limit instead of holding CI until its own time-out, and a process a test leaves running is
 * reported, killed and counted as a failure.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const runner = path.join(root, 'scripts', 'run-tests.mjs');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs the runner over `files` (CommonJS test sources by name) and returns its exit code and output. */
async function runRunner(files: Record<string, string>, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'apxm-runner-'));
  try {
    for (const [name, source] of Object.entries(files)) writeFileSync(path.join(dir, name), source);
    const child = spawn(process.execPath, [runner], {
      env: { ...process.env, APXM_TEST_OUT: dir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      return { code, output };
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a test that never ends is named and killed at the suite limit, and the run fails', { timeout: 60_000 }, async () => {
  const { code, output } = await runRunner(
    {
      'quick.test.js': `require('node:test')('passes', () => {});`,
      'hangs.test.js': `const test = require('node:test');
test('outer', async (t) => { await t.test('waits forever', () => new Promise(() => setInterval(() => {}, 1000))); });`,
    },
    { APXM_TEST_SUITE_LIMIT_S: '4', APXM_TEST_TIMEOUT_MS: '600000' },
  );
  assert.equal(code, 1, output);
  assert.match(output, /overran the suite limit of 4 s/, output);
  assert.match(output, /hangs\.test\.js: outer > waits forever/, output);
  assert.match(output, /^tests: \d+ passed, [1-9]\d* failed$/m, output);
});

test('a test file past its timeout is stopped and the test it was running is named', { timeout: 60_000 }, async () => {
  const { code, output } = await runRunner(
    {
      'slow.test.js': `const test = require('node:test');
test('before it', () => {});
test('stuck on a promise', () => new Promise(() => setInterval(() => {}, 1000)));
test('after it', () => {});`,
    },
    { APXM_TEST_TIMEOUT_MS: '1500' },
  );
  assert.equal(code, 1, output);
  assert.match(output, /ok \d+ - before it/, output);
  assert.match(output, /timed out after 1500ms/, output);
  assert.match(output, /tests cut off when their file was stopped[^]*slow\.test\.js: stuck on a promise/, output);
  assert.doesNotMatch(output, /ok \d+ - after it/, output);
});

test('a process a test leaves running is reported, killed and fails the run', { timeout: 60_000 }, async () => {
  const pidFile = path.join(mkdtempSync(path.join(tmpdir(), 'apxm-runner-pid-')), 'pid');
  try {
    const { code, output } = await runRunner(
      {
        'leaks.test.js': `const test = require('node:test');
const { spawn } = require('node:child_process');
test('starts a sleeper and forgets it', () => {
  const c = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  c.unref();
  require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid));
});`,
      },
      {},
    );
    const pid = Number((await import('node:fs')).readFileSync(pidFile, 'utf8'));
    assert.equal(code, 1, output);
    assert.match(output, /1 process\(es\) started by the tests were still running/, output);
    assert.match(output, new RegExp(`pid ${pid}: sleep 300`), output);
    assert.match(output, /^tests: 1 passed, 1 failed$/m, output);
    // SIGKILL is delivered by the time the runner exits; reaping may lag, so a zombie counts as gone
    await new Promise((r) => setTimeout(r, 200));
    const state = alive(pid) ? (await import('node:fs')).readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] : 'gone';
    assert.ok(state === 'gone' || state === 'Z', `the leftover sleep is still running (${state})`);
  } finally {
    rmSync(path.dirname(pidFile), { recursive: true, force: true });
  }
});
