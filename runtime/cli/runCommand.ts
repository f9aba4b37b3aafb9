/** `apxm run`: load, bind arguments, run on the chosen LLM provider, print result and summary. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ApxmError, formatError } from '../errors.js';
import type { LlmConfig } from '../llm/types.js';
import { openStorage } from '../memory/openStorage.js';
import { loadProgramFile } from '../programFile.js';
import { optimizeLevel } from './optimizeLevel.js';
import { createReplayRuntime, openRecording } from '../replay/replaySetup.js';
import { Runtime } from '../runtime.js';
import { findWorkspaceConfig, loadWorkspaceCapabilities, readWorkspaceConfig } from '../workspace.js';
import { formatResult, formatSummary } from './summary.js';
import { terminalHumanInput } from './terminalHumanInput.js';
import { EXIT, printWarnings } from './main.js';

function keyValues(list: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ApxmError('E_ARG_UNKNOWN', `${flag} expects name=value, got "${item}"`, { hint: `e.g. ${flag} city=Lisbon` });
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      arg: { type: 'string', multiple: true },
      llm: { type: 'string' },
      model: { type: 'string' },
      db: { type: 'string' },
      json: { type: 'boolean' },
      capabilities: { type: 'string' },
      config: { type: 'string' },
      'max-parallelism': { type: 'string' },
      answer: { type: 'string', multiple: true },
      'no-record': { type: 'boolean' },
      quiet: { type: 'boolean' },
      continue: { type: 'string' },
      optimize: { type: 'string', short: 'O' },
      replay: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new ApxmError('E_CONFIG', 'run takes one program file', { hint: 'apxm run examples/trip-planner.json --arg city=Lisbon' });
  const file = positionals[0];
  const program = await loadProgramFile(file, { optimize: optimizeLevel(values.optimize), ...(values.quiet ? {} : { onWarnings: printWarnings }) });
  const args = keyValues(values.arg, '--arg');
  const llmChoice = values.llm ?? process.env.APXM_LLM ?? 'simulated';
  const llm: LlmConfig = llmChoice === 'simulated' ? { provider: 'simulated' } : { provider: 'openai', baseUrl: llmChoice };
  if (values.model) llm.model = values.model;
  const maxParallelism = values['max-parallelism'] !== undefined ? Number(values['max-parallelism']) : undefined;
  if (maxParallelism !== undefined && (!Number.isInteger(maxParallelism) || maxParallelism < 1)) throw new ApxmError('E_CONFIG', `--max-parallelism must be a positive integer, got ${values['max-parallelism']}`);
  const configFile = findWorkspaceConfig(file, values.config);
  const workspace = configFile ? readWorkspaceConfig(configFile) : {};
  const base = {
    schedulerConfig: maxParallelism ? { maxParallelism } : {},
    humanInput: terminalHumanInput(keyValues(values.answer, '--answer'), Boolean(process.stdin.isTTY)),
    remoteAgents: workspace.remoteAgents,
  };
  // --replay: LLM replies and tool results come from a recorded run; nothing goes out, nothing is written to --db
  const recorded = values.replay !== undefined ? await openRecording(values.replay, values.db) : undefined;
  const replay = recorded
    ? await createReplayRuntime(recorded, { ...base, memoryConfig: { recordEpisodes: !values['no-record'] } }, (e) => process.stderr.write(`${formatError(e)}\n`))
    : undefined;
  // a run to continue is in an existing database: a mistyped --db is refused, not created empty
  if (values.continue !== undefined && values.db && !recorded) (await openStorage(values.db, { readonly: true })).close();
  const runtime = replay?.runtime ?? await Runtime.create({ llm, memoryConfig: { dbPath: values.db ?? ':memory:', recordEpisodes: !values['no-record'] }, ...base });
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write('\ncancelling…\n');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    await loadWorkspaceCapabilities(runtime.capabilitySystem(), path.resolve(file), { capabilities: values.capabilities, config: values.config });
    replay?.useRecordedTools();
    const quiet = values.quiet || values.json;
    if (!quiet) {
      runtime.events.on('print', (e) => process.stdout.write(e.text + '\n'));
      runtime.events.on('warning', (e) => process.stderr.write(`warning: ${e.message}\n`));
      runtime.events.on('node:failed', (e) => {
        if (e.handled) process.stderr.write(`caught: ${formatError(e.error)}\n`);
      });
    }
    if (values.continue !== undefined && !values.db) throw new ApxmError('E_CONFIG', '--continue needs the --db the run used', { hint: `apxm run ${file} --continue ${values.continue} --db run.sqlite` });
    const result = await runtime.execute(program, {
      args: recorded && !values.arg ? (recorded.args as Record<string, unknown>) : values.continue !== undefined && !values.arg ? undefined : args,
      signal: controller.signal,
      continueRun: values.continue,
    });
    if (values.json) {
      process.stdout.write(JSON.stringify({
        runId: result.runId, status: result.status, result: result.result ?? null, error: result.error?.toJSON() ?? null, stats: result.stats, outputs: result.outputs,
      }) + '\n');
    } else {
      if (result.status === 'succeeded') process.stdout.write(`\nresult: ${formatResult(result.result)}\n`);
      else if (result.error) process.stderr.write(formatError(result.error) + '\n');
      process.stderr.write(formatSummary(result.stats, result.status, runtime.llm.providerName) + '\n');
      if (recorded) process.stderr.write(`   replay     of run ${recorded.runId} (nothing was sent to an LLM or a tool)\n`);
      else if (values.db) process.stderr.write(`   trace      run ${result.runId} in ${values.db}\n`);
    }
    return result.status === 'succeeded' ? EXIT.ok : result.status === 'cancelled' ? EXIT.cancelled : EXIT.runFailed;
  } finally {
    process.off('SIGINT', onSigint);
    await runtime.dispose();
  }
}
