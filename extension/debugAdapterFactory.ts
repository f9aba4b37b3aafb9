/**
 * Registers the APXM debugger with VS Code, one adapter class and three ways to host it (as
 * vscode-mock-debug does): inline in the extension host (default), as its own process, or by
 * connecting to a running `apxm dap --server=PORT`.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { ApxmDebugSession } from '../debug-adapter/apxmDebugSession.js';
import { adapterProcessCommand } from './adapterProcess.js';
import { nodeSqliteAvailable } from '../runtime/memory/nodeSqliteDriver.js';
import { fillLaunchConfig, runsDatabasePath } from './launchDefaults.js';
import { applyLlmSettings, applyStoredApiKey } from './llm/apiKey.js';
import { resolveLaunchArguments } from './launchPrompts.js';
import { activeProgram } from './programEditors.js';

class ApxmAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly extensionPath: string) {}

  createDebugAdapterDescriptor(): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    const config = vscode.workspace.getConfiguration('apxm.debugAdapter');
    switch (config.get<string>('mode', 'inline')) {
      case 'process': {
        const c = adapterProcessCommand(
          config.get<string>('nodePath'),
          process.execPath,
          path.join(this.extensionPath, 'dist', 'debugAdapter.js'),
        );
        return new vscode.DebugAdapterExecutable(c.command, c.args, { env: c.env });
      }
      case 'server':
        return new vscode.DebugAdapterServer(config.get<number>('port', 4711), '127.0.0.1');
      default:
        return new vscode.DebugAdapterInlineImplementation(new ApxmDebugSession({ mode: 'inline' }));
    }
  }
}

/**
 * Whether the adapter can open an SQLite file: inline, it runs on this host's Node, which may have
 * neither node:sqlite nor the better-sqlite3 build (then F5 keeps the in-memory database rather
 * than fail); as a process or server it runs on a Node of the user's choice.
 */
function recordsHere(): boolean {
  const mode = vscode.workspace.getConfiguration('apxm.debugAdapter').get<string>('mode', 'inline');
  return mode !== 'inline' || nodeSqliteAvailable();
}

/** Fills launch configurations (launchDefaults.ts): F5 without launch.json, and `cwd`. */
class ApxmConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(private readonly context: vscode.ExtensionContext) {}

  resolveDebugConfiguration(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.ProviderResult<vscode.DebugConfiguration> {
    // the .apxmobj viewer and a DAG listing count as their program's editor
    const active = activeProgram();
    const activeFile = active.file !== undefined ? vscode.Uri.file(active.file) : undefined;
    const workspaceFolder = (folder ?? (activeFile ? vscode.workspace.getWorkspaceFolder(activeFile) : undefined))?.uri.fsPath;
    const filled = fillLaunchConfig(config, {
      workspaceFolder,
      activeFile: active.file,
      activeFileText: active.text,
      ...(recordsHere()
        ? { runsDatabase: runsDatabasePath(vscode.workspace.getConfiguration('apxm.runs').get<string>('database'), workspaceFolder) }
        : {}),
    });
    if ('error' in filled) {
      void vscode.window.showInformationMessage(String(filled.error));
      return undefined; // abort the launch
    }
    return applyLlmSettings(folder, filled) as vscode.DebugConfiguration;
  }

  /**
   * The program is known now (`${file}` substituted): checks it loads, asks for missing entry
   * arguments (launchPrompts.ts); last, the stored API key, so it exists only in what the adapter gets.
   */
  async resolveDebugConfigurationWithSubstitutedVariables(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    const resolved = await resolveLaunchArguments(this.context, config);
    return resolved && ((await applyStoredApiKey(resolved)) as vscode.DebugConfiguration);
  }
}

export function registerDebugger(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('apxm', new ApxmAdapterFactory(context.extensionPath)),
    vscode.debug.registerDebugConfigurationProvider('apxm', new ApxmConfigurationProvider(context)),
  );
}
