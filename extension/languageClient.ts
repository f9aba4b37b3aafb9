/**
 * Starts the AIS language server (dist/languageServer.js, bundled by `npm run bundle`, in its own process over
 * node IPC) for documents of language `ais`. The returned disposable stops the client and the server.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { WORKSPACE_TRUSTED } from './languageServer/capabilityCatalog.js';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

/** The bundled server (`npm run bundle`), as the packaged extension ships it. */
export const SERVER_MODULE = path.join('dist', 'languageServer.js');

export class AisLanguageClient implements vscode.Disposable {
  private constructor(private readonly client: LanguageClient) {}

  static start(context: vscode.ExtensionContext): AisLanguageClient {
    const module = path.join(context.extensionPath, SERVER_MODULE);
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      // `--inspect` lets a developer attach a debugger to the server of a development host.
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
    };
    // untrusted, the server never imports the workspace's apxm.capabilities.mjs (that would run its code)
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ language: 'ais' }],
      initializationOptions: { workspaceTrusted: vscode.workspace.isTrusted },
    };
    const client = new LanguageClient('apxmAis', 'APXM AIS language server', serverOptions, clientOptions);
    const started = client.start();
    started.catch(() => undefined); // the client reports a server that fails to start itself
    context.subscriptions.push(
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        started.then(() => client.sendNotification(WORKSPACE_TRUSTED)).catch(() => undefined);
      }),
    );
    return new AisLanguageClient(client);
  }

  /** Stops the server (awaited by `deactivate`, so the process does not outlive the extension). */
  dispose(): Promise<void> {
    // Safe twice (context.subscriptions and deactivate): a stopping or stopped client returns at once.
    return this.client.dispose();
  }
}
