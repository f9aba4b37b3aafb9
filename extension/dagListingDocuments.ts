/**
 * The DAG listing of a `.json`/`.apxmobj` program as an editor document of its own (scheme
 * `apxm-dag:`, language `apxm-dag`): opened before a session, breakpoints set in it are VS Code's
 * ordinary breakpoints on that URI, sent to the adapter at launch and kept across sessions. The
 * adapter is told the URI (`listingUri`), builds the same text (buildDagListing on the same file),
 * and reports stack frames in it, so a stop opens this document at the op's line.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { buildDagListing } from '../debug-adapter/dagListing.js';
import { asApxmError, formatError } from '../runtime/errors.js';
import { loadProgramFile } from '../runtime/programFile.js';
import { LISTED_PROGRAM, LISTING_LANGUAGE, LISTING_SCHEME, listingPathOf, programPathOf } from './programFiles.js';

export function listingUriOf(program: vscode.Uri): vscode.Uri {
  return program.with({ scheme: LISTING_SCHEME, path: listingPathOf(program.path) });
}

/** The program file a listing document shows, or undefined when the URI is not a listing's. */
export function programUriOf(listing: vscode.Uri): vscode.Uri | undefined {
  const program = listing.scheme === LISTING_SCHEME ? programPathOf(listing.path) : undefined;
  return program ? listing.with({ scheme: 'file', path: program }) : undefined;
}

class DagListingProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  /** One watcher per open listing: the program changing on disk refreshes its listing. */
  private readonly watchers = new Map<string, vscode.Disposable>();
  private readonly closed = vscode.workspace.onDidCloseTextDocument((doc) => {
    this.watchers.get(doc.uri.toString())?.dispose();
    this.watchers.delete(doc.uri.toString());
  });

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const program = programUriOf(uri);
    if (!program) return `// ${uri.toString()} is not the DAG listing of a .json or .apxmobj program\n`;
    this.watch(uri, program);
    try {
      return buildDagListing(await loadProgramFile(program.fsPath)).text;
    } catch (e) {
      // the problem, in the document itself: the tab stays open and refreshes once the file is fixed
      const lines = formatError(asApxmError(e)).split('\n');
      return [`// ${path.basename(program.fsPath)} cannot be listed:`, ...lines.map((l) => `//   ${l}`), ''].join('\n');
    }
  }

  private watch(uri: vscode.Uri, program: vscode.Uri): void {
    const key = uri.toString();
    if (this.watchers.has(key)) return;
    const w = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.joinPath(program, '..'), path.basename(program.path)),
    );
    const fire = () => this.changed.fire(uri);
    this.watchers.set(key, vscode.Disposable.from(w, w.onDidChange(fire), w.onDidCreate(fire), w.onDidDelete(fire)));
  }

  dispose(): void {
    for (const w of this.watchers.values()) w.dispose();
    this.watchers.clear();
    this.closed.dispose();
    this.changed.dispose();
  }
}

/** Opens the listing of `program` in the active editor group. */
export async function openDagListing(program: vscode.Uri): Promise<void> {
  if (!LISTED_PROGRAM.test(program.path)) {
    void vscode.window.showInformationMessage(
      `APXM: ${path.basename(program.path)} has its own source: set breakpoints in it. The DAG listing is for .json and .apxmobj programs.`,
    );
    return;
  }
  const doc = await vscode.workspace.openTextDocument(listingUriOf(program));
  // the name pattern gives the language; a document restored without it still gets breakpoints
  const shown = doc.languageId === LISTING_LANGUAGE ? doc : await vscode.languages.setTextDocumentLanguage(doc, LISTING_LANGUAGE);
  await vscode.window.showTextDocument(shown, { preview: false });
}

/** Tells the adapter the listing's URI: after variable substitution, when `program` is final. */
class ListingUriProvider implements vscode.DebugConfigurationProvider {
  resolveDebugConfigurationWithSubstitutedVariables(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.DebugConfiguration {
    if (config.request !== 'launch' || typeof config.program !== 'string' || config.listingUri !== undefined) return config;
    // as the adapter resolves it: relative to cwd (else the workspace folder)
    const base = typeof config.cwd === 'string' ? config.cwd : (folder?.uri.fsPath ?? process.cwd());
    const program = path.resolve(base, config.program);
    return LISTED_PROGRAM.test(program) ? { ...config, listingUri: listingUriOf(vscode.Uri.file(program)).toString() } : config;
  }
}

export function registerDagListing(context: vscode.ExtensionContext): void {
  const provider = new DagListingProvider();
  context.subscriptions.push(
    provider,
    vscode.workspace.registerTextDocumentContentProvider(LISTING_SCHEME, provider),
    vscode.debug.registerDebugConfigurationProvider('apxm', new ListingUriProvider()),
  );
}
