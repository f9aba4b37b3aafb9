/**
 * `apxm run` as a real process: --capabilities from another directory, PAUSE answered with
 * --answer and at the terminal prompt, Ctrl-C (SIGINT) mid-run, and the exit codes of bad options.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStorage } from '../memory/openStorage.js';
import { APXM_CLI, REPO_ROOT } from '../../test/support/apxmCli.js';

const root = REPO_ROOT;
const cli = APXM_CLI;

interface Ran {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Spawns the CLI; `drive` may talk to the child while it runs. Killed (and reported as such) after `limitMs`. */
function apxm(
  args: string[],
  drive?: (child: ChildProcessWithoutNullStreams, out: { stdout: string; stderr: string }) => void,
  limitMs = 8_000,
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(killer);
      resolve({ status, signal, ...out, ms: performance.now() - t0 });
    });
    if (drive) drive(child, out);
    else child.stdin.end();
  });
}

const json = (r: Ran) => {
  try {
    return JSON.parse(r.stdout) as { runId: string; status: string; result: unknown; error: { code: string; message: string } | null };
  } catch {
    assert.fail(`stdout is not JSON (exit ${r.status}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
};

const graph = (nodes: unknown[], edges: [number, number][]) =>
  JSON.stringify({ name: 'Agent.main', nodes, edges: edges.map(([from, to]) => ({ from, to, dependency: 'Data' })) });

let dir: string;
let progDir: string;
let capsDir: string;
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-cli-interactive-'));
  progDir = path.join(dir, 'programs');
  capsDir = path.join(dir, 'elsewhere', 'tools');
  mkdirSync(progDir, { recursive: true });
  mkdirSync(capsDir, { recursive: true });
  writeFileSync(
    path.join(progDir, 'shout.json'),
    graph(
      [
        { id: 1, name: 'a', op: 'INV', attributes: { capability: 'shout', params: { text: 'hi' } } },
        { id: 2, name: 'r', op: 'RETURN' },
      ],
      [[1, 2]],
    ),
  );
  writeFileSync(
    path.join(capsDir, 'my-tools.mjs'),
    `export default {
  shout: {
    description: 'Shouts the text back',
    parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    async handler({ text }, ctx) { return { shouted: text.toUpperCase() + '!', runId: ctx.runId }; },
  },
};
`,
  );
  writeFileSync(
    path.join(progDir, 'approve.json'),
    graph(
      [
        { id: 1, name: 'p', op: 'PAUSE', attributes: { message: 'Approve the plan?', checkpoint_id: 'approve-1' } },
        { id: 2, name: 'r', op: 'RETURN' },
      ],
      [[1, 2]],
    ),
  );
  writeFileSync(
    path.join(progDir, 'anon-pause.json'),
    graph(
      [
        { id: 1, name: 'p', op: 'PAUSE', attributes: { message: 'Anything?' } },
        { id: 2, name: 'r', op: 'RETURN' },
      ],
      [[1, 2]],
    ),
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('apxm run --capabilities FILE', () => {
  it('loads tools from a module in another directory than the program', { timeout: 10_000 }, async () => {
    const prog = path.join(progDir, 'shout.json');
    const [withModule, without] = await Promise.all([
      apxm(['run', prog, '--capabilities', path.join(capsDir, 'my-tools.mjs'), '--json']),
      apxm(['run', prog, '--json']),
    ]);
    assert.equal(withModule.status, 0, withModule.stderr);
    const out = json(withModule);
    assert.equal(out.status, 'succeeded');
    assert.deepEqual(out.result, { shouted: 'HI!', runId: out.runId }, 'the handler gets the params and a ctx with the run id');

    // Without the flag the default lookup (apxm.capabilities.mjs next to the program) finds nothing.
    assert.equal(without.status, 1);
    assert.equal(json(without).error?.code, 'E_CAPABILITY_NOT_FOUND');
  });

  it('a --capabilities path that does not exist fails, naming the file', { timeout: 10_000 }, async () => {
    const missing = path.join(capsDir, 'no-such-tools.mjs');
    const r = await apxm(['run', path.join(progDir, 'shout.json'), '--capabilities', missing]);
    assert.equal(r.status, 2, 'an argument that is wrong: exit 2');
    assert.ok(r.stderr.includes(missing), r.stderr);
    assert.match(r.stderr, /E_CAPABILITY_MODULE.*does not exist/);
    assert.equal(r.stdout, '');
  });
});

describe('apxm run: PAUSE', () => {
  it('--answer <checkpoint_id>=<text> answers the PAUSE; the answer is the node output and the result', { timeout: 10_000 }, async () => {
    const prog = path.join(progDir, 'approve.json');
    const [plain, eq, structured, other] = await Promise.all([
      apxm(['run', prog, '--answer', 'approve-1=yes, ship it', '--json']),
      apxm(['run', prog, '--answer', 'approve-1=a=b', '--json']),
      apxm(['run', prog, '--answer', 'approve-1={"ok":true,"n":2}', '--json']),
      apxm(['run', prog, '--answer', 'someone-else=yes']),
    ]);
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(json(plain).result, 'yes, ship it');

    // only the first '=' splits; a JSON answer is parsed
    assert.equal(json(eq).result, 'a=b');
    assert.deepEqual(json(structured).result, { ok: true, n: 2 });

    // an answer for another checkpoint does not apply: no TTY, so the PAUSE fails and says how to answer it
    assert.equal(other.status, 1);
    assert.match(other.stderr, /E_HUMAN_INPUT.*PAUSE 'approve-1' asks: Approve the plan\?/);
    assert.match(other.stderr, /--answer approve-1=<text>/);
  });

  it("--answer '*=<text>' answers a PAUSE with a generated checkpoint id", { timeout: 10_000 }, async () => {
    const r = await apxm(['run', path.join(progDir, 'anon-pause.json'), '--answer', '*=fine', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(json(r).result, 'fine');
  });

  it(
    'stdin a pipe (not a TTY): a piped answer line is not read; the PAUSE fails at once instead of hanging',
    { timeout: 10_000 },
    async () => {
      const r = await apxm(['run', path.join(progDir, 'approve.json'), '--json'], (child) => {
        child.stdin.write('piped answer\n'); // stdin stays open: a reader would block here
      });
      assert.equal(r.signal, null, 'exited by itself, not killed by the test');
      assert.equal(r.status, 1, r.stderr);
      const out = json(r);
      assert.equal(out.status, 'failed');
      assert.equal(out.error?.code, 'E_HUMAN_INPUT');
      assert.match(out.error?.message ?? '', /PAUSE 'approve-1' asks: Approve the plan\?/);
      assert.doesNotMatch(r.stdout + r.stderr, /piped answer/);
      assert.doesNotMatch(r.stderr, /⏸/, 'no prompt without a terminal');
    },
  );

  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  it(
    'on a terminal (a pty via script(1)): prints the prompt and takes the typed line as the answer',
    { timeout: 10_000, skip: hasScript ? false : 'needs util-linux script(1)' },
    async () => {
      const cmd = [process.execPath, cli, 'run', path.join(progDir, 'approve.json'), '--json']
        .map((a) => `'${a.replaceAll("'", `'\\''`)}'`)
        .join(' ');
      const r = await new Promise<{ status: number | null; out: string }>((resolve, reject) => {
        const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let typed = false;
        const killer = setTimeout(() => child.kill('SIGKILL'), 8_000);
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (!typed && /Approve the plan\?\r?\n> /.test(out)) {
            typed = true;
            child.stdin.write('looks good\r');
          }
        });
        child.on('error', reject);
        child.on('close', (status) => {
          clearTimeout(killer);
          child.stdin.destroy();
          resolve({ status, out });
        });
      });
      assert.match(r.out, /⏸ {2}Approve the plan\?\r?\n> /, 'the prompt');
      assert.equal(r.status, 0, r.out);
      const line = r.out.split(/\r?\n/).find((l) => l.startsWith('{"runId"'));
      assert.ok(line, r.out);
      const res = JSON.parse(line) as { status: string; result: unknown };
      assert.equal(res.status, 'succeeded');
      assert.equal(res.result, 'looks good');
    },
  );
});

