/**
 * "APXM: Set API Key" and "APXM: Clear API Key": LLM keys live in VS Code's SecretStorage, each
 * for the server it was set for (apxm.llm.baseUrl's origin, or one typed), never in settings or
 * launch.json; a launch to that server gets it in memory only (llmSettings.ts), from the debug
 * configuration provider. Nothing here logs, shows or echoes a key.
 */
import * as vscode from 'vscode';
import type { LaunchConfig } from '../launchDefaults.js';
import { parseStoredKeys, serverOf, withApiKey, withLlmSettings, withPrices, type LlmSettings, type StoredKeys } from './llmSettings.js';

/** The keys by server, a JSON object `{ origin: key }` (llmSettings.ts, StoredKeys). */
export const API_KEYS_SECRET = 'apxm.llm.apiKeys';
/** Where one key was kept before keys were tied to their server: moved to apxm.llm.baseUrl's server on first use. */
const LEGACY_KEY_SECRET = 'apxm.llm.apiKey';
const WARNED_OWN_KEY = 'apxm.warnedLaunchApiKey';
const SET_KEY = 'Set API Key';

let context: vscode.ExtensionContext | undefined;

async function storedKeys(ctx: vscode.ExtensionContext): Promise<StoredKeys> {
  const keys = parseStoredKeys(await ctx.secrets.get(API_KEYS_SECRET));
  const legacy = await ctx.secrets.get(LEGACY_KEY_SECRET);
  if (!legacy) return keys;
  // it was set "for the server in apxm.llm.baseUrl": that server keeps it, unless it has a newer one
  const server = serverOf(vscode.workspace.getConfiguration('apxm.llm').get('baseUrl'));
  if (server && !keys[server]) {
    keys[server] = legacy;
    await ctx.secrets.store(API_KEYS_SECRET, JSON.stringify(keys));
  }
  await ctx.secrets.delete(LEGACY_KEY_SECRET);
  return keys;
}

/** The server a key is set for: apxm.llm.baseUrl's, else one the user types. */
async function askServer(): Promise<string | undefined> {
  const fromSettings = serverOf(vscode.workspace.getConfiguration('apxm.llm').get('baseUrl'));
  if (fromSettings) return fromSettings;
  const url = await vscode.window.showInputBox({
    title: 'APXM: Set API Key (1/2)',
    prompt:
      'The base URL of the OpenAI-compatible server the key is for (apxm.llm.baseUrl is not set); the key is sent to that server only',
    placeHolder: 'https://api.openai.com/v1',
    ignoreFocusOut: true,
    validateInput: (t) => (serverOf(t) ? undefined : 'An http:// or https:// URL, e.g. https://api.openai.com/v1'),
  });
  return url === undefined ? undefined : serverOf(url);
}

async function setApiKey(ctx: vscode.ExtensionContext): Promise<void> {
  const server = await askServer();
  if (!server) return;
  const key = await vscode.window.showInputBox({
    title: 'APXM: Set API Key',
    prompt: `The key of ${server}: sent to that server only, kept in VS Code’s secret storage, never in settings`,
    placeHolder: 'sk-…',
    password: true,
    ignoreFocusOut: true,
    validateInput: (t) => (t.trim() ? (/\s/.test(t.trim()) ? 'A key has no spaces in it' : undefined) : 'Type or paste the key'),
  });
  if (key === undefined || !key.trim()) return;
  const keys = await storedKeys(ctx);
  keys[server] = key.trim();
  await ctx.secrets.store(API_KEYS_SECRET, JSON.stringify(keys));
  void vscode.window.showInformationMessage(
    `APXM: API key stored in secret storage for ${server}; launches with "provider": "openai" and a baseUrl there use it.`,
  );
}

async function clearApiKey(ctx: vscode.ExtensionContext): Promise<void> {
  const keys = await storedKeys(ctx);
  const servers = Object.keys(keys);
  if (!servers.length) {
    void vscode.window.showInformationMessage('APXM: no API key was stored.');
    return;
  }
  const ALL = 'All servers';
  const pick =
    servers.length === 1
      ? servers[0]
      : await vscode.window.showQuickPick([...servers, ALL], {
          title: 'APXM: Clear API Key',
          placeHolder: 'The server whose key to remove',
        });
  if (!pick) return;
  for (const s of pick === ALL ? servers : [pick]) delete keys[s];
  if (Object.keys(keys).length) await ctx.secrets.store(API_KEYS_SECRET, JSON.stringify(keys));
  else await ctx.secrets.delete(API_KEYS_SECRET);
  void vscode.window.showInformationMessage(`APXM: API key removed from secret storage (${pick === ALL ? 'every server' : pick}).`);
}

/** The `apxm.llm.*` settings for a launch in `folder`. */
export function llmSettings(folder: vscode.WorkspaceFolder | undefined): LlmSettings {
  const c = vscode.workspace.getConfiguration('apxm.llm', folder?.uri);
  return { provider: c.get('provider'), baseUrl: c.get('baseUrl'), model: c.get('model'), prices: c.get('prices') };
}

/** The settings' LLM for a configuration that names none, and their prices for every one (resolveDebugConfiguration). */
export function applyLlmSettings(folder: vscode.WorkspaceFolder | undefined, config: LaunchConfig): LaunchConfig {
  const settings = llmSettings(folder);
  return withPrices(withLlmSettings(config, settings), settings.prices);
}

/**
 * The stored key added to an OpenAI launch, in the configuration VS Code hands to the adapter (last
 * step before it starts). A launch.json key of its own is used, with a warning once per workspace.
 */
export async function applyStoredApiKey(config: LaunchConfig): Promise<LaunchConfig> {
  if (!context) return config;
  const keyed = withApiKey(config, await storedKeys(context));
  if (keyed.ownKey && !context.workspaceState.get<boolean>(WARNED_OWN_KEY)) {
    await context.workspaceState.update(WARNED_OWN_KEY, true);
    const ctx = context;
    void vscode.window
      .showWarningMessage(
        'APXM: this launch configuration has its own "llm.apiKey". Keys in launch.json end up in version control: store it with "APXM: Set API Key" and remove it from launch.json.',
        SET_KEY,
      )
      .then((pick) => (pick === SET_KEY ? setApiKey(ctx) : undefined));
  }
  return keyed.config;
}

export function registerApiKey(ctx: vscode.ExtensionContext): void {
  context = ctx;
  ctx.subscriptions.push(
    vscode.commands.registerCommand('apxm.setApiKey', () => setApiKey(ctx)),
    vscode.commands.registerCommand('apxm.clearApiKey', () => clearApiKey(ctx)),
  );
}
