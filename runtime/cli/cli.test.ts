import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startFakeOpenAi } from '../../test/support/fakeOpenAiServer.js';
import { APXM_CLI, REPO_ROOT } from '../../test/support/apxmCli.js';

const root = REPO_ROOT;
const cli = APXM_CLI;
const apxm = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', input: '' });
/** Without blocking this process, so an in-process fake server can answer the CLI. */
const apxmAsync = (env: Record<string, string>, ...args: string[]) =>
  new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ status: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('apxm CLI', () => {
  it('runs an example headless on the simulated provider with a summary', () => {
    const r = apxm('run', 'examples/trip-planner.json', '--arg', 'city=Lisbon');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /result: \[simulated\]/);
    assert.match(r.stderr, /run succeeded/);
    // the duration as the views write it: whole ms under a second
    assert.match(r.stderr, /── run succeeded in (<1 ms|\d+ ms|\d+\.\d s)$/m);
    assert.match(r.stderr, /llm\s+4 calls \(simulated\)/);
    assert.match(r.stderr, /parallel\s+max 3/);
  });

  it('runs against an OpenAI-compatible server given with --llm, never printing the key', async () => {
    const server = await startFakeOpenAi((req) => ({
      reply: `reply to: ${req.body.messages.at(-1).content.slice(0, 40)}`,
      usage: { prompt_tokens: 10, completion_tokens: 5 },
    }));
    try {
      const r = await apxmAsync(
        { OPENAI_API_KEY: 'sk-cli-SECRET-123' },
        'run',
        'examples/trip-planner.json',
        '--arg',
        'city=Lisbon',
        '--llm',
        server.url,
        '--model',
        'tiny-model',
        '--json',
      );
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.status, 'succeeded');
      assert.match(out.result, /^reply to: /);
      assert.equal(out.stats.llmCalls, 4);
      assert.equal(out.stats.totalTokens, 60);
      assert.equal(server.requests.length, 4);
      assert.ok(server.requests.every((q) => q.body.model === 'tiny-model' && q.headers.authorization === 'Bearer sk-cli-SECRET-123'));
      assert.doesNotMatch(r.stdout + r.stderr, /SECRET/);
      server.script({ status: 401, message: 'bad key sk-cli-SECRET-123' });
      const denied = await apxmAsync(
        { OPENAI_API_KEY: 'sk-cli-SECRET-123' },
        'run',
        'examples/trip-planner.json',
        '--arg',
        'city=Lisbon',
        '--llm',
        server.url,
      );
      assert.equal(denied.status, 1);
      assert.match(denied.stderr, /E_LLM_AUTH/);
      assert.doesNotMatch(denied.stdout + denied.stderr, /SECRET/);
    } finally {
      await server.close();
    }
  });

  it('--replay re-runs a recorded run with no server: by run id, and from an exported trace file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-cli-replay-'));
    let n = 0;
    const server = await startFakeOpenAi(() => ({ reply: JSON.stringify({ verified: true, reason: `live reply ${++n}` }) }));
    try {
      const db = path.join(dir, 'runs.sqlite');
      const live = await apxmAsync(
        { OPENAI_API_KEY: 'k' },
        'run',
        'examples/release_checker.ais',
        '--arg',
        'version=2.0',
        '--llm',
        server.url,
        '--db',
        db,
        '--json',
      );
      assert.equal(live.status, 0, live.stderr);
      const recorded = JSON.parse(live.stdout);
      await server.close();
      const again = await apxmAsync({}, 'run', 'examples/release_checker.ais', '--replay', recorded.runId, '--db', db, '--json');
      assert.equal(again.status, 0, again.stderr);
      const replayed = JSON.parse(again.stdout);
      assert.equal(replayed.status, 'succeeded');
      assert.equal(replayed.result, recorded.result);
      assert.equal(replayed.result, true);
      assert.ok(Object.keys(recorded.outputs).length >= 5);
      assert.deepEqual(replayed.outputs, recorded.outputs);
      assert.equal(n, 1, 'the replay asked the server nothing');
      const trace = path.join(dir, 'trace.json');
      const exported = await apxmAsync({}, 'trace', 'export', recorded.runId, '--db', db, '-o', trace);
      assert.equal(exported.status, 0, exported.stderr);
      const fromFile = await apxmAsync({}, 'run', 'examples/release_checker.ais', '--replay', trace, '--json');
      assert.equal(JSON.parse(fromFile.stdout).result, recorded.result);
      const changed = path.join(dir, 'changed.ais');
      writeFileSync(
        changed,
        readFileSync(path.join(root, 'examples/release_checker.ais'), 'utf8').replace('every change is tested', 'nothing is tested'),
      );
      const diverged = await apxmAsync({}, 'run', changed, '--replay', trace, '--json');
      assert.equal(diverged.status, 1);
      assert.match(diverged.stderr + diverged.stdout, /replay diverged/);
    } finally {
      await server.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints machine-readable JSON with --json', () => {
    const r = apxm('run', 'examples/trip-planner.json', '--arg', 'city=Oslo', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'succeeded');
    assert.equal(out.stats.llmCalls, 4);
    assert.equal(typeof out.runId, 'string');
  });

  it('--llm-timeout and "llm": {"timeoutMs"} in apxm.config.json bound each LLM attempt; the flag wins', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-cli-timeout-'));
    const server = await startFakeOpenAi(() => ({ hang: true }));
    try {
      const config = path.join(dir, 'apxm.config.json');
      writeFileSync(config, JSON.stringify({ llm: { timeoutMs: 150 } }));
      const run = (...extra: string[]) =>
        apxmAsync(
          { OPENAI_API_KEY: 'k' },
          'run',
          'examples/trip-planner.json',
          '--arg',
          'city=Lisbon',
          '--llm',
          server.url,
          '--config',
          config,
          ...extra,
        );
      const [fromFile, fromFlag] = await Promise.all([run(), run('--llm-timeout', '120')]);
      assert.equal(fromFile.status, 1, fromFile.stderr);
      assert.match(fromFile.stderr, /E_LLM_TIMEOUT.*no complete reply from openai within 150 ms .*gave up after 4 attempts/);
      assert.equal(fromFlag.status, 1, fromFlag.stderr);
      assert.match(fromFlag.stderr, /E_LLM_TIMEOUT.*within 120 ms/);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(
    "the summary has the run's cost by the price table or apxm.config.json's llm.prices; an unpriced model has none",
    { timeout: 30_000 },
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-cli-cost-'));
      const server = await startFakeOpenAi(() => ({ reply: 'ok', usage: { prompt_tokens: 10, completion_tokens: 5 } }));
      try {
        const config = path.join(dir, 'apxm.config.json');
        writeFileSync(config, JSON.stringify({ llm: { prices: { 'my-model': { input: 1000, output: 0 } } } }));
        const run = (model: string, ...extra: string[]) =>
          apxmAsync(
            { OPENAI_API_KEY: 'k' },
            'run',
            'examples/trip-planner.json',
            '--arg',
            'city=Lisbon',
            '--llm',
            server.url,
            '--model',
            model,
            ...extra,
          );
        const [table, configured, unpriced, json] = await Promise.all([
          run('gpt-4o'),
          run('my-model', '--config', config),
          run('my-model'),
          run('gpt-4o', '--json'),
        ]);
        // 4 calls of 10 input and 5 output tokens: at $2.50 / $10 per 1M, then at $1000 per 1M input
        assert.equal(table.status, 0, table.stderr);
        assert.match(table.stderr, /cost\s+\$0\.0003 \(price table of \d{4}-\d{2}, or llm\.prices\)/);
        assert.match(configured.stderr, /cost\s+\$0\.0400 /);
        assert.equal(unpriced.status, 0, unpriced.stderr);
        assert.doesNotMatch(unpriced.stderr, /cost/);
        assert.ok(Math.abs(JSON.parse(json.stdout).stats.cost - 0.0003) < 1e-12, json.stdout);
        const simulated = apxm('run', 'examples/trip-planner.json', '--arg', 'city=Lisbon');
        assert.match(simulated.stderr, /cost\s+\$0 /);
        writeFileSync(config, JSON.stringify({ llm: { prices: { 'gpt-4o': { input: 'cheap', output: 1 } } } }));
        const bad = apxm('run', 'examples/trip-planner.json', '--arg', 'city=Lisbon', '--config', config);
        assert.equal(bad.status, 2, bad.stderr);
        assert.ok(bad.stderr.startsWith(`${config} $.llm.prices["gpt-4o"].input: error[E_LLM_CONFIG]`), bad.stderr);
      } finally {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('a bad LLM timeout, as a flag or in apxm.config.json, exits 2 naming it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-cli-timeout-'));
    try {
      const flag = apxm('run', 'examples/trip-planner.json', '--arg', 'city=Lisbon', '--llm-timeout', '30s');
      assert.equal(flag.status, 2);
      assert.match(flag.stderr, /E_OPTION.*--llm-timeout must be a whole number of milliseconds from 1 to 86400000 \(24 h\), got "30s"/);
      assert.match(flag.stderr, /fix: e\.g\. --llm-timeout 120000/);
      const config = path.join(dir, 'apxm.config.json');
      for (const [llm, jsonPath] of [
        [{ timeoutMs: 0 }, '$.llm.timeoutMs'],
        [{ timeoutMs: { Slow: 5 } }, '$.llm.timeoutMs.Slow'],
        [{ baseUrl: 'http://x/v1' }, '$.llm.baseUrl'],
      ] as const) {
        writeFileSync(config, JSON.stringify({ llm }));
        const r = apxm('run', 'examples/trip-planner.json', '--arg', 'city=Lisbon', '--config', config, '--llm-timeout', '1000');
        assert.equal(r.status, 2, r.stderr);
        assert.ok(r.stderr.startsWith(`${config} ${jsonPath}: error[E_LLM_CONFIG]`), r.stderr);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a missing argument and exits 2', () => {
    const r = apxm('run', 'examples/trip-planner.json');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /missing argument "city"/);
    assert.match(r.stderr, /--arg city=/);
  });

  it('names an unknown argument with a suggestion', () => {
    const r = apxm('run', 'examples/trip-planner.json', '--arg', 'citty=Rome');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown argument "citty"/);
    assert.match(r.stderr, /did you mean "city"/);
  });

  it('exits 2 when a limit is out of range, naming the range (JSON path for graph JSON, line:col for .ais)', { timeout: 20_000 }, () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-cli-'));
    try {
      const json = path.join(dir, 'limits.json');
      writeFileSync(
        json,
        JSON.stringify({
          name: 'X.main',
          nodes: [{ id: 1, name: 'a', op: 'EXC', attributes: { code: 'return 1', timeout_ms: 1e10 } }],
          edges: [],
        }),
      );
      const ais = path.join(dir, 'limits.ais');
      writeFileSync(ais, 'agent X {\n  @entry flow main() -> str {\n    exc("return 1", memory_mb: 0) -> r\n    return r\n  }\n}\n');
      const fromJson = apxm('run', json);
      assert.equal(fromJson.status, 2, fromJson.stderr);
      assert.match(
        fromJson.stderr,
        /\$\.nodes\[0\]\.attributes\.timeout_ms.*"timeout_ms" of EXC node 1 must be a number from 1 to 2147483647, got 10000000000/,
      );
      assert.doesNotMatch(fromJson.stderr, /TimeoutOverflowWarning|run (succeeded|failed)/);
      const fromAis = apxm('run', ais);
      assert.equal(fromAis.status, 2, fromAis.stderr);
      assert.match(fromAis.stderr, /limits\.ais:3:32.*memory_mb of exc must be a number from 1 to 1024, got 0/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 with every problem of an invalid program, each with its JSON path', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-cli-'));
    try {
      const file = path.join(dir, 'bad.json');
      writeFileSync(
        file,
        JSON.stringify({
          name: 'X.main',
          nodes: [
            { id: 1, name: 'a', op: 'ASKK' },
            { id: 1, name: 'b', op: 'PRINT' },
          ],
          edges: [{ from: 1, to: 7 }],
        }),
      );
      const r = apxm('validate', file);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /\$\.nodes\[0\]\.op.*unknown operation "ASKK"/);
      assert.match(r.stderr, /did you mean "ASK"/);
      assert.match(r.stderr, /\$\.nodes\[1\]\.id.*duplicate node id 1/);
      assert.match(r.stderr, /\$\.edges\[0\]\.to.*unknown destination node 7/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 when the run fails, naming the node and op', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-cli-'));
    try {
      const file = path.join(dir, 'fail.json');
      writeFileSync(
        file,
        JSON.stringify({ name: 'X.main', nodes: [{ id: 4, name: 'boom', op: 'ERR', attributes: { message: 'stop here' } }], edges: [] }),
      );
      const f = apxm('run', file);
      assert.equal(f.status, 1);
      assert.match(f.stderr, /node 4 \(ERR\): stop here/);
      assert.match(f.stderr, /run failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('inspects DAG statistics and the critical path', () => {
    const r = apxm('inspect', 'examples/trip-planner.json', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.flows[0].nodes, 7);
    assert.equal(out.flows[0].maxWidth, 3);
    assert.deepEqual(
      out.flows[0].criticalPath.nodes.map((n: { op: string }) => n.op),
      ['ASK', 'MERGE', 'THINK', 'PRINT'],
    );
    // the graph view's shape, from the same query the debugger serves
    assert.equal(out.graph.entry, out.entry);
    assert.equal(out.graph.flows[0].nodes.length, 7);
    assert.ok(out.graph.flows[0].nodes.every((n: { family?: string }) => typeof n.family === 'string'));
    assert.ok(out.graph.flows[0].edges.length > 0);
    assert.deepEqual(
      out.graph.flows[0].criticalPath.map((id: number) => out.graph.flows[0].nodes.find((n: { id: number }) => n.id === id).op),
      ['ASK', 'MERGE', 'THINK', 'PRINT'],
    );
  });

  it('validates and runs .ais sources; a bad one exits 2 listing every error with file:line:col', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-cli-'));
    try {
      writeFileSync(path.join(dir, 'p.ais'), 'agent A { @entry flow main(who: str) -> str { ask("Greet " + who) -> hi\n return hi } }');
      const ok = apxm('validate', path.join(dir, 'p.ais'));
      assert.equal(ok.status, 0, ok.stderr);
      const run = apxm('run', path.join(dir, 'p.ais'), '--arg', 'who=Ada', '--json');
      assert.equal(run.status, 0, run.stderr);
      assert.match(JSON.parse(run.stdout).result, /^\[simulated\]/);
      writeFileSync(
        path.join(dir, 'bad.ais'),
        'agent A {\n  @entry flow main() -> str {\n    ask("x" + nope) -> a\n    umem(a, "permanent")\n    return a\n  }\n}\n',
      );
      const bad = apxm('validate', path.join(dir, 'bad.ais'));
      assert.equal(bad.status, 2);
      assert.match(
        bad.stderr,
        /bad\.ais:3:15: error\[AIS_UNDEFINED_VARIABLE\] undefined variable 'nope': nothing of that name is bound here\n  fix: /,
      );
      assert.match(bad.stderr, /bad\.ais:4:13: error\[AIS_INVALID_TIER\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('compiles a program to .apxmobj, runs and inspects the artifact, and refuses a corrupt one', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-cli-'));
    try {
      const obj = path.join(dir, 'trip.apxmobj');
      const c = apxm('compile', 'examples/trip-planner.json', '-o', obj, '--created-at', '0');
      assert.equal(c.status, 0, c.stderr);
      assert.match(c.stdout, /wrote .*trip\.apxmobj: 1 flow, 7 nodes/);
      const first = readFileSync(obj);
      assert.equal(first.subarray(0, 4).toString('latin1'), 'APXM');
      assert.equal(apxm('compile', 'examples/trip-planner.json', '-o', obj, '--created-at', '0').status, 0);
      assert.deepEqual(readFileSync(obj), first, 'compiling is deterministic');
      const r = apxm('run', obj, '--arg', 'city=Lisbon', '--json');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).stats.llmCalls, 4);
      const i = apxm('inspect', obj);
      assert.equal(i.status, 0, i.stderr);
      assert.match(i.stdout, /artifact v1, flags 0, payload \d+ bytes, blake3 [0-9a-f]{16}/);
      assert.match(i.stdout, /critical path/);
      const bad = Buffer.from(first);
      bad[bad.length - 5] ^= 0xff;
      writeFileSync(obj, bad);
      const v = apxm('validate', obj);
      assert.equal(v.status, 2);
      assert.match(v.stderr, /BLAKE3|hash/i);
      assert.match(v.stderr, /trip\.apxmobj/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows usage for an unknown command', () => {
    const r = apxm('frobnicate');
    assert.equal(r.status, 64);
    assert.match(r.stderr, /usage: apxm/);
  });
});
