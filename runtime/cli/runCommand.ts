/** `apxm run`: load, bind arguments, run on the chosen LLM provider, print result and summary. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ApxmError, formatError } from '../errors.js';
import { llmTimeoutFlag, llmTimeoutsFromConfigFile } from '../llm/llmTimeouts.js';
import { llmPricesFromConfigFile } from '../llm/prices.js';
import { parseNameValueFlags } from '../graph/bindArguments.js';
import { terminalSafe } from '../values/terminalSafe.js';
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

const keyValues = parseNameValueFlags;

/** Printed text and the result are the program's (often an LLM's): escaped on a terminal, raw into a pipe. */
const forTerminal = (text: string): string => (process.stdout.isTTY ? terminalSafe(text, true) : text);

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      arg: { type: 'string', multiple: true },
      llm: { type: 'string' },
      model: { type: 'string' },
      'llm-timeout': { type: 'string' },
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
  if (positionals.length !== 1)
    throw new ApxmError('E_USAGE', 'run takes one program file', { hint: 'apxm run examples/trip-planner.json --arg city=Lisbon' });
  const file = positionals[0];
  const program = await loadProgramFile(file, {
    optimize: optimizeLevel(values.optimize),
    ...(values.quiet ? {} : { onWarnings: printWarnings }),
  });
  const args = keyValues(values.arg, '--arg');
  const llmChoice = values.llm ?? process.env.APXM_LLM ?? 'simulated';
  const llm: LlmConfig = llmChoice === 'simulated' ? { provider: 'simulated' } : { provider: 'openai', baseUrl: llmChoice };
  if (values.model) llm.model = values.model;
  const maxParallelism = values['max-parallelism'] !== undefined ? Number(values['max-parallelism']) : undefined;
  if (maxParallelism !== undefined && (!Number.isInteger(maxParallelism) || maxParallelism < 1))
    throw new ApxmError('E_OPTION', `--max-parallelism must be a positive integer, got ${values['max-parallelism']}`);
  const configFile = findWorkspaceConfig(file, values.config);
  const workspace = configFile ? readWorkspaceConfig(configFile) : {};
  // the LLM timeout: --llm-timeout, else "llm": {"timeoutMs"} in apxm.config.json, else the defaults by latency class
  const fileTimeout = configFile ? llmTimeoutsFromConfigFile(workspace.llm, configFile) : undefined;
  const timeoutMs = values['llm-timeout'] !== undefined ? llmTimeoutFlag(values['llm-timeout']) : fileTimeout;
  if (timeoutMs !== undefined) llm.timeoutMs = timeoutMs;
  // prices over the built-in table, for the summary's cost: "llm": {"prices"} in apxm.config.json
  const prices = configFile ? llmPricesFromConfigFile(workspace.llm, configFile) : undefined;
  if (prices) llm.prices = prices;
  const base = {
    schedulerConfig: maxParallelism ? { maxParallelism } : {},
    humanInput: terminalHumanInput(keyValues(values.answer, '--answer'), Boolean(process.stdin.isTTY)),
    remoteAgents: workspace.remoteAgents,
  };
  // --replay: LLM replies and tool results come from a recorded run; nothing goes out, nothing is written to --db
  const recorded = values.replay !== undefined ? await openRecording(values.replay, values.db) : undefined;
  const replay = recorded
    ? await createReplayRuntime(recorded, { ...base, memoryConfig: { recordEpisodes: !values['no-record'] } }, (e) =>
        process.stderr.write(`${formatError(e)}\n`),
      )
    : undefined;
  // a run to continue is in an existing database: a mistyped --db is refused, not created empty
  if (values.continue !== undefined && values.db && !recorded) (await openStorage(values.db, { readonly: true })).close();
  const runtime =
    replay?.runtime ??
    (await Runtime.create({ llm, memoryConfig: { dbPath: values.db ?? ':memory:', recordEpisodes: !values['no-record'] }, ...base }));
  const controller = new AbortController();
  // The first Ctrl-C (or SIGTERM, SIGHUP) cancels the run, which is then recorded as cancelled; a
  // second one exits at once (the exit hook still kills MCP servers; worker threads end with us).
  let interrupts = 0;
  const onSignal = () => {
    if (++interrupts === 1) {
      process.stderr.write('\ncancelling… (Ctrl-C again to quit at once)\n');
      controller.abort();
    } else {
      process.stderr.write('\nquitting\n');
      process.exit(EXIT.cancelled);
    }
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, onSignal);
  try {
    await loadWorkspaceCapabilities(runtime.capabilitySystem(), path.resolve(file), {
      capabilities: values.capabilities,
      config: values.config,
      signal: controller.signal,
    });
    replay?.useRecordedTools();
    const quiet = values.quiet || values.json;
    if (!quiet) {
      runtime.events.on('print', (e) => process.stdout.write(forTerminal(e.text) + '\n'));
      runtime.events.on('warning', (e) => process.stderr.write(`warning: ${terminalSafe(e.message, true)}\n`));
      runtime.events.on('node:failed', (e) => {
        if (e.handled) process.stderr.write(`caught: ${formatError(e.error)}\n`);
      });
    }
    if (values.continue !== undefined && !values.db)
      throw new ApxmError('E_USAGE', '--continue needs the --db the run used', {
        hint: `apxm run ${file} --continue ${values.continue} --db run.sqlite`,
      });
    const result = await runtime.execute(program, {
      args:
        recorded && !values.arg
          ? (recorded.args as Record<string, unknown>)
          : values.continue !== undefined && !values.arg
            ? undefined
            : args,
      signal: controller.signal,
      continueRun: values.continue,
    });
    if (values.json) {
      process.stdout.write(
        JSON.stringify({
          runId: result.runId,
          status: result.status,
          result: result.result ?? null,
          error: result.error?.toJSON() ?? null,
          stats: result.stats,
          outputs: result.outputs,
        }) + '\n',
      );
    } else {
      if (result.status === 'succeeded') process.stdout.write(`\nresult: ${forTerminal(formatResult(result.result))}\n`);
      else if (result.error) process.stderr.write(formatError(result.error) + '\n');
      process.stderr.write(formatSummary(result.stats, result.status, runtime.llm.providerName) + '\n');
      if (recorded) process.stderr.write(`   replay     of run ${recorded.runId} (nothing was sent to an LLM or a tool)\n`);
      else if (values.db) process.stderr.write(`   trace      run ${result.runId} in ${values.db}\n`);
    }
    return result.status === 'succeeded' ? EXIT.ok : result.status === 'cancelled' ? EXIT.cancelled : EXIT.runFailed;
  } finally {
    try {
      await runtime.dispose();
    } finally {
      for (const s of signals) process.off(s, onSignal);
    }
  }
}
