/** The `launch` request's arguments (package.json `configurationAttributes` mirror this), checked. */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { LlmConfig } from '../runtime/llm/types.js';

export interface ApxmLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** `.ais`, `.json` or `.apxmobj`. */
  program: string;
  /** Entry-flow arguments by parameter name. */
  args?: Record<string, unknown>;
  stopOnEntry?: boolean;
  llm?: {
    /** `simulated` (default) or `openai` (any OpenAI-compatible server at `baseUrl`). */
    provider?: 'simulated' | 'openai';
    baseUrl?: string;
    model?: string;
    /** For a host that keeps the key itself (never from launch.json); never logged. Else APXM_LLM_API_KEY / OPENAI_API_KEY. */
    apiKey?: string;
  };
  /** SQLite file for LTM, the episodic trace, checkpoints (default: in memory). */
  db?: string;
  maxParallelism?: number;
  /** A capabilities module (default: apxm.capabilities.mjs next to the program). */
  capabilities?: string;
  /** Compile `.ais` with -O1 (fused asks; breakpoints then map to fused nodes). */
  optimize?: 0 | 1;
  /**
   * Re-execute a recorded run: a run id (in `db`) or a trace file (`apxm trace export`). Every LLM
   * reply and tool result comes from the recording; nothing is sent out; `args` default to the run's.
   */
  replay?: string;
  /** Directory `program`, `db`, `capabilities` and a `replay` trace file are relative to (default: the adapter's working directory). */
  cwd?: string;
}

/** A problem with the launch configuration, said in terms of its fields. */
export function checkLaunchArguments(a: Partial<ApxmLaunchArguments>): string | undefined {
  if (typeof a.program !== 'string' || !a.program.trim()) return '"program" must be the path of a .ais, .json or .apxmobj file';
  if (a.args !== undefined && (a.args === null || typeof a.args !== 'object' || Array.isArray(a.args))) return '"args" must be an object: { "parameter": value }';
  if (a.maxParallelism !== undefined && (!Number.isInteger(a.maxParallelism) || a.maxParallelism < 1)) return '"maxParallelism" must be a positive integer';
  const p = a.llm?.provider;
  if (p !== undefined && p !== 'simulated' && p !== 'openai') return '"llm.provider" must be "simulated" or "openai"';
  if (a.replay !== undefined && (typeof a.replay !== 'string' || !a.replay.trim())) return '"replay" must be a run id or the path of a trace file';
  if (p === 'openai' && !a.llm?.baseUrl) return '"llm.baseUrl" is needed with "provider": "openai" (e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1)';
  return undefined;
}

export function llmConfigOf(a: ApxmLaunchArguments): LlmConfig {
  if (a.llm?.provider !== 'openai') return { provider: 'simulated', ...(a.llm?.model ? { model: a.llm.model } : {}) };
  return {
    provider: 'openai', baseUrl: a.llm.baseUrl,
    ...(a.llm.model ? { model: a.llm.model } : {}),
    ...(a.llm.apiKey ? { apiKey: a.llm.apiKey } : {}),
  };
}
