import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadProgramFile } from '../runtime/programFile.js';
import { adapterProcessCommand } from './adapterProcess.js';
import {
  argumentPrompt,
  checkArgument,
  missingParameters,
  programForLaunchJson,
  programProblem,
  savedConfiguration,
} from './argumentPrompts.js';
import { activationLine, pauseNotice, sessionInfoLines } from './sessionLog.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TRIP = path.resolve(HERE, '../../examples/trip_planner.ais');

describe('argument prompts (F5 without launch.json)', () => {
  it('asks for each entry parameter without a value, naming it, its type and the flow', { timeout: 10_000 }, async () => {
    const flow = (await loadProgramFile(TRIP)).entry;
    assert.deepEqual(
      missingParameters(flow, {}).map((p) => p.name),
      ['city'],
    );
    assert.deepEqual(missingParameters(flow, { args: { city: 'Oslo' } }), []);
    assert.deepEqual(missingParameters(flow, { replay: 'run-1' }), [], 'a replay runs with the recorded arguments');
    const p = argumentPrompt(flow, flow.parameters[0], TRIP, 'Lisbon');
    assert.equal(p.title, 'city (str) — argument of TripPlanner.main');
    assert.match(p.prompt, /trip_planner\.ais/);
    assert.equal(p.value, 'Lisbon');
  });

  it("checks typed text with the runtime's conversion: typed values, and a message without CLI flags", { timeout: 10_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-prompt-'));
    try {
      const file = path.join(dir, 'typed.ais');
      writeFileSync(file, 'agent T { @entry flow main(n: int, ok: bool, tags: json, r: float) -> str {\n  return "x" } }\n');
      const flow = (await loadProgramFile(file)).entry;
      const [n, ok, tags, r] = flow.parameters;
      assert.deepEqual(checkArgument(flow, n, '42'), { value: 42 });
      assert.deepEqual(checkArgument(flow, ok, 'false'), { value: false });
      assert.deepEqual(checkArgument(flow, tags, '["a"]'), { value: ['a'] });
      assert.deepEqual(checkArgument(flow, r, '1e-3'), { value: 0.001 });
      for (const [param, text] of [
        [n, '4.5'],
        [n, 'many'],
        [ok, 'yes'],
        [tags, '[oops'],
        [r, 'Infinity'],
      ] as const) {
        const got = checkArgument(flow, param, text);
        assert.ok('problem' in got, `${param.name}=${text}`);
        assert.match(got.problem, new RegExp(`^${param.name} must be`));
        assert.doesNotMatch(got.problem, /--arg/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('saves a configuration with a workspace-relative program and a name not taken yet', { timeout: 5_000 }, () => {
    const ws = path.resolve('/w');
    assert.equal(programForLaunchJson(path.join(ws, 'examples', 'a.ais'), ws), '${workspaceFolder}/examples/a.ais');
    assert.equal(programForLaunchJson(path.resolve('/elsewhere/a.ais'), ws), path.resolve('/elsewhere/a.ais'));
    assert.equal(programForLaunchJson(path.join(ws, 'a.ais'), undefined), path.join(ws, 'a.ais'));
    const c = savedConfiguration(path.join(ws, 'a.ais'), { city: 'Oslo' }, ws, [{ name: 'Debug a.ais' }, { name: 'Debug a.ais (2)' }]);
    assert.deepEqual(c, {
      type: 'apxm',
      request: 'launch',
      name: 'Debug a.ais (3)',
      program: '${workspaceFolder}/a.ais',
      args: { city: 'Oslo' },
    });
  });

  it('a program that does not compile is reported by its first error, with its place and the count', { timeout: 10_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-broken-'));
    try {
      const file = path.join(dir, 'broken.ais');
      writeFileSync(file, 'agent B { @entry flow main(x: str) -> str {\n  print(nope)\n  print(nada)\n  return x } }\n');
      const e = await loadProgramFile(file).then(
        () => assert.fail('it loaded'),
        (err: unknown) => err,
      );
      const p = programProblem(e, file);
      assert.match(p.message, /^broken\.ais does not load: .*nope.* \(line 2:\d+\)$/);
      assert.equal(p.file, file);
      assert.equal(p.line, 2);
      assert.equal(p.count, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the APXM output channel and the adapter process', () => {
  it('logs the backend that opened and, one line each, why the others did not; the db path; in memory said so', { timeout: 5_000 }, () => {
    const info = {
      storageBackend: 'node:sqlite',
      storageSkipped: ['better-sqlite3: built for another Node (its native module has ABI 115; Node 22.1.0 here needs ABI 127)'],
      dbPath: '/w/runs.sqlite',
      adapterMode: 'inline' as const,
      nodeVersion: '22.1.0',
      nodeAbi: '127',
      program: '/w/a.ais',
    };
    assert.deepEqual(sessionInfoLines('Debug a.ais', info), [
      'session "Debug a.ais": storage node:sqlite, database /w/runs.sqlite; adapter inline on Node 22.1.0 (ABI 127)',
      '  not used: better-sqlite3: built for another Node (its native module has ABI 115; Node 22.1.0 here needs ABI 127)',
    ]);
    assert.match(sessionInfoLines('x', { ...info, dbPath: ':memory:', storageSkipped: [] })[0], /database in memory \(no "db"/);
    assert.match(
      activationLine({ extensionVersion: '0.1.0', adapterMode: 'process', hostNode: '20.1.0', hostAbi: '115' }),
      /^APXM 0\.1\.0 active; debug adapter mode: process, adapter Node: VS Code's own/,
    );
    assert.equal(
      pauseNotice({ checkpointId: 'c1', message: 'Approve?', flow: 'H.main', nodeId: 2, source: { path: '/w/a.ais', line: 3 } }),
      'APXM PAUSE (H.main, line 3) waits for your answer: Approve?',
    );
  });

  it("runs VS Code's own runtime as Node (ELECTRON_RUN_AS_NODE), or the configured nodePath", { timeout: 5_000 }, () => {
    assert.deepEqual(adapterProcessCommand(undefined, '/opt/code/code', '/ext/dist/debugAdapter.js'), {
      command: '/opt/code/code',
      args: ['/ext/dist/debugAdapter.js'],
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
    assert.deepEqual(adapterProcessCommand(' /usr/bin/node22 ', '/opt/code/code', '/ext/a.js'), {
      command: '/usr/bin/node22',
      args: ['/ext/a.js'],
      env: {},
    });
    assert.equal(adapterProcessCommand('  ', '/opt/code/code', '/ext/a.js').command, '/opt/code/code');
  });
});
