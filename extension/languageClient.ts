/**
 * Starts the AIS language server (dist/languageServer.js, bundled by `npm run bundle`, in its own process over
 * node IPC) for documents of language `ais`. The returned disposable stops the client and the server.
 */
import path from 'node:path';
import type * as vscode from 'vscode';
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
    const clientOptions: LanguageClientOptions = { documentSelector: [{ language: 'ais' }] };
    const client = new LanguageClient('apxmAis', 'APXM AIS language server', serverOptions, clientOptions);
    void client.start();
    return new AisLanguageClient(client);
  }

  /** Stops the server (awaited by `deactivate`, so the process does not outlive the extension). */
  dispose(): Promise<void> {
    // Safe twice (context.subscriptions and deactivate): a stopping or stopped client returns at once.
    return this.client.dispose();
  }
}
