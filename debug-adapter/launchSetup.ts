/**
 * What a launch sets up before its run starts: the adapter's capabilities, the launch's paths
 * resolved against `cwd`, the program and (replay) the recording, and a runtime per run with the
 * workspace's configuration and capabilities.
 */
import path from 'node:path';
import { statSync } from 'node:fs';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { formatError } from '../runtime/errors.js';
import { bindArguments } from '../runtime/graph/bindArguments.js';
import { llmTimeoutsFromConfigFile } from '../runtime/llm/llmTimeouts.js';
import { loadProgramFile } from '../runtime/programFile.js';
import { createReplayRuntime, openRecording } from '../runtime/replay/replaySetup.js';
import { Runtime } from '../runtime/runtime.js';
import { findWorkspaceConfig, loadWorkspaceCapabilities, readWorkspaceConfig } from '../runtime/workspace.js';
import type { AdapterMode, ApxmEvents } from './customProtocol.js';
import { llmPricesFromConfigFile } from '../runtime/llm/prices.js';
import { llmConfigOf, type ApxmLaunchArguments } from './launchArguments.js';
import { EXCEPTION_FILTERS } from './sessionBreakpoints.js';
import type { ConsoleCategory, SessionRun } from './sessionState.js';

type Say = (text: string, category: ConsoleCategory) => void;

export const ADAPTER_CAPABILITIES: DebugProtocol.Capabilities = {
  supportsConfigurationDoneRequest: true,
  supportsFunctionBreakpoints: true,
  supportsConditionalBreakpoints: true,
  supportsHitConditionalBreakpoints: true,
  supportsLogPoints: true,
  supportsEvaluateForHovers: true,
  supportsBreakpointLocationsRequest: true,
  supportsTerminateRequest: true,
  supportsExceptionInfoRequest: true,
  supportsSetVariable: true,
  supportsStepInTargetsRequest: true,
  supportsCompletionsRequest: true,
  completionTriggerCharacters: ['.', '('],
  supportsDataBreakpoints: true,
  supportsLoadedSourcesRequest: true,
  supportsRestartRequest: true,
  supportsStepBack: true,
  supportsSingleThreadExecutionRequests: false,
  exceptionBreakpointFilters: EXCEPTION_FILTERS,
  // the token and cost limits take their limit as a condition
  supportsExceptionFilterOptions: true,
};

/** The launch's paths resolved against `cwd`, or what is wrong with `cwd`. */
export function resolveLaunchPaths(raw: ApxmLaunchArguments): ApxmLaunchArguments | string {
  // Relative paths are relative to `cwd` (the adapter may run inside the extension host, whose own working directory means nothing here).
  const base = raw.cwd ?? process.cwd();
  // a cwd that is not a directory would make every relative path, and a new database's folder, land somewhere unintended
  if (raw.cwd !== undefined && !statSync(raw.cwd, { throwIfNoEntry: false })?.isDirectory())
    return `"cwd" ${raw.cwd} is not a directory: set it to the folder the program's relative paths start from`;
  // an empty db or capabilities means the default (in memory; the module next to the program)
  return {
    ...raw,
    program: path.resolve(base, raw.program),
    db: raw.db ? path.resolve(base, raw.db) : undefined,
    capabilities: raw.capabilities ? path.resolve(base, raw.capabilities) : undefined,
  };
}

/** Loads the program (and the recording of a replay) into `run`, and checks the entry flow's arguments; throws what is wrong. */
export async function loadLaunch(run: SessionRun, args: ApxmLaunchArguments, say: Say): Promise<void> {
  run.program = await loadProgramFile(args.program, {
    optimize: args.optimize ?? 0,
    onWarnings: (ws) => ws.forEach((w) => say(formatError({ ...w }, 'warning'), 'console')),
  });
  if (args.replay) {
    const base = args.cwd ?? process.cwd();
    const source = path.isAbsolute(args.replay) || !/\.json$/i.test(args.replay) ? args.replay : path.resolve(base, args.replay);
    run.recording = await openRecording(source, args.db);
    say(`replaying run ${run.recording.runId}: LLM replies and tool results come from the recording\n`, 'console');
  }
  // a missing or ill-typed argument fails the launch (before anything is opened), not a session already started
  bindArguments(run.program.entry, runArguments(run));
}

/** The entry flow's arguments: the launch's, else (replay) the recorded run's. */
export function runArguments(run: SessionRun): Record<string, unknown> {
  return run.args?.args ?? (run.recording?.args as Record<string, unknown> | undefined) ?? {};
}

/** A runtime for one run; a replay needs a fresh one per run (its recording is consumed as it is served). */
export async function makeRuntime(run: SessionRun, db: string | undefined, say: Say): Promise<Runtime> {
  const args = run.args as ApxmLaunchArguments;
  const schedulerConfig = args.maxParallelism ? { maxParallelism: args.maxParallelism } : {};
  const replay = run.recording
    ? await createReplayRuntime(run.recording, { schedulerConfig }, (e) => say(`${formatError(e)}\n`, 'important'))
    : undefined;
  // apxm.config.json next to the program: remote agents and the LLM timeout, as `apxm run` reads them
  const configFile = findWorkspaceConfig(args.program);
  const workspace = configFile ? readWorkspaceConfig(configFile) : {};
  const fileTimeout = configFile ? llmTimeoutsFromConfigFile(workspace.llm, configFile) : undefined;
  const filePrices = configFile ? llmPricesFromConfigFile(workspace.llm, configFile) : undefined;
  const runtime =
    replay?.runtime ??
    (await Runtime.create({
      llm: llmConfigOf(args, fileTimeout, filePrices),
      memoryConfig: { dbPath: db ?? ':memory:' },
      schedulerConfig,
      remoteAgents: workspace.remoteAgents,
    }));
  try {
    await loadWorkspaceCapabilities(runtime.capabilitySystem(), args.program, { capabilities: args.capabilities });
    replay?.useRecordedTools();
    return runtime;
  } catch (e) {
    // a capabilities module that fails to load leaves no database or server open
    await runtime.dispose().catch(() => undefined);
    throw e;
  }
}

/** What the session runs on, once per launch: the extension's "APXM" output channel logs it. */
export function sessionInfo(run: SessionRun, mode: AdapterMode): ApxmEvents['apxm/sessionInfo'] | undefined {
  const storage = run.runtime?.storage;
  if (!storage || !run.args) return undefined;
  return {
    storageBackend: storage.kind,
    storageSkipped: [...(storage.skipped ?? [])],
    dbPath: storage.location,
    adapterMode: mode,
    nodeVersion: process.versions.node,
    nodeAbi: process.versions.modules,
    program: run.args.program,
  };
}
