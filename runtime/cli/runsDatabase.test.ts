/**
 * The run database across real `apxm` processes: one process owns a run at a time (two
 * `--continue` of the same run race, one is refused), a `kill -9`ed run shows `interrupted` and
 * continues without redoing finished work, reading commands open the file read-only (a chmod 444
 * file, a read-only directory) and never create it, and a bad --db exits 2 for every command.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeOpenAi } from '../../test/support/fakeOpenAiServer.js';
import { openStorage } from '../memory/openStorage.js';
import { main } from './main.js';
import { APXM_CLI, REPO_ROOT } from '../../test/support/apxmCli.js';

const root = REPO_ROOT;
const cli = APXM_CLI;

interface Ran {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}
interface Started {
  child: ChildProcess;
  done: Promise<Ran>;
}

/** Starts the CLI; killed after `limitMs` so a hang fails the test instead of blocking it. */
function start(args: string[], env: Record<string, string> = {}, limitMs = 20_000): Started {
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const done = new Promise<Ran>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(killer);
      resolve({ status, signal, ...out });
    });
  });
  return { child, done };
}

const apxm = (args: string[], env: Record<string, string> = {}) => start(args, env).done;

/** Polls until `check` holds (each test has its own timeout, so this cannot spin forever unnoticed). */
async function until(check: () => boolean | Promise<boolean>, what: string, limitMs = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > limitMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const graph = (nodes: unknown[], edges: [number, number][]) =>
  JSON.stringify({ name: 'Agent.main', nodes, edges: edges.map(([from, to]) => ({ from, to, dependency: 'Data' })) });

let dir: string;
let prog: string;
let caps: string;
let gates: string;
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-runsdb-'));
  chmodSync(dir, 0o755); // the read-only tests run the CLI as another user when this one is root
  gates = path.join(dir, 'gates');
  mkdirSync(gates);
  prog = path.join(dir, 'gated.json');
  // an LLM call, a tool that holds the run until the test lets it go, another LLM call
  writeFileSync(
    prog,
    graph(
      [
        { id: 1, name: 'first', op: 'ASK', attributes: { template_str: 'first question' } },
        { id: 2, name: 'gate', op: 'INV', attributes: { capability: 'gate', params: {} } },
        { id: 3, name: 'second', op: 'ASK', attributes: { template_str: 'second question' } },
        { id: 4, name: 'r', op: 'RETURN' },
      ],
      [
        [1, 2],
        [2, 3],
        [3, 4],
      ],
    ),
  );
  caps = path.join(dir, 'gate-tools.mjs');
  writeFileSync(
    caps,
    `import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
export default {
  gate: {
    description: 'Says which process reached it, then waits until the release file exists',
    parameters: { type: 'object', properties: {} },
    timeoutMs: 60000,
    handler(_params, ctx) {
      writeFileSync(path.join(${JSON.stringify(gates)}, 'reached-' + process.pid), '');
      return new Promise((resolve) => {
        const t = setInterval(() => {
          if (existsSync(path.join(${JSON.stringify(gates)}, 'release'))) { clearInterval(t); resolve('released'); }
        }, 20);
        ctx.signal.addEventListener('abort', () => { clearInterval(t); resolve('aborted'); }, { once: true });
      });
    },
  },
};
`,
  );
});
after(() => {
  spawnSync('chmod', ['-R', 'u+w', dir]);
  rmSync(dir, { recursive: true, force: true });
});

