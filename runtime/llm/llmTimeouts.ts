/**
 * The LLM timeout setting, read from the library config, `--llm-timeout` or apxm.config.json.
 * It bounds each attempt of a call as a whole: connecting, the headers and the entire reply,
 * streamed or not (there is no separate idle timeout, so a slow trickle is bounded too).
 */
import { ApxmError, type ErrorPlace } from '../errors.js';
import { LLM_TIMEOUT_BY_LATENCY, type LatencyClass } from './types.js';

/** One number for every latency class, or one per class (the others keep their defaults). */
export type LlmTimeoutSetting = number | Partial<Record<LatencyClass, number>>;

/** 24 h: longer is surely a mistake (and past 2^31 ms Node's timers fire at once). */
export const MAX_LLM_TIMEOUT_MS = 86_400_000;

const CLASSES = Object.keys(LLM_TIMEOUT_BY_LATENCY) as LatencyClass[];
const RANGE = `a whole number of milliseconds from 1 to ${MAX_LLM_TIMEOUT_MS} (24 h)`;
const HINT =
  'e.g. --llm-timeout 120000, or "llm": {"timeoutMs": 120000} in apxm.config.json ({"timeoutMs": {"High": 600000}} for one latency class)';

/**
 * The timeout of each latency class. Errors (E_LLM_CONFIG, exit 2) name the setting `name`, and
 * with `file` give its place there as a JSON path.
 */
export function llmTimeouts(setting: unknown, name = 'llm.timeoutMs', file?: string): Record<LatencyClass, number> {
  const place = file ? { file, jsonPath: name } : undefined;
  if (setting === undefined) return { ...LLM_TIMEOUT_BY_LATENCY };
  if (typeof setting === 'number') {
    check(setting, name, place);
    return { None: setting, Low: setting, Medium: setting, High: setting };
  }
  if (typeof setting !== 'object' || setting === null || Array.isArray(setting)) {
    throw invalid(
      `${name} must be ${RANGE}, or an object of them by latency class (${CLASSES.join(', ')}); got ${JSON.stringify(setting)}`,
      place,
    );
  }
  const out = { ...LLM_TIMEOUT_BY_LATENCY };
  for (const [key, value] of Object.entries(setting)) {
    const path = `${name}.${key}`;
    const at = file ? { file, jsonPath: path } : undefined;
    if (!CLASSES.includes(key as LatencyClass)) throw invalid(`${path} is not a latency class: use ${CLASSES.join(', ')}`, at);
    if (value === undefined) continue;
    check(value, path, at);
    out[key as LatencyClass] = value as number;
  }
  return out;
}

/** `--llm-timeout ms`: digits only, in range (E_CONFIG, exit 2). */
export function llmTimeoutFlag(text: string): number {
  const ms = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(ms >= 1 && ms <= MAX_LLM_TIMEOUT_MS))
    throw new ApxmError('E_OPTION', `--llm-timeout must be ${RANGE}, got "${text}"`, { hint: HINT });
  return ms;
}

/**
 * The `llm` section of apxm.config.json: only `timeoutMs` is read there (the provider comes from
 * --llm), so any other key is reported rather than silently ignored.
 */
export function llmTimeoutsFromConfigFile(section: unknown, file: string): LlmTimeoutSetting | undefined {
  if (section === undefined) return undefined;
  if (typeof section !== 'object' || section === null || Array.isArray(section)) {
    throw invalid(`$.llm must be an object like {"timeoutMs": 120000}, got ${JSON.stringify(section)}`, { file, jsonPath: '$.llm' });
  }
  for (const key of Object.keys(section)) {
    if (key !== 'timeoutMs' && key !== 'prices')
      throw invalid(
        `$.llm.${key} is not a setting apxm.config.json takes (only "timeoutMs" and "prices"; the server and model come from --llm and --model)`,
        { file, jsonPath: `$.llm.${key}` },
      );
  }
  const value = (section as { timeoutMs?: unknown }).timeoutMs;
  if (value === undefined) return undefined;
  llmTimeouts(value, '$.llm.timeoutMs', file);
  return value as LlmTimeoutSetting;
}

function check(value: unknown, name: string, place: ErrorPlace | undefined): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_LLM_TIMEOUT_MS) {
    throw invalid(`${name} must be ${RANGE}, got ${JSON.stringify(value)}`, place);
  }
}

function invalid(message: string, place: ErrorPlace | undefined): ApxmError {
  return new ApxmError('E_LLM_CONFIG', message, { place, hint: HINT });
}
