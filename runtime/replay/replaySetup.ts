/**
 * What `apxm run --replay` and the debugger's `launch { replay }` share: find the recording (a
 * trace file, or a run id in a database), then make a runtime whose LLM and tools answer from it.
 * The replay runs on an in-memory database, so replaying never writes into the recorded one.
 */
import { existsSync } from 'node:fs';
import { ApxmError } from '../errors.js';
import { openStorage } from '../memory/openStorage.js';
import { Runtime } from '../runtime.js';
import type { RuntimeConfig } from '../config.js';
import { loadRecordedRun, type RecordedRun } from './recordedRun.js';
import { registerReplayCapabilities, type ReplayCapabilities } from './replayCapabilities.js';
import type { DivergenceListener } from './replayDivergence.js';
import { ReplayLlmProvider } from './replayProvider.js';
import { readTraceFile } from './traceFile.js';

/** `source`: a trace file (`apxm trace export`), or the id of a run recorded in `db`. */
export async function openRecording(source: string, db?: string): Promise<RecordedRun> {
  if (/\.json$/i.test(source) || existsSync(source)) return readTraceFile(source);
  if (!db) {
    throw new ApxmError('E_USAGE', `"${source}" is not a trace file, and no database was given to find run ${source} in`, {
      hint: 'give the database the run was recorded in (--db / "db"), or a trace file made with: apxm trace export <run-id> --db <file> -o trace.json',
    });
  }
  // read-only: never created, migrated or written, so a recording on a read-only disk replays
  const storage = await openStorage(db, { readonly: true });
  try {
    return loadRecordedRun(storage, source);
  } finally {
    storage.close();
  }
}

export interface ReplayRuntime {
  runtime: Runtime;
  provider: ReplayLlmProvider;
  /** Call after the workspace's tools are registered: it shadows them with the recorded results. */
  useRecordedTools(): ReplayCapabilities;
  dispose(): void;
}

/** A runtime whose LLM replies come from `recorded` (and, after useRecordedTools, its tool results). */
export async function createReplayRuntime(
  recorded: RecordedRun,
  config: Omit<RuntimeConfig, 'llm' | 'llmProvider'> = {},
  onDivergence?: DivergenceListener,
): Promise<ReplayRuntime> {
  const provider = new ReplayLlmProvider(recorded, onDivergence ? { onDivergence } : {});
  const runtime = await Runtime.create({ ...config, memoryConfig: { ...config.memoryConfig, dbPath: ':memory:' }, llmProvider: provider });
  // identical prompts sent in parallel must get the reply their own node got
  const stopFollowing = provider.followNodes(runtime.events);
  return {
    runtime,
    provider,
    useRecordedTools: () => registerReplayCapabilities(runtime.capabilitySystem(), recorded, onDivergence ? { onDivergence } : {}),
    dispose: stopFollowing,
  };
}
