/**
 * The graph view's wiring: the APXM: Show Program Graph command (palette and editor title), the
 * panel serializer that restores panels after a reload, opening the panel when a debug session
 * starts (`apxm.graph.openOnDebug`), redrawing it when its program is saved, the graph's
 * breakpoints (VS Code's own: function breakpoints `Agent.flow#id` and lines holding a node), and
 * the page's requests.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { NodeKey, PageMessage } from '../../media/graph/protocol.js';
import { programUriOf, listingUriOf } from '../dagListingDocuments.js';
import { apxmLog } from '../launchExperience.js';
import { activeProgram, programOfArgument } from '../programEditors.js';
import { LISTING_LANGUAGE, programKind } from '../programFiles.js';
import { GRAPH_VIEW_TYPE, GraphPanel, type GraphPanelHost } from './graphPanel.js';
import { GraphSessionBridge } from './graphSession.js';
import { programKey, rememberProgram, restoredProgram } from './graphMessages.js';
import { breakpointsOnNode, nodeBreakpointName, nodesWithBreakpoints, type BreakpointView } from './nodeBreakpoints.js';
import { Debouncer } from '../languageServer/debouncer.js';

/** Saves in a row (format on save, a save-all) redraw once. */
const REFRESH_DELAY_MS = 300;
/** The programs whose graph was opened in this workspace (restoring a panel whose page saved no state). */
const RECENT_KEY = 'apxm.graph.recentPrograms';
const NO_SESSION = 'Start a debug session to see what this op did';

function log(line: string): void {
  apxmLog()?.info(line);
}

function viewOf(bp: vscode.Breakpoint): BreakpointView | undefined {
  if (bp instanceof vscode.FunctionBreakpoint) return { kind: 'function', name: bp.functionName, enabled: bp.enabled };
  if (!(bp instanceof vscode.SourceBreakpoint)) return undefined;
  const { uri, range } = bp.location;
  const line = range.start.line + 1;
  if (uri.scheme === 'file') return { kind: 'source', file: uri.fsPath, line, enabled: bp.enabled };
  const program = programUriOf(uri);
  return program ? { kind: 'listing', program: program.fsPath, line, enabled: bp.enabled } : undefined;
}

function placesOf(panel: GraphPanel) {
  const shown = panel.graph;
  if (!shown) return undefined;
  const listing = panel.listingIfBuilt;
  return { programPath: panel.programPath, graph: shown.graph, ...(listing ? { listing } : {}) };
}

function postBreakpoints(panel: GraphPanel): void {
  const places = placesOf(panel);
  if (!places) return;
  const views = vscode.debug.breakpoints.map(viewOf).filter((v): v is BreakpointView => v !== undefined);
  panel.post('graph/breakpoints', { nodes: nodesWithBreakpoints(views, places) });
}

/** Removes the breakpoints that stop on the node, or adds the function breakpoint that stops on it alone. */
function toggleBreakpoint(panel: GraphPanel, node: NodeKey): void {
  const places = placesOf(panel);
  if (!places) return;
  const all = vscode.debug.breakpoints;
  const pairs = all.map((bp) => ({ bp, view: viewOf(bp) })).filter((p): p is { bp: vscode.Breakpoint; view: BreakpointView } => !!p.view);
  const on = breakpointsOnNode(
    pairs.map((p) => p.view),
    places,
    node,
  );
  if (on.length > 0) vscode.debug.removeBreakpoints(on.map((i) => pairs[i].bp));
  else vscode.debug.addBreakpoints([new vscode.FunctionBreakpoint(nodeBreakpointName(node))]);
}

