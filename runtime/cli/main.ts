/** `apxm`: run, validate and inspect APXM programs headless. */
import { parseArgs } from 'node:util';
import { ApxmError, asApxmError, formatError } from '../errors.js';
import type { Diagnostic } from '../graph/diagnostics.js';
import { inspectCommand } from './inspectCommand.js';
import { runCommand } from './runCommand.js';
import { compileCommand } from './compileCommand.js';
import { resumeCommand, runsCommand, queueCommand } from './storeCommands.js';
import { traceCommand } from './traceCommand.js';
import { loadProgramFile } from '../programFile.js';
import { terminalSafe } from '../values/terminalSafe.js';

export const EXIT = { ok: 0, runFailed: 1, invalidProgram: 2, usage: 64, cancelled: 130 } as const;

const USAGE = `usage: apxm <command> [options]

commands:
  run <program> [--arg name=value]... [--llm simulated|<base-url>] [--model m] [--llm-timeout ms]
                [--db path] [--json] [--capabilities file] [--config apxm.config.json] [--max-parallelism n]
                [--answer checkpoint=text]... [--no-record] [--quiet] [--continue run-id]
                [--replay run-id|trace.json]   re-run with every LLM reply and tool result from a recording
                --continue picks up a paused or stopped run (same --db): finished nodes are not run again;
                a run another live process owns is refused (exit 2)
  compile <program> [-o out.apxmobj] [-O0|-O1] [--upstream-only] [--created-at ms]
                                                    write an upstream-compatible .apxmobj artifact
  validate <program> [--json]
  inspect <program> [-O0|-O1] [--json]              -O1 fuses chains of asks (.ais); inspect lists them
  runs --db path [--limit n] [--json]               list recorded runs (read-only; a dead owner's run: interrupted)
  runs delete <run-id> --db path                    delete a run and its trace (not one a live process runs)
  resume <checkpoint> --input <text> [--db path]    answer a PAUSE (a live run picks it up; a stopped one with run --continue)
  queue push <queue> <json> [--db path]             add a task for CLAIM
  trace export <run-id> --db path [-o trace.json]   write a recorded run as a portable trace file (for replay)
  trace timeline <run-id|trace.json> [--db path] [--json]   its ops as timeline bars and the critical path
  dap [--server=PORT [--host=ADDRESS]]              the debug adapter (DAP) over stdio, or over TCP on 127.0.0.1

exit codes: 0 success, 1 run failed, 2 invalid program or arguments, 64 usage error, 130 cancelled`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest);
      case 'validate':
        return await validateCommand(rest);
      case 'inspect':
        return await inspectCommand(rest);
      case 'compile':
        return await compileCommand(rest);
      case 'runs':
        return await runsCommand(rest);
      case 'resume':
        return await resumeCommand(rest);
      case 'queue':
        return await queueCommand(rest);
      case 'trace':
        return await traceCommand(rest);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        process.stderr.write(`apxm: unknown command "${command}"\n\n${USAGE}\n`);
        return EXIT.usage;
    }
  } catch (e) {
    return reportError(e);
  }
}

/** AIS compiler warnings, on stderr so `--json` output stays clean. */
export function printWarnings(warnings: Diagnostic[]): void {
  for (const d of warnings) process.stderr.write(formatError({ ...d, code: d.code }, 'warning') + '\n');
}

/**
 * Ends the process with `code` once stdout and stderr are written. The command has finished (its
 * runtime disposed, its trace written): work left behind — a tool that ignores cancellation, a
 * timer a capability started — must not keep it alive.
 */
export function exitWhenWritten(code: number): void {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/** Prints an error (all diagnostics when it carries several) and picks the exit code. */
export function reportError(e: unknown): number {
  if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`apxm: ${e.message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const err = asApxmError(e);
  const diags = (err.details?.diagnostics as Diagnostic[] | undefined) ?? [];
  if (diags.length > 1 || diags[0]?.code.startsWith('AIS_'))
    for (const d of diags) process.stderr.write(formatError({ ...d, code: d.code }, d.severity) + '\n');
  else process.stderr.write(formatError(err) + '\n');
  if (!(e instanceof ApxmError) && e instanceof Error && process.env.APXM_DEBUG) process.stderr.write(`${e.stack}\n`);
  if (err.code === 'E_USAGE') return EXIT.usage;
  return INVALID_INPUT.test(err.code) ? EXIT.invalidProgram : err.code === 'E_CANCELLED' ? EXIT.cancelled : EXIT.runFailed;
}

/**
 * Codes of errors in what the user gave (program, arguments, options, configuration files, a --db
 * that is no database, a run another process owns): exit 2, not "the run failed".
 */
const INVALID_INPUT =
  /^(E_PROGRAM|E_ARG|AIS_|E_CONFIG$|E_OPTION$|E_LLM_CONFIG$|E_CAPABILITY_MODULE$|E_STORAGE$|E_RUN_BUSY$|E_RUN_NOT_FOUND$|E_RUN_STATE$|E_TRACE_FILE$)/;

async function validateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' } } });
  if (positionals.length !== 1)
    throw new ApxmError('E_USAGE', 'validate takes one program file', { hint: 'apxm validate examples/trip-planner.json' });
  const program = await loadProgramFile(positionals[0], { onWarnings: printWarnings });
  const nodes = program.flows.reduce((s, f) => s + f.nodes.length, 0);
  if (values.json)
    process.stdout.write(JSON.stringify({ valid: true, flows: program.flows.length, nodes, entry: program.entry.qualifiedName }) + '\n');
  else
    process.stdout.write(
      `ok: ${terminalSafe(positionals[0])} — ${program.flows.length} flow${program.flows.length === 1 ? '' : 's'}, ${nodes} nodes, entry ${program.entry.qualifiedName}\n`,
    );
  return EXIT.ok;
}
