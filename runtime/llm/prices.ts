/**
 * What an LLM call costs: a table of common models' prices (US dollars per 1M input / output
 * tokens), overridable per model, and the cost of one call from its token usage. A model with no
 * price has no cost (undefined), never a guessed one.
 */
import { ApxmError, type ErrorPlace } from '../errors.js';
import type { TokenUsage } from './types.js';

/** US dollars per 1M tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

export type PriceTable = Record<string, ModelPrice>;

/** When the built-in prices were taken from the providers' published price lists (README says the same). */
export const PRICES_AS_OF = '2026-03';

/** Standard (not batch, not cached-input) prices. Local models (Ollama's llama3…) cost nothing. */
export const BUILTIN_PRICES: Readonly<PriceTable> = Object.freeze({
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
  o3: { input: 2, output: 8 },
  'o3-mini': { input: 1.1, output: 4.4 },
  'o4-mini': { input: 1.1, output: 4.4 },
  'claude-3-5-sonnet': { input: 3, output: 15 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'claude-3-7-sonnet': { input: 3, output: 15 },
  'claude-sonnet-4': { input: 3, output: 15 },
  llama3: { input: 0, output: 0 },
  'llama3.1': { input: 0, output: 0 },
  'llama3.2': { input: 0, output: 0 },
});

/**
 * A model's price: its own entry, else the entry it is a dated snapshot or tag of
 * (`gpt-4o-2024-08-06`, `claude-3-5-sonnet-20241022`, `claude-3-5-sonnet-latest`, `llama3:8b`).
 * Only those suffixes: `gpt-4o-audio-preview` is another model and has no price here.
 */
export function priceOf(model: string, table: Readonly<PriceTable>): ModelPrice | undefined {
  const own = Object.hasOwn(table, model) ? table[model] : undefined;
  if (own) return own;
  const m = /^(.+?)(?:-\d{4}-\d{2}-\d{2}|-\d{8}|-latest|:[\w.-]+)$/.exec(model);
  return m && Object.hasOwn(table, m[1]) ? table[m[1]] : undefined;
}

/** The built-in table with `overrides` (from settings or apxm.config.json) taking precedence. */
export function priceTable(overrides?: PriceTable): PriceTable {
  return { ...BUILTIN_PRICES, ...overrides };
}

/**
 * One call's cost in US dollars. A simulated reply costs 0 unless its model has a price (a launch
 * that names a real model sees what the run would cost); any other reply of an unpriced model: undefined.
 */
export function callCost(model: string, usage: TokenUsage, simulated: boolean, table: Readonly<PriceTable>): number | undefined {
  const p = priceOf(model, table);
  if (!p) return simulated ? 0 : undefined;
  return (usage.inputTokens * p.input + usage.outputTokens * p.output) / 1_000_000;
}

/**
 * Checks a price table written by a user (`apxm.llm.prices`, a launch's `llm.prices`, apxm.config.json's
 * `llm.prices`): `{ "model": { "input": 2.5, "output": 10 } }`, dollars per 1M tokens, each ≥ 0.
 * The error names the JSON path (`<name>["gpt-4o"].input`) and the file when there is one.
 */
export function checkPriceTable(value: unknown, name: string, place?: Omit<ErrorPlace, 'jsonPath'>): PriceTable {
  const bad = (message: string, jsonPath: string): ApxmError =>
    new ApxmError('E_LLM_CONFIG', message, {
      place: { ...place, jsonPath },
      hint: 'write prices in US dollars per 1M tokens, e.g. { "my-model": { "input": 2.5, "output": 10 } }',
    });
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw bad(`${name} must be an object of model → { "input": dollars, "output": dollars } per 1M tokens`, name);
  const table: PriceTable = {};
  for (const [model, price] of Object.entries(value as Record<string, unknown>)) {
    const at = `${name}[${JSON.stringify(model)}]`;
    if (price === null || typeof price !== 'object' || Array.isArray(price))
      throw bad(`${at} must be { "input": dollars, "output": dollars } per 1M tokens`, at);
    const p = price as Record<string, unknown>;
    for (const k of Object.keys(p))
      if (k !== 'input' && k !== 'output') throw bad(`${at}.${k} is not a price field (only "input" and "output")`, `${at}.${k}`);
    for (const k of ['input', 'output'] as const)
      if (typeof p[k] !== 'number' || !Number.isFinite(p[k]) || p[k] < 0)
        throw bad(`${at}.${k} must be a number ≥ 0 (dollars per 1M tokens), got ${JSON.stringify(p[k])}`, `${at}.${k}`);
    table[model] = { input: p.input as number, output: p.output as number };
  }
  return table;
}

/** apxm.config.json's `"llm": {"prices": {...}}` (its other keys are checked by llmTimeoutsFromConfigFile). */
export function llmPricesFromConfigFile(section: unknown, file: string): PriceTable | undefined {
  if (section === null || typeof section !== 'object' || !('prices' in section)) return undefined;
  return checkPriceTable((section as { prices: unknown }).prices, '$.llm.prices', { file });
}
