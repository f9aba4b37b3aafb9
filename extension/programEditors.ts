/**
 * Programs in the editor: which editor holds a program (context keys for the Run/Debug buttons in
 * the editor title), the APXM: Debug Program / Run Program commands, the DAG listing documents
 * and the `.apxmobj` viewer. Launches go through vscode.debug.startDebugging, so the APXM
 * DebugConfigurationProviders fill and check them as they do for F5.
 */
import { openSync, readSync, closeSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { ARTIFACT_VIEW_TYPE, registerArtifactViewer } from './artifactViewer.js';
import { openDagListing, programUriOf, registerDagListing } from './dagListingDocuments.js';
import { LISTED_PROGRAM, LISTING_SCHEME, PROGRAM_SNIFF_CHARS, programKind } from './programFiles.js';

/** The program in the active editor: its file, and for `.json` the start of its text (for the content test). */
export interface ActiveProgram {
  file?: string;
  text?: string;
}

/** The start of a document, at most PROGRAM_SNIFF_CHARS characters (a 50 MB JSON file is not copied on every change). */
function headOf(doc: vscode.TextDocument): string {
  return doc.getText(new vscode.Range(new vscode.Position(0, 0), doc.positionAt(PROGRAM_SNIFF_CHARS)));
}

/** The start of a file on disk, for a program named by a menu or a link rather than open in an editor. */
function headOfFile(file: string): string | undefined {
  try {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(PROGRAM_SNIFF_CHARS);
      return buf.toString('utf8', 0, readSync(fd, buf, 0, buf.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/**
 * The program the user is looking at: the `.apxmobj` in the active viewer, the program of an
 * active DAG listing, or the file in the active text editor.
 */
export function activeProgram(): ActiveProgram {
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (tab instanceof vscode.TabInputCustom && tab.viewType === ARTIFACT_VIEW_TYPE) return { file: tab.uri.fsPath };
  const doc = vscode.window.activeTextEditor?.document;
  if (!doc) return {};
  if (doc.uri.scheme === LISTING_SCHEME) return { file: programUriOf(doc.uri)?.fsPath };
  if (doc.uri.scheme !== 'file') return {};
  return { file: doc.uri.fsPath, ...(/\.json$/i.test(doc.uri.path) ? { text: headOf(doc) } : {}) };
}

/** A program named by a command's argument: a Uri (editor title menus) or a URI string (the viewer's links). */
export function programOfArgument(arg: unknown): ActiveProgram | undefined {
  const uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.parse(arg) : undefined;
  if (!uri) return undefined;
  const file = uri.scheme === LISTING_SCHEME ? programUriOf(uri) : uri.scheme === 'file' ? uri : undefined;
  if (!file) return undefined;
  if (!/\.json$/i.test(file.path)) return { file: file.fsPath };
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.toString());
  return { file: file.fsPath, text: open ? headOf(open) : headOfFile(file.fsPath) };
}

async function startProgram(arg: unknown, noDebug: boolean): Promise<boolean> {
  const target = programOfArgument(arg) ?? activeProgram();
  if (!target.file) {
    void vscode.window.showInformationMessage('APXM: open a program (.ais, .json or .apxmobj) to run or debug it.');
    return false;
  }
  const kind = programKind(target.file, target.text);
  if (!kind.program) {
    void vscode.window.showInformationMessage(`APXM: ${kind.reason}.`);
    return false;
  }
  const uri = vscode.Uri.file(target.file);
  const name = `${noDebug ? 'Run' : 'Debug'} ${path.basename(target.file)}`;
  return vscode.debug.startDebugging(
    vscode.workspace.getWorkspaceFolder(uri),
    { type: 'apxm', request: 'launch', name, program: target.file, ...(noDebug ? { noDebug: true } : {}) },
    { noDebug },
  );
}

/** Keeps `apxm.activeProgram` and `apxm.activeProgramListed` (a .json/.apxmobj program) for the editor title buttons. */
function trackActiveProgram(context: vscode.ExtensionContext): void {
  let last = '';
  const update = () => {
    const active = activeProgram();
    const isProgram = active.file !== undefined && programKind(active.file, active.text).program;
    const listed = isProgram && LISTED_PROGRAM.test(active.file as string);
    const key = `${isProgram}/${listed}`;
    if (key === last) return;
    last = key;
    void vscode.commands.executeCommand('setContext', 'apxm.activeProgram', isProgram);
    void vscode.commands.executeCommand('setContext', 'apxm.activeProgramListed', listed);
  };
  let timer: NodeJS.Timeout | undefined;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(update, 300); // typing in a large JSON file re-checks once it pauses
  };
  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor(update),
    vscode.window.tabGroups.onDidChangeTabs(update),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document === vscode.window.activeTextEditor?.document && e.document.languageId === 'json') later();
    }),
    { dispose: () => clearTimeout(timer) },
  );
  update();
}

export function registerProgramEditors(context: vscode.ExtensionContext): void {
  registerDagListing(context);
  registerArtifactViewer(context);
  context.subscriptions.push(
    vscode.commands.registerCommand('apxm.debugProgram', (arg?: unknown) => startProgram(arg, false)),
    vscode.commands.registerCommand('apxm.runProgram', (arg?: unknown) => startProgram(arg, true)),
    vscode.commands.registerCommand('apxm.openDagListing', async (arg?: unknown) => {
      const file = programOfArgument(arg)?.file ?? activeProgram().file;
      if (!file) {
        void vscode.window.showInformationMessage('APXM: open a .json or .apxmobj program to see its DAG listing.');
        return;
      }
      await openDagListing(vscode.Uri.file(file));
    }),
  );
  trackActiveProgram(context);
}