interface ListedRun {
  runId: string;
  status: string;
  owner?: { host: string; pid: number; startedAt: number; expiresAt: number };
}
const listRuns = async (db: string): Promise<ListedRun[]> => {
  const r = await apxm(['runs', '--db', db, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as ListedRun[];
};

describe('one process runs a run at a time', () => {
  it(
    'a kill -9ed run shows interrupted; two --continue of it race: one is refused naming the owner, the other finishes it once',
    { timeout: 60_000 },
    async () => {
      const asked: string[] = [];
      const server = await startFakeOpenAi((req) => {
        const prompt = String(req.body.messages.at(-1).content);
        asked.push(prompt);
        return { reply: `answer to ${prompt}` };
      });
      const running: Started[] = [];
      try {
        const db = path.join(dir, 'race.sqlite');
        const runArgs = ['run', prog, '--db', db, '--llm', server.url, '--capabilities', caps, '--json'];
        const env = { OPENAI_API_KEY: 'k' };

        // 1. the first attempt reaches the gate, its first answer is in the database; then kill -9
        const first = start(runArgs, env);
        running.push(first);
        const pid1 = first.child.pid!;
        await until(() => existsSync(path.join(gates, `reached-${pid1}`)), 'the first process to reach the gate');
        let runId = '';
        await until(async () => {
          const s = await openStorage(db, { readonly: true });
          try {
            runId = s.runList(1)[0]?.runId ?? '';
            return s.episodicQuery({ runId, eventType: 'op_success' }).some((e) => e.nodeId === 1);
          } finally {
            s.close();
          }
        }, 'the first answer to be written');
        first.child.kill('SIGKILL');
        assert.equal((await first.done).signal, 'SIGKILL');

        // 2. its owner is gone: interrupted, not running forever
        const [killed] = await listRuns(db);
        assert.equal(killed.runId, runId);
        assert.equal(killed.status, 'interrupted', JSON.stringify(killed));
        assert.equal(killed.owner?.pid, pid1, 'the lease still names the dead owner');
        const human = await apxm(['runs', '--db', db]);
        assert.match(human.stdout, new RegExp(`^${runId}  interrupted`, 'm'));

        // 3. two continuations at once: exactly one takes the run
        const contArgs = ['run', prog, '--continue', runId, '--db', db, '--llm', server.url, '--capabilities', caps, '--json'];
        const a = start(contArgs, env);
        const b = start(contArgs, env);
        running.push(a, b);
        const loser = await Promise.race([a.done.then(() => a), b.done.then(() => b)]);
        const winner = loser === a ? b : a;
        const lost = await loser.done;
        assert.equal(lost.status, 2, `refused with exit 2:\n${lost.stderr}`);
        assert.match(lost.stderr, /E_RUN_BUSY/);
        assert.ok(
          lost.stderr.includes(`run ${runId} is being run by pid ${winner.child.pid} on host ${os.hostname()} (since `),
          lost.stderr,
        );
        assert.equal(lost.stdout, '', 'the refused process ran nothing');
        await until(() => existsSync(path.join(gates, `reached-${winner.child.pid}`)), 'the winner to reach the gate');
        assert.ok(!existsSync(path.join(gates, `reached-${loser.child.pid}`)), 'the refused process never reached the gate');

        // while the winner runs, a reader lists it as running, owned by the winner
        const [live] = await listRuns(db);
        assert.deepEqual([live.status, live.owner?.pid, live.owner?.host], ['running', winner.child.pid, os.hostname()]);

        writeFileSync(path.join(gates, 'release'), '');
        const won = await winner.done;
        assert.equal(won.status, 0, won.stderr);
        const out = JSON.parse(won.stdout) as { runId: string; status: string; result: string };
        assert.deepEqual([out.runId, out.status], [runId, 'succeeded']);
        assert.match(out.result, /^answer to second question/);

        // 4. every LLM call made once, one end in the trace, the run succeeded and free
        assert.deepEqual(
          asked.map((p) => p.split('\n')[0]),
          ['first question', 'second question'],
        );
        const s = await openStorage(db, { readonly: true });
        try {
          const events = s.episodicQuery({ runId });
          assert.equal(events.filter((e) => e.eventType === 'run_end').length, 1);
          // node 1 ran in the killed attempt and is settled from it (replayed) in the continuation; node 3 ran once
          const ran = (node: number) =>
            events.filter((e) => e.eventType === 'op_success' && e.nodeId === node && !(e.payload as { replayed?: boolean }).replayed)
              .length;
          assert.deepEqual([ran(1), ran(2), ran(3)], [1, 1, 1]);
          assert.equal(events.filter((e) => e.eventType === 'llm_call').length, 2);
        } finally {
          s.close();
        }
        const [finished] = await listRuns(db);
        assert.equal(finished.status, 'succeeded');
        assert.equal(finished.owner, undefined, 'the lease is released at the end');
      } finally {
        for (const r of running) r.child.kill('SIGKILL');
        await Promise.all(running.map((r) => r.done));
        rmSync(path.join(gates, 'release'), { force: true });
        await server.close();
      }
    },
  );
});

/** Runs the CLI as an unprivileged user when this process is root (root ignores file modes). */
function asReader(args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const asRoot = process.getuid?.() === 0;
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    const out = { stdout: '', stderr: '' };
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(killer);
      resolve({ status, signal, ...out });
    });
  });
}