describe('apxm run: Ctrl-C', () => {
  it('SIGINT mid-run cancels promptly, exits 130 and records the run as cancelled in --db', { timeout: 10_000 }, async () => {
    const marker = path.join(dir, 'sleep-started');
    const caps = path.join(dir, 'elsewhere', 'slow-tools.mjs');
    writeFileSync(
      caps,
      `import { writeFileSync } from 'node:fs';
export default {
  nap: {
    description: 'Sleeps 30 s, or until the run is cancelled',
    parameters: { type: 'object', properties: {} },
    timeoutMs: 60000,
    handler(_params, ctx) {
      writeFileSync(${JSON.stringify(marker)}, 'started');
      return new Promise((resolve) => {
        const t = setTimeout(() => resolve('woke after 30 s'), 30000);
        ctx.signal.addEventListener('abort', () => { clearTimeout(t); resolve('aborted'); }, { once: true });
      });
    },
  },
};
`,
    );
    const prog = path.join(progDir, 'nap.json');
    writeFileSync(
      prog,
      graph(
        [
          { id: 1, name: 'n', op: 'INV', attributes: { capability: 'nap', params: {} } },
          { id: 2, name: 'r', op: 'RETURN' },
        ],
        [[1, 2]],
      ),
    );
    const db = path.join(dir, 'runs.sqlite');
    let sentAt = 0;
    const r = await apxm(['run', prog, '--capabilities', caps, '--db', db], (child) => {
      child.stdin.end();
      const poll = setInterval(() => {
        if (!existsSync(marker)) return;
        clearInterval(poll);
        sentAt = performance.now();
        child.kill('SIGINT');
      }, 20);
      child.on('close', () => clearInterval(poll));
    });
    assert.ok(sentAt > 0, `the capability never started:\n${r.stderr}`);
    assert.equal(r.signal, null, `killed by the test after 8 s, not by SIGINT:\n${r.stderr}`);
    assert.equal(r.status, 130, r.stderr);
    assert.match(r.stderr, /cancelling…/);
    assert.match(r.stderr, /run cancelled/);
    assert.doesNotMatch(r.stdout, /woke after/);
    assert.ok(r.ms < 8_000, `took ${Math.round(r.ms)} ms`);

    const storage = await openStorage(db);
    try {
      const runs = storage.runList(10);
      assert.equal(runs.length, 1, JSON.stringify(runs));
      assert.equal(runs[0].status, 'cancelled');
      assert.ok(runs[0].finishedAt !== undefined && runs[0].finishedAt !== null, 'the cancelled run has a finish time');
    } finally {
      storage.close();
    }
  });

  it('a tool that ignores the cancellation does not keep the process alive after the run is cancelled', { timeout: 10_000 }, async () => {
    const marker = path.join(dir, 'deaf-started');
    const caps = path.join(dir, 'elsewhere', 'deaf-tools.mjs');
    writeFileSync(
      caps,
      `import { writeFileSync } from 'node:fs';
export default {
  deaf: {
    description: 'Sleeps 20 s whatever happens',
    parameters: { type: 'object', properties: {} },
    timeoutMs: 60000,
    handler() {
      writeFileSync(${JSON.stringify(marker)}, 'started');
      return new Promise((resolve) => setTimeout(() => resolve('woke'), 20000));
    },
  },
};
`,
    );
    const prog = path.join(progDir, 'deaf.json');
    writeFileSync(
      prog,
      graph(
        [
          { id: 1, name: 'n', op: 'INV', attributes: { capability: 'deaf', params: {} } },
          { id: 2, name: 'r', op: 'RETURN' },
        ],
        [[1, 2]],
      ),
    );
    const r = await apxm(['run', prog, '--capabilities', caps], (child) => {
      child.stdin.end();
      const poll = setInterval(() => {
        if (!existsSync(marker)) return;
        clearInterval(poll);
        child.kill('SIGINT');
      }, 20);
      child.on('close', () => clearInterval(poll));
    });
    assert.equal(r.signal, null, `still running 8 s later, killed by the test:\n${r.stderr}`);
    assert.equal(r.status, 130, r.stderr);
    assert.match(r.stderr, /run cancelled/);
  });
});

