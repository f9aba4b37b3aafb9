/**
 * The extension's entry (bundled to dist/extension.cjs): the AIS language client and the APXM
 * debugger (package.json `main`; `npm install` builds it through `prepare`).
 */
import * as vscode from 'vscode';
import { registerDebugger } from './debugAdapterFactory.js';
import { registerCapabilityExplorer } from './capabilities/capabilityExplorer.js';
import { registerGraphView } from './graph/graphView.js';
import { registerApiKey } from './llm/apiKey.js';
import { registerInlineValues } from './inline/inlineValues.js';
import { registerMemoryInspector } from './memory/memoryInspector.js';
import { AisLanguageClient } from './languageClient.js';
import { registerLaunchExperience } from './launchExperience.js';
import { registerProgramEditors } from './programEditors.js';
import { registerRunsView } from './runs/runsView.js';
import { registerRunStatusBar } from './status/runStatusBar.js';
import { registerFlowLenses } from './lens/flowLenses.js';

let languageClient: AisLanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  // the debugger first: a language server that fails to start must not take debugging with it
  registerLaunchExperience(context);
  registerDebugger(context);
  registerProgramEditors(context);
  registerGraphView(context);
  registerCapabilityExplorer(context);
  registerRunsView(context);
  registerApiKey(context);
  registerRunStatusBar(context);
  registerFlowLenses(context);
  registerInlineValues(context);
  registerMemoryInspector(context);
  startLanguageServerWithAis(context);
}

/**
 * The AIS language server starts with the first AIS document, not with the extension: opening a
 * JSON file activates the extension (an ApxmGraph program gets its Run and Debug buttons), and
 * must not start a server process in a workspace without AIS.
 */
function startLanguageServerWithAis(context: vscode.ExtensionContext): void {
  const start = () => {
    if (languageClient) return;
    try {
      languageClient = AisLanguageClient.start(context);
      context.subscriptions.push(languageClient);
    } catch (e) {
      console.error(`APXM: the AIS language server did not start: ${(e as Error).message}`);
    }
  };
  if (vscode.workspace.textDocuments.some((d) => d.languageId === 'ais')) return start();
  const opened = vscode.workspace.onDidOpenTextDocument((d) => {
    if (d.languageId !== 'ais') return;
    opened.dispose();
    start();
  });
  context.subscriptions.push(opened);
}

export async function deactivate(): Promise<void> {
  const client = languageClient;
  languageClient = undefined;
  await client?.dispose();
}
