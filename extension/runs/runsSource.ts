/**
 * Reads the runs database for the Runs view from the extension host, whose Node may not load the
 * better-sqlite3 build the CLI uses: in this process through node:sqlite when the host has it
 * (Node 22.5 or later), else through the bundled `apxm` CLI in a process of its own (run with the
 * same Node choice as the adapter's process mode), else a problem to show, one line and its fix,
 * never a native-module error. Read-only except `deleteRun`. No `vscode` import: tested directly.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { asApxmError } from '../../runtime/errors.js';
import { openStorage } from '../../runtime/memory/openStorage.js';
import { nodeSqliteAvailable } from '../../runtime/memory/nodeSqliteDriver.js';
import type { StorageBackend } from '../../runtime/memory/storage.js';
import { displayStatus } from '../../runtime/memory/runLease.js';
import { runList, type RunSummary } from '../../runtime/query/runList.js';
import { timelineOfRecording, type Timeline } from '../../runtime/query/timeline.js';
import { loadRecordedRun } from '../../runtime/replay/recordedRun.js';
import { readTraceFile, writeTraceFile } from '../../runtime/replay/traceFile.js';
import { adapterProcessCommand } from '../adapterProcess.js';

export interface RunsSourceOptions {
  /** The database file. */
  db: string;
  /** The bundled CLI (dist/apxmCli.js), for hosts without node:sqlite. */
  cliScript: string;
  /** `apxm.debugAdapter.nodePath`: the Node the CLI runs on, else the host's own (as Node). */
  nodePath?: string;
  hostExecPath: string;
  /** Whether this process can open the database itself (default: it has node:sqlite). */
  inProcess?: boolean;
  limit?: number;
}

/** What went wrong, said for the Runs view: one line, and what to set. */
export interface RunsProblem {
  problem: string;
  fix: string;
}

export type RunsRead = { runs: RunSummary[]; via: 'node:sqlite' | 'cli' | 'none' } | RunsProblem;

const NODE_FIX = 'set "apxm.debugAdapter.nodePath" to a Node 22.5 or later (or the Node the APXM CLI was installed with)';
const CLI_TIMEOUT_MS = 30_000;

export class RunsSourceError extends Error {
  constructor(readonly report: RunsProblem) {
    super(report.problem);
  }
}

export async function readRuns(o: RunsSourceOptions): Promise<RunsRead> {
  // no database yet: nothing was recorded (never created here: reading is read-only)
  if (!existsSync(o.db)) return { runs: [], via: 'none' };
  try {
    if (o.inProcess ?? nodeSqliteAvailable())
      return { runs: await withStorage(o, true, (s) => runList(s, { limit: o.limit ?? 50 })), via: 'node:sqlite' };
    return {
      runs: JSON.parse(await cli(o, ['runs', '--db', o.db, '--json', '--limit', String(o.limit ?? 50)])) as RunSummary[],
      via: 'cli',
    };
  } catch (e) {
    return e instanceof RunsSourceError ? e.report : problemOf(o, e);
  }
}

/** The timeline of a recorded run (by id in the database) or of a trace file. */
export async function readTimeline(o: RunsSourceOptions, run: { runId: string } | { traceFile: string }): Promise<Timeline> {
  // a trace file is JSON: any host reads it
  if ('traceFile' in run) return guard(o, () => timelineOfRecording(readTraceFile(run.traceFile)));
  if (o.inProcess ?? nodeSqliteAvailable()) return withStorage(o, true, (s) => timelineOfRecording(loadRecordedRun(s, run.runId)));
  return JSON.parse(await cli(o, ['trace', 'timeline', run.runId, '--db', o.db, '--json'])) as Timeline;
}

export async function exportTrace(o: RunsSourceOptions, runId: string, file: string): Promise<void> {
  if (o.inProcess ?? nodeSqliteAvailable()) return withStorage(o, true, (s) => writeTraceFile(file, loadRecordedRun(s, runId)));
  await cli(o, ['trace', 'export', runId, '--db', o.db, '-o', file]);
}

/** Deletes one run and its trace in one transaction; a run a live process owns is refused. */
export async function deleteRun(o: RunsSourceOptions, runId: string): Promise<void> {
  if (o.inProcess ?? nodeSqliteAvailable())
    return withStorage(o, false, (s) => {
      const run = s.runGet(runId);
      if (!run) throw new RunsSourceError({ problem: `no run ${runId} in ${o.db}`, fix: 'refresh the Runs view' });
      if (displayStatus(run) === 'running')
        throw new RunsSourceError({ problem: `run ${runId} is running; it is not deleted`, fix: 'delete it once it has ended' });
      s.runDelete(runId);
    });
  await cli(o, ['runs', 'delete', runId, '--db', o.db]);
}

async function withStorage<T>(o: RunsSourceOptions, readonly: boolean, fn: (s: StorageBackend) => T): Promise<T> {
  return guard(o, async () => {
    const storage = await openStorage(
      o.db,
      readonly ? { backend: 'node:sqlite', readonly: true } : { backend: 'node:sqlite', mustExist: true },
    );
    try {
      return fn(storage);
    } finally {
      storage.close();
    }
  });
}

async function guard<T>(o: RunsSourceOptions, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw e instanceof RunsSourceError ? e : new RunsSourceError(problemOf(o, e));
  }
}

/** Runs the CLI; its stdout, or a RunsSourceError with the first line of what it said. */
function cli(o: RunsSourceOptions, args: string[]): Promise<string> {
  const c = adapterProcessCommand(o.nodePath, o.hostExecPath, o.cliScript);
  return new Promise((resolve, reject) => {
    execFile(
      c.command,
      [...c.args, ...args],
      { env: { ...process.env, ...c.env }, timeout: CLI_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const said = firstLine(stderr.replace(/^apxm: /, ''));
        const spawnFailed = (error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EACCES';
        reject(
          new RunsSourceError(
            spawnFailed
              ? { problem: `cannot run Node ${c.command} to read ${o.db}: ${(error as Error).message.split('\n')[0]}`, fix: NODE_FIX }
              : { problem: said || `the APXM CLI could not read ${o.db} (exit ${String(error.code ?? error.signal)})`, fix: cliFix(said) },
          ),
        );
      },
    );
  });
}

const firstLine = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('at ')) ?? '';

function cliFix(said: string): string {
  if (/built for another Node|node:sqlite|NODE_MODULE_VERSION|cannot open the memory database/.test(said)) return NODE_FIX;
  return /fix: (.*)$/.exec(said)?.[1] ?? 'check the "apxm.runs.database" setting';
}

function problemOf(o: RunsSourceOptions, e: unknown): RunsProblem {
  const err = asApxmError(e);
  const message = firstLine(err.message);
  return { problem: message || `cannot read ${o.db}`, fix: err.hint ?? 'check the "apxm.runs.database" setting' };
}
