/** The `launch` request's arguments (package.json `configurationAttributes` mirror this), checked. */
import type { DebugProtocol } from '@vscode/debugprotocol';
import { asApxmError } from '../runtime/errors.js';
import { llmTimeouts, type LlmTimeoutSetting } from '../runtime/llm/llmTimeouts.js';
import { checkPriceTable, type PriceTable } from '../runtime/llm/prices.js';
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
    /** Milliseconds per attempt, for every latency class or by class; else apxm.config.json's, else the defaults. */
    timeoutMs?: LlmTimeoutSetting;
    /** US dollars per 1M input / output tokens by model, over apxm.config.json's and the built-in table (VS Code: `apxm.llm.prices`). */
    prices?: PriceTable;
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
  /**
   * For .json/.apxmobj programs: the URI of the client's own document showing the DAG listing
   * (the VS Code extension fills it). Stack frames and breakpoints then use this URI instead of a
   * sourceReference, so breakpoints set in the listing before a session apply, and persist.
   */
  listingUri?: string;
  /**
   * The client shows a waiting PAUSE itself, from `apxm/pauseWaiting` (the VS Code extension sets it):
   * the adapter's text about it then goes to the console, not as an `important` notice VS Code shows
   * as a notification of its own that no answer can withdraw.
   */
  clientShowsPauses?: boolean;
  /**
   * The client shows a failed launch itself, from the error response (the VS Code extension sets it and
   * shows a notification with actions): the response then asks not to be shown (`showUser: false`),
   * where VS Code would otherwise raise a modal dialog of its own.
   */
  clientShowsLaunchErrors?: boolean;
}

/** A problem with the launch configuration, said in terms of its fields; every field is checked, as a client may send anything. */
export function checkLaunchArguments(a: Record<string, unknown>): string | undefined {
  if (typeof a.program !== 'string' || !a.program.trim()) return '"program" must be the path of a .ais, .json or .apxmobj file';
  if (a.args !== undefined && !isRecord(a.args)) return '"args" must be an object: { "parameter": value }';
  for (const k of ['stopOnEntry', 'noDebug', 'clientShowsPauses', 'clientShowsLaunchErrors'] as const)
    if (a[k] !== undefined && typeof a[k] !== 'boolean') return `"${k}" must be true or false`;
  for (const k of ['db', 'capabilities', 'cwd'] as const)
    if (a[k] !== undefined && typeof a[k] !== 'string') return `"${k}" must be a path (a string)`;
  if (a.maxParallelism !== undefined && (!Number.isSafeInteger(a.maxParallelism) || (a.maxParallelism as number) < 1))
    return '"maxParallelism" must be a positive integer';
  if (a.optimize !== undefined && a.optimize !== 0 && a.optimize !== 1) return '"optimize" must be 0 or 1';
  if (a.replay !== undefined && (typeof a.replay !== 'string' || !a.replay.trim()))
    return '"replay" must be a run id or the path of a trace file';
  if (a.listingUri !== undefined && (typeof a.listingUri !== 'string' || !URI.test(a.listingUri)))
    return '"listingUri" must be a URI such as apxm-dag:/path/program.json (DAG) (the APXM extension fills it; leave it out elsewhere)';
  if (a.llm === undefined) return undefined;
  if (!isRecord(a.llm))
    return '"llm" must be an object: { "provider": "simulated" } or { "provider": "openai", "baseUrl": "...", "model": "..." }';
  const p = a.llm.provider;
  if (p !== undefined && p !== 'simulated' && p !== 'openai') return '"llm.provider" must be "simulated" or "openai"';
  // only the field's name: the key's value is never echoed
  for (const k of ['baseUrl', 'model', 'apiKey'] as const)
    if (a.llm[k] !== undefined && typeof a.llm[k] !== 'string') return `"llm.${k}" must be a string`;
  try {
    if (a.llm.timeoutMs !== undefined) llmTimeouts(a.llm.timeoutMs, '"llm.timeoutMs"');
    if (a.llm.prices !== undefined) checkPriceTable(a.llm.prices, 'llm.prices');
  } catch (e) {
    return asApxmError(e).message;
  }
  if (p === 'openai' && !a.llm.baseUrl)
    return '"llm.baseUrl" is needed with "provider": "openai" (e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1)';
  return undefined;
}

/** A scheme of two characters or more, so a Windows drive letter is not taken for one. */
const URI = /^[a-z][a-z0-9+.-]+:/i;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The provider a launch asks for; the timeout is the launch's, else `fileTimeout` (apxm.config.json's);
 * prices are the launch's over `filePrices` (apxm.config.json's), model by model.
 */
export function llmConfigOf(a: ApxmLaunchArguments, fileTimeout?: LlmTimeoutSetting, filePrices?: PriceTable): LlmConfig {
  const timeoutMs = a.llm?.timeoutMs ?? fileTimeout;
  const timeout = timeoutMs !== undefined ? { timeoutMs } : {};
  const priced = filePrices || a.llm?.prices ? { prices: { ...filePrices, ...a.llm?.prices } } : {};
  if (a.llm?.provider !== 'openai')
    return { provider: 'simulated', ...(a.llm?.model ? { model: a.llm.model } : {}), ...timeout, ...priced };
  return {
    provider: 'openai',
    baseUrl: a.llm.baseUrl,
    ...timeout,
    ...priced,
    ...(a.llm.model ? { model: a.llm.model } : {}),
    ...(a.llm.apiKey ? { apiKey: a.llm.apiKey } : {}),
  };
}
