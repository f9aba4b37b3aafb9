/** The CLI as a real process on hostile input: arguments, names with control characters. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { APXM_CLI, REPO_ROOT } from '../../test/support/apxmCli.js';

const root = REPO_ROOT;
const cli = APXM_CLI;
const apxm = (...args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', input: '', timeout: 20_000 });

describe('apxm CLI on hostile input', () => {
  let dir: string;
  const file = (name: string, doc: unknown): string => {
    const p = path.join(dir, name);
    writeFileSync(p, typeof doc === 'string' ? doc : JSON.stringify(doc));
    return p;
  };
  const intProgram = () =>
    file('n.json', {
      name: 'A.main',
      parameters: [{ name: 'n', type_name: 'int' }],
      nodes: [
        { id: 1, name: 'v', op: 'CONST_STR', attributes: { value: '{{n}}' } },
        { id: 2, name: 'r', op: 'RETURN' },
      ],
      edges: [{ from: 1, to: 2, dependency: 'Data' }],
    });
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-cli-inputs-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // Text that was not JSON was queued as a string: a typo reached CLAIM as text, with exit 0.
  it('queue push refuses a task that is not JSON, before it creates the database', { timeout: 30_000 }, () => {
    const db = path.join(dir, 'queue.sqlite');
    const r = apxm('queue', 'push', 'jobs', '{"n":1', '--db', db);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /error\[E_OPTION\] the task for queue push must be JSON: .+\n  fix: quote a string as JSON/);
    assert.equal(existsSync(db), false);
    const ok = apxm('queue', 'push', 'jobs', '"some text"', '--db', db);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^[0-9a-f-]{36}\n$/);
  });

  it('--arg __proto__=x is an unknown argument, not silently dropped', { timeout: 30_000 }, () => {
    const r = apxm('run', 'examples/trip-planner.json', '--arg', 'city=Lisbon', '--arg', '__proto__=x');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /error\[E_ARG_UNKNOWN\] unknown argument "__proto__"/);
  });

  it('an int argument beyond the safe range or not in decimal is refused with an int hint', { timeout: 30_000 }, () => {
    const program = intProgram();
    const ok = apxm('run', program, '--arg', 'n=-12', '--json');
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).result, -12);
    for (const bad of ['100000000000000000000000', '1e23', '1.5']) {
      const r = apxm('run', program, '--arg', `n=${bad}`);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /error\[E_ARG_UNKNOWN\] argument "n" of A\.main\(n: int\) must be an integer/);
      assert.match(r.stderr, /fix: pass a whole number, e\.g\. --arg n=42/);
    }
  });

  it(
    'validate and inspect refuse a node name with an escape sequence, naming its JSON path, and print no raw control character',
    { timeout: 30_000 },
    () => {
      const program = file('evil.json', {
        name: 'A.main',
        nodes: [
          { id: 1, name: 'x\u001b]0;pwned\u0007\u001b[2J', op: 'CONST_STR', attributes: { value: 'v' } },
          { id: 2, name: 'r', op: 'RETURN' },
        ],
        edges: [{ from: 1, to: 2, dependency: 'Data' }],
      });
      for (const command of ['validate', 'inspect', 'run']) {
        const r = apxm(command, program);
        assert.equal(r.status, 2, r.stderr);
        assert.match(
          r.stderr,
          /evil\.json \$\.nodes\[0\]\.name: error\[E_PROGRAM_INVALID\] node name "x\\x1b\]0;pwned\\x07\\x1b\[2J" contains the control character U\+001B/,
        );
        assert.doesNotMatch(r.stderr + r.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
      }
    },
  );

  it('an AIS error quoting program text escapes it', { timeout: 30_000 }, () => {
    const program = file('evil.ais', 'agent A {\n  @entry flow main() -> str {\n    return "{{ \u001b[2J\u202e }}"\n  }\n}\n');
    const r = apxm('validate', program);
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      /evil\.ais:3:13: error\[AIS_INVALID_INTERPOLATION\] only a variable name can be interpolated, found \{\{ \\x1b\[2J\\u202e \}\}/,
    );
    assert.doesNotMatch(r.stderr, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  });
});