/** The node's line: in its .ais source, else in the program's DAG listing. */
async function openSource(panel: GraphPanel, key: NodeKey): Promise<void> {
  const node = panel.graph?.graph.flows.find((f) => f.name === key.flow)?.nodes.find((n) => n.id === key.nodeId);
  if (!node) return log(`graph: no node ${nodeBreakpointName(key)} in ${panel.programPath}`);
  if (node.source) {
    const s = node.source;
    const uri = vscode.Uri.file(path.resolve(path.dirname(panel.programPath), s.file));
    const start = new vscode.Position(s.line - 1, Math.max(0, s.column - 1));
    const end = s.endLine !== undefined ? new vscode.Position(s.endLine - 1, Math.max(0, (s.endColumn ?? s.column) - 1)) : start;
    await vscode.window.showTextDocument(uri, {
      selection: new vscode.Range(start, end),
      preserveFocus: false,
      viewColumn: panel.sourceColumn(uri),
    });
    return;
  }
  const line = (await panel.listing())?.lineOf(key.flow, key.nodeId);
  if (line === undefined) {
    void vscode.window.showInformationMessage(`APXM: ${node.op} ${node.name} has no source line (the compiler added it).`);
    return;
  }
  const uri = listingUriOf(vscode.Uri.file(panel.programPath));
  const doc = await vscode.workspace.openTextDocument(uri);
  const shown = doc.languageId === LISTING_LANGUAGE ? doc : await vscode.languages.setTextDocumentLanguage(doc, LISTING_LANGUAGE);
  const at = new vscode.Position(line - 1, 0);
  await vscode.window.showTextDocument(shown, { selection: new vscode.Range(at, at), preview: false, viewColumn: panel.sourceColumn(uri) });
}

/** A run action (run to node, run next): an error from the adapter is the user's to see. */
async function runAction(bridge: GraphSessionBridge, panel: GraphPanel, run: () => Promise<unknown>): Promise<void> {
  if (!bridge.sessionOf(panel)) {
    void vscode.window.showInformationMessage(
      `APXM: start a debug session of ${path.basename(panel.programPath)} to run it from the graph.`,
    );
    return;
  }
  try {
    await run();
  } catch (e) {
    void vscode.window.showWarningMessage(`APXM: ${(e as Error).message}`);
  }
}

async function onPageMessage(bridge: GraphSessionBridge, panel: GraphPanel, m: PageMessage): Promise<void> {
  switch (m.type) {
    case 'ready':
      return;
    case 'openSource':
      return openSource(panel, m.body);
    case 'toggleBreakpoint':
      return toggleBreakpoint(panel, m.body);
    case 'nodeDetail': {
      const { requestId, flow, nodeId, frameId, nodeExecId } = m.body;
      if (!bridge.sessionOf(panel)) return panel.post('graph/nodeDetail', { requestId, error: NO_SESSION });
      try {
        const detail = await bridge.request(panel, 'apxm/nodeDetail', {
          flow,
          nodeId,
          ...(frameId !== undefined ? { frameId } : {}),
          ...(nodeExecId !== undefined ? { nodeExecId } : {}),
        });
        panel.post('graph/nodeDetail', { requestId, detail });
      } catch (e) {
        panel.post('graph/nodeDetail', { requestId, error: (e as Error).message });
      }
      return;
    }
    case 'valuePage': {
      const { requestId, pageRef, offset, length } = m.body;
      if (!bridge.sessionOf(panel)) return panel.post('graph/valuePage', { requestId, error: NO_SESSION });
      try {
        const page = await bridge.request(panel, 'apxm/valuePage', { pageRef, offset, length });
        panel.post('graph/valuePage', { requestId, ...page });
      } catch (e) {
        panel.post('graph/valuePage', { requestId, error: (e as Error).message });
      }
      return;
    }
    case 'runToNode':
      return runAction(bridge, panel, () => bridge.request(panel, 'apxm/runToNode', { flow: m.body.flow, nodeId: m.body.nodeId }));
    case 'runNext':
      return runAction(bridge, panel, () => bridge.request(panel, 'apxm/runNext', { frameId: m.body.frameId, nodeId: m.body.nodeId }));
    case 'pageError':
      return log(`graph page error: ${m.body.message}`);
  }
}

let revealer: ((program: string, node: NodeKey, how: RevealHow) => Promise<void>) | undefined;

