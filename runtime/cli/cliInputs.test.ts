/** The CLI as a real process on hostile input: arguments, names with control characters. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = path.join(root, 'out/runtime/cli/apxm.js');
const apxm = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', input: '', timeout: 20_000 });

describe('apxm CLI on hostile input', () => {
  let dir: string;
  const file = (name: string, doc: unknown): string => {
    const p = path.join(dir, name);
    writeFileSync(p, typeof doc === 'string' ? doc : JSON.stringify(doc));
    return p;
  };
  const intProgram = () => file('n.json', {
    name: 'A.main', parameters: [{ name: 'n', type_name: 'int' }],
    nodes: [{ id: 1, name: 'v', op: 'CONST_STR', attributes: { value: '{{n}}' } }, { id: 2, name: 'r', op: 'RETURN' }],
    edges: [{ from: 1, to: 2, dependency: 'Data' }],
  });
  before(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-cli-inputs-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

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
});
