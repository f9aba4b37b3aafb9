/** Commands that work on a run database: list runs, answer a PAUSE, queue CLAIM work. */
import { parseArgs } from 'node:util';
import { ApxmError } from '../errors.js';
import { formatCost } from '../llm/costText.js';
import { openStorage } from '../memory/openStorage.js';
import { describeOwner, displayStatus } from '../memory/runLease.js';
import { durationText } from '../query/durationText.js';
import { runList } from '../query/runList.js';
import { tryParseJson, type Value } from '../values/value.js';
import { EXIT } from './main.js';

const DB_HINT = 'pass --db <file> (the same file the run used)';

/**
 * Reads only (`runs`): opens the file read-only, never creates or migrates it. `runs delete <run-id>`
 * removes one run with its trace in one transaction, refusing a run a live process owns.
 */
export async function runsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { db: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (!values.db) throw new ApxmError('E_USAGE', 'runs needs a database', { hint: DB_HINT });
  if (positionals[0] === 'delete') {
    if (positionals.length !== 2) throw new ApxmError('E_USAGE', 'usage: apxm runs delete <run-id> --db <file>');
    return deleteRun(values.db, positionals[1], Boolean(values.json));
  }
  if (positionals.length)
    throw new ApxmError('E_USAGE', `runs takes no argument "${positionals[0]}"`, {
      hint: 'apxm runs --db <file> [--json], or apxm runs delete <run-id> --db <file>',
    });
  const limit = Number(values.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1) throw new ApxmError('E_OPTION', `--limit must be a positive integer, got ${values.limit}`);
  const storage = await openStorage(values.db, { readonly: true });
  try {
    const runs = runList(storage, { limit });
    if (values.json) process.stdout.write(JSON.stringify(runs) + '\n');
    else
      for (const r of runs)
        process.stdout.write(
          `${r.runId}  ${String(r.status).padEnd(11)}  ${new Date(r.startedAt).toISOString()}  ${(r.durationMs === undefined ? '-' : durationText(r.durationMs)).padStart(9)}  ${String(r.tokens).padStart(7)} tok  ${(r.llmCalls ? (r.cost !== undefined ? formatCost(r.cost) : '?') : '-').padStart(8)}  ${r.entryFlow}  ${r.program}\n`,
        );
    return EXIT.ok;
  } finally {
    storage.close();
  }
}

async function deleteRun(db: string, runId: string, json: boolean): Promise<number> {
  const storage = await openStorage(db, { mustExist: true });
  try {
    const run = storage.runGet(runId);
    if (!run)
      throw new ApxmError('E_RUN_NOT_FOUND', `no run "${runId}" in ${db}`, { hint: 'list the recorded runs with: apxm runs --db <file>' });
    if (displayStatus(run) === 'running')
      throw new ApxmError(
        'E_RUN_BUSY',
        `run ${runId} is running (${run.lease ? describeOwner(run.lease) : 'owner unknown'}); it is not deleted`,
        {
          hint: 'delete it once it has ended, or stop the process that runs it',
        },
      );
    storage.runDelete(runId);
    process.stdout.write(json ? JSON.stringify({ deleted: runId }) + '\n' : `deleted ${runId}\n`);
    return EXIT.ok;
  } finally {
    storage.close();
  }
}

export async function resumeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { db: { type: 'string' }, input: { type: 'string' } },
  });
  if (positionals.length !== 1 || values.input === undefined)
    throw new ApxmError('E_USAGE', 'resume takes a checkpoint id and --input', {
      hint: 'apxm resume chk_1234_5 --input "approved" --db run.sqlite',
    });
  if (!values.db) throw new ApxmError('E_USAGE', 'resume needs a database', { hint: DB_HINT });
  const storage = await openStorage(values.db, { mustExist: true });
  try {
    const cp = storage.checkpointGet(positionals[0]);
    if (!cp)
      throw new ApxmError('E_HUMAN_INPUT', `no checkpoint "${positionals[0]}" in ${values.db}`, {
        hint: 'list pending ones with: apxm runs --db <file>',
      });
    storage.checkpointPut({ ...cp, status: 'resumed', humanInput: tryParseJson(values.input) ?? values.input, resumedAt: Date.now() });
    process.stdout.write(`resumed ${cp.id}\n`);
    const run = storage.runGet(cp.runId);
    const status = run && displayStatus(run);
    if (run && status !== 'running' && status !== 'succeeded') {
      process.stderr.write(
        `run ${run.runId} is ${status}; continue it with: apxm run ${run.program} --continue ${run.runId} --db ${values.db}\n`,
      );
    }
    return EXIT.ok;
  } finally {
    storage.close();
  }
}

// Text that is not JSON used to be queued as a string, so a task with a typo (`{"n":1`) reached
// CLAIM as text instead of failing here; a string is written as JSON ('"text"') like any value.
function taskJson(text: string): Value {
  const task = tryParseJson(text);
  if (task !== undefined) return task;
  let why = 'it is not JSON';
  try {
    JSON.parse(text);
  } catch (e) {
    why = (e as Error).message;
  }
  throw new ApxmError('E_OPTION', `the task for queue push must be JSON: ${why}`, {
    hint: `quote a string as JSON, e.g. apxm queue push jobs '"some text"', or pass an object: '{"n": 1}'`,
  });
}

export async function queueCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { db: { type: 'string' } } });
  if (positionals[0] !== 'push' || positionals.length !== 3)
    throw new ApxmError('E_USAGE', 'usage: apxm queue push <queue> <json> --db <file>');
  if (!values.db) throw new ApxmError('E_USAGE', 'queue needs a database', { hint: DB_HINT });
  const task = taskJson(positionals[2]);
  const storage = await openStorage(values.db);
  try {
    const id = storage.queuePush(positionals[1], task);
    process.stdout.write(`${id}\n`);
    return EXIT.ok;
  } finally {
    storage.close();
  }
}