describe('commands that only read open the database read-only', () => {
  for (const where of ['a chmod 444 file', 'a read-only directory']) {
    it(`runs, trace export and --replay work on ${where}, and write nothing there`, { timeout: 60_000 }, async () => {
      const home = mkdtempSync(path.join(dir, 'ro-'));
      const db = path.join(home, 'runs.sqlite');
      const made = await apxm(['run', 'examples/trip-planner.json', '--arg', 'city=Lisbon', '--db', db, '--json']);
      assert.equal(made.status, 0, made.stderr);
      const recorded = JSON.parse(made.stdout) as { runId: string; result: string };
      chmodSync(db, 0o444);
      chmodSync(home, where === 'a read-only directory' ? 0o555 : 0o777);
      const before = readdirSync(home).sort();
      try {
        const runs = await asReader(['runs', '--db', db, '--json']);
        assert.equal(runs.status, 0, runs.stderr);
        assert.deepEqual(
          (JSON.parse(runs.stdout) as ListedRun[]).map((r) => [r.runId, r.status]),
          [[recorded.runId, 'succeeded']],
        );
        const trace = await asReader(['trace', 'export', recorded.runId, '--db', db]);
        assert.equal(trace.status, 0, trace.stderr);
        assert.equal((JSON.parse(trace.stdout) as { run: { runId: string } }).run.runId, recorded.runId);
        const replay = await asReader(['run', 'examples/trip-planner.json', '--replay', recorded.runId, '--db', db, '--json']);
        assert.equal(replay.status, 0, replay.stderr);
        assert.equal((JSON.parse(replay.stdout) as { result: string }).result, recorded.result);
        if (where === 'a read-only directory') assert.deepEqual(readdirSync(home).sort(), before, 'nothing created next to the database');
        // a command that writes is refused up front, saying why
        const write = await asReader(['run', 'examples/trip-planner.json', '--arg', 'city=Lisbon', '--db', db]);
        assert.equal(write.status, 2, write.stderr);
        assert.ok(write.stderr.includes(`error[E_STORAGE] ${db} is read-only`), write.stderr);
        assert.match(write.stderr, /fix: .*apxm runs, trace export and --replay only read it/);
      } finally {
        chmodSync(home, 0o755);
      }
    });
  }

  it('reads a database a live run is writing, and an older schema without migrating it', { timeout: 30_000 }, async () => {
    const db = path.join(dir, 'old-schema.sqlite');
    const { openBetterSqlite } = await import('../memory/betterSqliteDriver.js');
    const { MIGRATIONS } = await import('../memory/migrations.js');
    const raw = openBetterSqlite(db);
    raw.exec('PRAGMA journal_mode = WAL');
    raw.exec(MIGRATIONS[0]);
    raw.exec('PRAGMA user_version = 1');
    raw.exec(
      `INSERT INTO runs(run_id, program, entry_flow, status, started_at, args) VALUES ('old-run', 'p.json', 'A.main', 'running', 5, '{}')`,
    );
    try {
      // the writer still has it open: a reader sees what it committed
      const list = await listRuns(db);
      assert.deepEqual(
        list.map((r) => [r.runId, r.status]),
        [['old-run', 'interrupted']],
        'recorded before leases: nobody owns it',
      );
      assert.equal((raw.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, 1, 'not migrated by a reader');
    } finally {
      raw.close();
    }
  });
});

describe('a bad --db exits 2, naming the file and the fix', () => {
  it(
    'for every command that takes --db: a directory, a named pipe, a file that is not SQLite, an uncreatable path, a missing file to read',
    { timeout: 60_000 },
    async () => {
      const bad = path.join(dir, 'bad');
      mkdirSync(bad);
      const text = path.join(bad, 'notes.txt');
      writeFileSync(text, 'these are my notes, not a database\n'.repeat(200));
      const fifo = path.join(bad, 'pipe.sqlite');
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
      const cases: Record<string, string> = {
        directory: bad,
        'named pipe': fifo,
        'not SQLite': text,
        uncreatable: path.join(text, 'sub', 'runs.sqlite'),
        missing: path.join(bad, 'typo.sqlite'),
      };
      const commands: Record<string, (db: string) => string[]> = {
        run: (db) => ['run', 'examples/trip-planner.json', '--arg', 'city=Lisbon', '--db', db],
        continue: (db) => ['run', 'examples/trip-planner.json', '--continue', 'some-run', '--db', db],
        replay: (db) => ['run', 'examples/trip-planner.json', '--replay', 'some-run', '--db', db],
        runs: (db) => ['runs', '--db', db],
        'trace export': (db) => ['trace', 'export', 'some-run', '--db', db],
        resume: (db) => ['resume', 'cp-1', '--input', 'yes', '--db', db],
        'queue push': (db) => ['queue', 'push', 'jobs', '{"n":1}', '--db', db],
      };
      const creates = new Set(['run', 'queue push']); // writing commands start a new database at a missing path
      // in this process (main() is what apxm.js runs), with one real process for comparison
      const viaMain = async (args: string[]): Promise<Ran> => {
        let stderr = '';
        let stdout = '';
        const writes = { err: process.stderr.write, out: process.stdout.write };
        process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
        process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
        try {
          return { status: await main(args), signal: null, stdout, stderr };
        } finally {
          process.stderr.write = writes.err;
          process.stdout.write = writes.out;
        }
      };
      const real = await apxm(commands.runs(cases.directory));
      assert.equal(real.status, 2, real.stderr);
      for (const [command, args] of Object.entries(commands)) {
        for (const [kind, db] of Object.entries(cases)) {
          if (kind === 'missing' && creates.has(command)) continue;
          const r = await viaMain(args(db));
          const label = `${command} with --db ${kind}`;
          assert.equal(r.status, 2, `${label}: exit ${r.status}\n${r.stderr}`);
          assert.ok(r.stderr.includes(db), `${label}: names the file\n${r.stderr}`);
          assert.match(r.stderr, /error\[E_STORAGE\][^\n]*\n {2}fix: /, `${label}: says how to fix it\n${r.stderr}`);
          assert.doesNotMatch(r.stderr, /run (succeeded|failed)/, `${label}: nothing ran`);
          if (kind === 'missing') assert.ok(!existsSync(db), `${label}: created ${db}`);
        }
      }
    },
  );
});
