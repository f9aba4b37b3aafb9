/**
 * `.apxmobj` files open in a read-only view (header, hash check, flows, DAG listing) instead of
 * as binary noise. The page is static HTML from artifactView.ts: no script, a CSP that allows
 * none, styles from media/ only; it re-renders when the file changes on disk.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { PROGRAM_FILE, readInputFile } from '../runtime/inputFile.js';
import { describeArtifact, renderArtifactHtml, unreadableArtifact, type ArtifactView } from './artifactView.js';

export const ARTIFACT_VIEW_TYPE = 'apxm.artifactViewer';

/** Commands the page's links may run (nothing else: command URIs are otherwise off). */
const PAGE_COMMANDS = ['apxm.debugProgram', 'apxm.runProgram', 'apxm.openDagListing'];

async function viewOf(uri: vscode.Uri): Promise<ArtifactView> {
  const file = uri.scheme === 'file' ? uri.fsPath : uri.toString();
  try {
    // a local file is read with the runtime's checks (size cap, no FIFO); others through VS Code's file system
    const bytes = uri.scheme === 'file' ? await readInputFile(file, PROGRAM_FILE) : await vscode.workspace.fs.readFile(uri);
    return describeArtifact(bytes, file);
  } catch (e) {
    return unreadableArtifact(file, e);
  }
}

class ArtifactViewerProvider implements vscode.CustomReadonlyEditorProvider {
  constructor(private readonly extensionUri: vscode.Uri) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  async resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): Promise<void> {
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    panel.webview.options = { enableScripts: false, enableCommandUris: PAGE_COMMANDS, localResourceRoots: [media] };
    const render = async () => {
      const view = await viewOf(document.uri);
      panel.webview.html = renderArtifactHtml(view, {
        cspSource: panel.webview.cspSource,
        styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'artifactViewer.css')).toString(),
        resource: document.uri.toString(),
      });
    };
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.joinPath(document.uri, '..'), path.basename(document.uri.path)),
    );
    const rerender = () => void render();
    const subscriptions = vscode.Disposable.from(
      watcher,
      watcher.onDidChange(rerender),
      watcher.onDidCreate(rerender),
      watcher.onDidDelete(rerender),
    );
    panel.onDidDispose(() => {
      subscriptions.dispose();
    });
    await render();
  }
}

export function registerArtifactViewer(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.window.registerCustomEditorProvider(ARTIFACT_VIEW_TYPE, new ArtifactViewerProvider(context.extensionUri), {
      supportsMultipleEditorsPerDocument: true,
    }),
  );
}
