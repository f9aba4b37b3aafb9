/**
 * The extension's entry: starts the AIS language client. (package.json `main` still points at the
 * runtime; this entry is wired in once the extension is bundled.)
 */
import type * as vscode from 'vscode';
import { AisLanguageClient } from './languageClient.js';

let languageClient: AisLanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  languageClient = AisLanguageClient.start(context);
  context.subscriptions.push(languageClient);
}

export async function deactivate(): Promise<void> {
  const client = languageClient;
  languageClient = undefined;
  await client?.dispose();
}
