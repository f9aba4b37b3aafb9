/**
 * The LLM a launch uses when its configuration names none (the `apxm.llm.*` settings), and the API
 * key from SecretStorage added to it in memory only (no `vscode` import: the configuration
 * provider calls this, and tests call it directly).
 */
import type { LaunchConfig } from '../launchDefaults.js';

/** `apxm.llm.provider`, `apxm.llm.baseUrl`, `apxm.llm.model` as read from the settings (anything may be there). */
export interface LlmSettings {
  provider?: unknown;
  baseUrl?: unknown;
  model?: unknown;
  /** `apxm.llm.prices`: `{ model: { input, output } }`, US dollars per 1M tokens. */
  prices?: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/**
 * A configuration whose `llm` names no provider gets the settings' provider, base URL and model
 * (its own fields, such as `timeoutMs` or a `model`, win); one that names its provider is its own.
 * A launch.json `llm` that is not an object is left for the adapter to refuse, naming the field.
 */
export function withLlmSettings(config: LaunchConfig, settings: LlmSettings): LaunchConfig {
  const own = config.llm;
  if (own !== undefined && (!isRecord(own) || own.provider !== undefined)) return config;
  const provider = settings.provider === 'openai' ? 'openai' : undefined;
  const model = text(settings.model);
  const fromSettings: Record<string, unknown> = {
    ...(provider ? { provider, ...(text(settings.baseUrl) ? { baseUrl: text(settings.baseUrl) } : {}) } : {}),
    ...(model ? { model } : {}),
  };
  if (!Object.keys(fromSettings).length) return config;
  return { ...config, llm: { ...fromSettings, ...(own ?? {}) } };
}

/** What `withApiKey` did: the configuration to launch, and whether launch.json carried a key of its own. */
export interface KeyedLaunch {
  config: LaunchConfig;
  /** launch.json has `llm.apiKey`: it is used, and the user is told (once) to move it to "APXM: Set API Key". */
  ownKey: boolean;
}

/** Stored API keys by the server they were set for: its origin (`https://api.openai.com`), the key. */
export type StoredKeys = Record<string, string>;

/** A base URL's origin (scheme, host and port: where a key may be sent), or undefined when it is not an http(s) URL. */
export function serverOf(baseUrl: unknown): string | undefined {
  if (typeof baseUrl !== 'string') return undefined;
  try {
    const u = new URL(baseUrl.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Adds the stored key of the launch's server (the origin of its `llm.baseUrl`) to an
 * OpenAI-compatible launch that has none of its own. A key goes only to the server it was set
 * for: a launch.json pointing at another server gets none, and a simulated launch never carries one.
 */
export function withApiKey(config: LaunchConfig, stored: StoredKeys | undefined): KeyedLaunch {
  const llm = config.llm;
  if (!isRecord(llm)) return { config, ownKey: false };
  if (llm.apiKey !== undefined && llm.apiKey !== null && llm.apiKey !== '') return { config, ownKey: true };
  const server = serverOf(llm.baseUrl);
  const key = server && stored && Object.hasOwn(stored, server) ? stored[server] : undefined;
  if (llm.provider !== 'openai' || !key) return { config, ownKey: false };
  return { config: { ...config, llm: { ...llm, apiKey: key } }, ownKey: false };
}

/** The stored keys as kept in SecretStorage (a JSON object); anything else reads as none. */
export function parseStoredKeys(text: string | undefined): StoredKeys {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    if (!isRecord(v)) return {};
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
  } catch {
    return {};
  }
}

/**
 * `apxm.llm.prices` added to any launch (its costs, whichever provider it names), under the
 * launch's own `llm.prices`; the adapter checks them and names a bad entry's path.
 */
export function withPrices(config: LaunchConfig, prices: unknown): LaunchConfig {
  const llm = config.llm ?? {};
  // a launch.json llm (or llm.prices) that is not an object is left for the adapter to refuse, naming it
  if (!isRecord(prices) || !Object.keys(prices).length || !isRecord(llm)) return config;
  if (llm.prices !== undefined && !isRecord(llm.prices)) return config;
  return { ...config, llm: { ...llm, prices: { ...prices, ...llm.prices } } };
}