describe('apxm run: Ctrl-C with stuck tools and servers', () => {
  const silentServer = path.join(root, 'test', 'fixtures', 'mcp', 'silentServer.mjs');
  const pidOf = (file: string) => Number(readFileSync(file, 'utf8'));
  /** Whether the process still runs: a zombie (killed, not yet reaped by whoever adopted it) does not. */
  function isAlive(pid: number): boolean {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
    } catch {
      return true;
    }
  }

  it('SIGINT stops a capability stuck in while (true) {}: exit 130, the run recorded as cancelled', { timeout: 15_000 }, async () => {
    const work = mkdtempSync(path.join(dir, 'spin-'));
    const marker = path.join(work, 'spinning');
    writeFileSync(
      path.join(work, 'apxm.capabilities.mjs'),
      `import { writeFileSync } from 'node:fs';
export default { spin: { timeoutMs: 60000, handler() { writeFileSync(${JSON.stringify(marker)}, 'x'); while (true) {} } } };
`,
    );
    const prog = path.join(work, 'spin.json');
    writeFileSync(
      prog,
      graph(
        [
          { id: 1, name: 's', op: 'INV', attributes: { capability: 'spin', params: {} } },
          { id: 2, name: 'r', op: 'RETURN' },
        ],
        [[1, 2]],
      ),
    );
    const db = path.join(work, 'runs.sqlite');
    const r = await apxm(
      ['run', prog, '--db', db],
      (child) => {
        child.stdin.end();
        const poll = setInterval(() => {
          if (!existsSync(marker)) return;
          clearInterval(poll);
          child.kill('SIGINT');
        }, 20);
        child.on('close', () => clearInterval(poll));
      },
      12_000,
    );
    assert.ok(existsSync(marker), `the capability never started:\n${r.stderr}`);
    assert.equal(r.signal, null, `killed by the test, not ended by SIGINT:\n${r.stderr}`);
    assert.equal(r.status, 130, r.stderr);
    assert.match(r.stderr, /run cancelled/);
    const storage = await openStorage(db);
    try {
      assert.deepEqual(
        storage.runList(10).map((x) => x.status),
        ['cancelled'],
      );
    } finally {
      storage.close();
    }
  });

  it(
    'an MCP server that never answers initialize fails at its start-up timeout and does not outlive the CLI',
    { timeout: 15_000 },
    async () => {
      const work = mkdtempSync(path.join(dir, 'mute-'));
      const pidFile = path.join(work, 'silent.pid');
      writeFileSync(
        path.join(work, 'apxm.config.json'),
        JSON.stringify({
          mcpStartupTimeoutMs: 3000,
          mcpServers: { mute: { command: process.execPath, args: [silentServer], env: { SILENT_SERVER_PID_FILE: pidFile } } },
        }),
      );
      const prog = path.join(work, 'p.json');
      writeFileSync(prog, graph([{ id: 1, name: 'r', op: 'RETURN' }], []));
      const r = await apxm(['run', prog], undefined, 12_000);
      assert.equal(r.signal, null, `killed by the test:\n${r.stderr}`);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /E_MCP.*"mute".*did not answer within its 3000 ms start-up timeout/);
      const pid = pidOf(pidFile);
      assert.equal(isAlive(pid), false, `the server ${pid} outlived the CLI`);
    },
  );

  it('a second SIGINT quits at once, and still kills the MCP server being started', { timeout: 15_000 }, async () => {
    const work = mkdtempSync(path.join(dir, 'twice-'));
    const pidFile = path.join(work, 'silent.pid');
    writeFileSync(
      path.join(work, 'apxm.config.json'),
      JSON.stringify({
        mcpServers: { mute: { command: process.execPath, args: [silentServer], env: { SILENT_SERVER_PID_FILE: pidFile } } },
      }),
    );
    const prog = path.join(work, 'p.json');
    writeFileSync(prog, graph([{ id: 1, name: 'r', op: 'RETURN' }], []));
    const r = await apxm(
      ['run', prog],
      (child, out) => {
        child.stdin.end();
        let sent = 0;
        const poll = setInterval(() => {
          if (sent === 0 && existsSync(pidFile)) {
            sent = 1;
            child.kill('SIGINT');
          } else if (sent === 1 && out.stderr.includes('cancelling')) {
            // The server ignores SIGTERM, so the first Ctrl-C is still waiting to kill it.
            sent = 2;
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 5);
        child.on('close', () => clearInterval(poll));
      },
      12_000,
    );
    assert.equal(r.signal, null, `killed by the test:\n${r.stderr}`);
    assert.equal(r.status, 130, r.stderr);
    assert.match(r.stderr, /cancelling… \(Ctrl-C again to quit at once\)/);
    assert.equal(isAlive(pidOf(pidFile)), false, 'the server did not outlive the CLI');
  });
});

