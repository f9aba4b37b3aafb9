/**
 * "APXM: Set API Key" and "APXM: Clear API Key": the LLM key lives in VS Code's SecretStorage,
 * never in settings or launch.json; a launch gets it in memory only (llmSettings.ts), from the
 * debug configuration provider. Nothing here logs, shows or echoes the key.
 */
import * as vscode from 'vscode';
import type { LaunchConfig } from '../launchDefaults.js';
import { withApiKey, withLlmSettings, withPrices, type LlmSettings } from './llmSettings.js';

export const API_KEY_SECRET = 'apxm.llm.apiKey';
const WARNED_OWN_KEY = 'apxm.warnedLaunchApiKey';
const SET_KEY = 'Set API Key';

let context: vscode.ExtensionContext | undefined;

async function setApiKey(ctx: vscode.ExtensionContext): Promise<void> {
  const key = await vscode.window.showInputBox({
    title: 'APXM: Set API Key',
    prompt: 'The key of the OpenAI-compatible server in apxm.llm.baseUrl; kept in VS Code’s secret storage, never in settings',
    placeHolder: 'sk-…',
    password: true,
    ignoreFocusOut: true,
    validateInput: (t) => (t.trim() ? (/\s/.test(t.trim()) ? 'A key has no spaces in it' : undefined) : 'Type or paste the key'),
  });
  if (key === undefined || !key.trim()) return;
  await ctx.secrets.store(API_KEY_SECRET, key.trim());
  void vscode.window.showInformationMessage('APXM: API key stored in secret storage; launches with "provider": "openai" use it.');
}

async function clearApiKey(ctx: vscode.ExtensionContext): Promise<void> {
  const had = await ctx.secrets.get(API_KEY_SECRET);
  await ctx.secrets.delete(API_KEY_SECRET);
  void vscode.window.showInformationMessage(had ? 'APXM: API key removed from secret storage.' : 'APXM: no API key was stored.');
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
  const keyed = withApiKey(config, await context.secrets.get(API_KEY_SECRET));
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