export interface RevealHow {
  /** Move the focus to the graph (a "Reveal in Graph" the user chose), else leave it where it is (a click in another view). */
  focus?: boolean;
  /** Also show the node's source line. */
  source?: boolean;
}

/**
 * Selects a node in its program's graph panel, opening the panel beside the editor when none is
 * (the selection waits for a page that has not loaded yet): the memory inspector's "Reveal in
 * Graph", the timeline's click on a bar.
 */
export async function revealInGraph(program: string, node: NodeKey, how: RevealHow = {}): Promise<void> {
  if (!revealer) throw new Error('the graph view is not registered');
  await revealer(program, node, how);
}

export function registerGraphView(context: vscode.ExtensionContext): void {
  const extensionUri = context.extensionUri;
  // panels the bridge opens need the host, the host needs the bridge: the closures meet once both exist
  const bridge: GraphSessionBridge = new GraphSessionBridge(log, async (program, session) => {
    const open = GraphPanel.get(program);
    if (open) return open;
    const wanted =
      session.configuration.noDebug !== true && vscode.workspace.getConfiguration('apxm.graph').get<boolean>('openOnDebug', true);
    return wanted ? GraphPanel.show(program, extensionUri, host, { preserveFocus: true }) : undefined;
  });
  const host: GraphPanelHost = {
    onPageMessage: (panel, m) => onPageMessage(bridge, panel, m),
    onPageReady: (panel) => void bridge.pageReady(panel),
    onGraphShown: (panel) => postBreakpoints(panel),
    onDispose: (panel) => bridge.panelClosed(panel),
    onOpen: (panel) =>
      void context.workspaceState.update(
        RECENT_KEY,
        rememberProgram(context.workspaceState.get<string[]>(RECENT_KEY, []), panel.programPath),
      ),
    log,
  };

  revealer = async (program, node, how) => {
    const panel = await GraphPanel.show(program, extensionUri, host, { preserveFocus: how.focus !== true });
    panel.reveal(node);
    if (how.source) await openSource(panel, node);
  };

  const refreshes = new Debouncer(REFRESH_DELAY_MS);
  const refreshLater = (file: string) => {
    const panel = GraphPanel.get(file);
    if (panel) refreshes.schedule(programKey(file), () => void panel.refresh({ explicit: false }));
  };
  // .apxmobj files are rebuilt by `apxm build`, not saved from an editor: a watcher sees those too
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.{ais,json,apxmobj}');
  const changed = (uri: vscode.Uri) => uri.scheme === 'file' && refreshLater(uri.fsPath);

  context.subscriptions.push(
    bridge,
    vscode.commands.registerCommand('apxm.showProgramGraph', async (arg?: unknown) => {
      const target = programOfArgument(arg) ?? activeProgram();
      if (!target.file) {
        void vscode.window.showInformationMessage('APXM: open a program (.ais, .json or .apxmobj) to see its graph.');
        return;
      }
      const kind = programKind(target.file, target.text);
      if (!kind.program) {
        void vscode.window.showInformationMessage(`APXM: ${kind.reason}.`);
        return;
      }
      await GraphPanel.show(target.file, extensionUri, host, { preserveFocus: false });
    }),
    vscode.window.registerWebviewPanelSerializer(GRAPH_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        const programPath = restoredProgram(state, panel.title, context.workspaceState.get<string[]>(RECENT_KEY, []));
        // a panel of no program known: nothing to restore
        if (!programPath) {
          panel.dispose();
          return;
        }
        await GraphPanel.revive(panel, programPath, extensionUri, host);
      },
    }),
    vscode.debug.onDidChangeBreakpoints(() => GraphPanel.all().forEach(postBreakpoints)),
    vscode.workspace.onDidSaveTextDocument((doc) => changed(doc.uri)),
    watcher,
    watcher.onDidChange(changed),
    watcher.onDidCreate(changed),
    refreshes,
    { dispose: () => GraphPanel.all().forEach((p) => p.dispose()) },
  );
}