describe('apxm run: exit codes of bad options', () => {
  const prog = () => path.join(progDir, 'shout.json');
  // README and usage text: "2 invalid program or arguments".
  it('--llm not-a-url: exit 2, the URL named, before anything runs', { timeout: 10_000 }, async () => {
    const r = await apxm(['run', prog(), '--llm', 'not-a-url']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /E_LLM_CONFIG.*"not-a-url" is not a valid LLM base URL/);
    assert.doesNotMatch(r.stderr, /run (succeeded|failed)/, 'no run summary: nothing ran');
  });
  it('--max-parallelism 0: exit 2, the value named', { timeout: 10_000 }, async () => {
    const r = await apxm(['run', prog(), '--max-parallelism', '0']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /E_OPTION.*--max-parallelism must be a positive integer, got 0/);
    assert.doesNotMatch(r.stderr, /run (succeeded|failed)/, 'no run summary: nothing ran');
  });
  it('for comparison: a malformed --answer exits 2 and an unknown option 64', { timeout: 10_000 }, async () => {
    const [badAnswer, unknown] = await Promise.all([
      apxm(['run', prog(), '--answer', 'no-equals-sign']),
      apxm(['run', prog(), '--no-such-flag']),
    ]);
    assert.equal(badAnswer.status, 2, badAnswer.stderr);
    assert.match(badAnswer.stderr, /E_ARG_UNKNOWN.*--answer expects name=value/);
    assert.equal(unknown.status, 64, unknown.stderr);
    assert.match(unknown.stderr, /Unknown option '--no-such-flag'/);
  });
});
