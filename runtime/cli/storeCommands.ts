/** Commands that work on a run database: list runs, answer a PAUSE, queue CLAIM work. */
import { parseArgs } from 'node:util';
import { ApxmError } from '../errors.js';
import { openStorage } from '../memory/openStorage.js';
import { tryParseJson } from '../values/value.js';
import { EXIT } from './main.js';

const DB_HINT = 'pass --db <file> (the same file the run used)';

export async function runsCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { db: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } } });
  if (!values.db) throw new ApxmError('E_CONFIG', 'runs needs a database', { hint: DB_HINT });
  const storage = await openStorage(values.db);
  try {
    const runs = storage.runList(Number(values.limit ?? 20));
    if (values.json) process.stdout.write(JSON.stringify(runs) + '\n');
    else for (const r of runs) process.stdout.write(`${r.runId}  ${r.status.padEnd(9)}  ${new Date(r.startedAt).toISOString()}  ${r.entryFlow}  ${r.program}\n`);
    return EXIT.ok;
  } finally {
    storage.close();
  }
}

export async function resumeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { db: { type: 'string' }, input: { type: 'string' } } });
  if (positionals.length !== 1 || values.input === undefined) throw new ApxmError('E_CONFIG', 'resume takes a checkpoint id and --input', { hint: 'apxm resume chk_1234_5 --input "approved" --db run.sqlite' });
  if (!values.db) throw new ApxmError('E_CONFIG', 'resume needs a database', { hint: DB_HINT });
  const storage = await openStorage(values.db);
  try {
    const cp = storage.checkpointGet(positionals[0]);
    if (!cp) throw new ApxmError('E_HUMAN_INPUT', `no checkpoint "${positionals[0]}" in ${values.db}`, { hint: 'list pending ones with: apxm runs --db <file>' });
    storage.checkpointPut({ ...cp, status: 'resumed', humanInput: tryParseJson(values.input) ?? values.input, resumedAt: Date.now() });
    process.stdout.write(`resumed ${cp.id}\n`);
    const run = storage.runGet(cp.runId);
    if (run && run.status !== 'running' && run.status !== 'succeeded') {
      process.stderr.write(`run ${run.runId} is ${run.status}; continue it with: apxm run ${run.program} --continue ${run.runId} --db ${values.db}\n`);
    }
    return EXIT.ok;
  } finally {
    storage.close();
  }
}

export async function queueCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { db: { type: 'string' } } });
  if (positionals[0] !== 'push' || positionals.length !== 3) throw new ApxmError('E_CONFIG', 'usage: apxm queue push <queue> <json> --db <file>');
  if (!values.db) throw new ApxmError('E_CONFIG', 'queue needs a database', { hint: DB_HINT });
  const storage = await openStorage(values.db);
  try {
    const id = storage.queuePush(positionals[1], tryParseJson(positionals[2]) ?? positionals[2]);
    process.stdout.write(`${id}\n`);
    return EXIT.ok;
  } finally {
    storage.close();
  }
}
