/**
 * Registers the APXM debugger with VS Code, one adapter class and three ways to host it (as
 * vscode-mock-debug does): inline in the extension host (default), as its own process, or by
 * connecting to a running `apxm dap --server=PORT`.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { ApxmDebugSession } from '../debug-adapter/apxmDebugSession.js';

class ApxmAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly extensionPath: string) {}

  createDebugAdapterDescriptor(): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    const config = vscode.workspace.getConfiguration('apxm.debugAdapter');
    switch (config.get<string>('mode', 'inline')) {
      case 'process':
        return new vscode.DebugAdapterExecutable(process.execPath, [path.join(this.extensionPath, 'dist', 'debugAdapter.js')]);
      case 'server':
        return new vscode.DebugAdapterServer(config.get<number>('port', 4711), '127.0.0.1');
      default:
        return new vscode.DebugAdapterInlineImplementation(new ApxmDebugSession() as unknown as vscode.DebugAdapter);
    }
  }
}

export function registerDebugger(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.debug.registerDebugAdapterDescriptorFactory('apxm', new ApxmAdapterFactory(context.extensionPath)));
}
