/**
 * The graph of one program in a webview panel beside the editor (one panel per program, reused).
 * The panel draws the graph from the file until a debug session of that program attaches
 * (graphSession.ts) and sends the adapter's live graph and states. The page keeps its own view
 * state with setState, so the panel does not retain its context while hidden: a page that comes
 * back says `ready` and is sent everything again.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { buildDagListing, type DagListing } from '../../debug-adapter/dagListing.js';
import { GRAPH_PAGE } from '../../media/webviewHtml.js';
import type { HostMessage, HostMessages, NodeKey, PageMessage } from '../../media/graph/protocol.js';
import { asApxmError, formatError, type ApxmError } from '../../runtime/errors.js';
import { loadProgramFile } from '../../runtime/programFile.js';
import { programGraph, type ProgramGraph } from '../../runtime/query/programGraph.js';
import { LISTED_PROGRAM } from '../programFiles.js';
import { loadWebviewPage } from '../webview/webviewPage.js';
import { graphHash, graphTitle, parseGraphPageMessage, programKey } from './graphMessages.js';

export const GRAPH_VIEW_TYPE = 'apxm.graph';

/** What the panel does with the page's requests (graphView.ts wires them to the session bridge and VS Code). */
export interface GraphPanelHost {
  onPageMessage(panel: GraphPanel, message: PageMessage): void | Promise<void>;
  /** The page (re)loaded: the session bridge re-subscribes for a fresh snapshot. */
  onPageReady(panel: GraphPanel): void;
  /** A graph was posted: the breakpoints on its nodes follow. */
  onGraphShown(panel: GraphPanel): void;
  onDispose(panel: GraphPanel): void;
  /** A panel was created or restored for its program. */
  onOpen(panel: GraphPanel): void;
  log(line: string): void;
}

/** The graph the panel shows: from the file, or from the session that runs it. */
export interface ShownGraph {
  graph: ProgramGraph;
  hash: string;
  live: boolean;
}

export class GraphPanel {
  private static readonly panels = new Map<string, GraphPanel>();
  private shown: ShownGraph | undefined;
  /** The DAG listing of a .json/.apxmobj program (its lines hold the nodes), built from the file. */
  private listingCache: DagListing | undefined;
  /** The last load error shown, so a file saved again with the same mistake does not say it twice. */
  private lastError: string | undefined;
  private pageReady = false;
  /** A node to select once the page has its graph (asked for before it loaded). */
  private pendingReveal: NodeKey | undefined;
  /** Counts the page's loads: what was posted to an earlier page is gone. */
  private pageLoads = 0;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(
    readonly panel: vscode.WebviewPanel,
    readonly programPath: string,
    private readonly extensionUri: vscode.Uri,
    private readonly host: GraphPanelHost,
  ) {
    panel.title = graphTitle(programPath);
    panel.iconPath = {
      light: vscode.Uri.joinPath(extensionUri, 'media', 'icons', 'graph-light.svg'),
      dark: vscode.Uri.joinPath(extensionUri, 'media', 'icons', 'graph-dark.svg'),
    };
    panel.webview.options = { enableScripts: true, localResourceRoots: GraphPanel.resourceRoots(extensionUri) };
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)),
      panel.onDidDispose(() => this.disposed()),
      // hidden, the page is gone (no retained context): it says `ready` again when shown
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.pageReady = false;
      }),
    );
    this.load();
    host.onOpen(this);
  }

  /** The page's files only: the bundle in dist/media and the static media/ folder. */
  static resourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
    return [vscode.Uri.joinPath(extensionUri, 'dist', 'media'), vscode.Uri.joinPath(extensionUri, 'media')];
  }

  static webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: GraphPanel.resourceRoots(extensionUri) };
  }

  static get(programPath: string): GraphPanel | undefined {
    return GraphPanel.panels.get(programKey(programPath));
  }

  static all(): GraphPanel[] {
    return [...GraphPanel.panels.values()];
  }

  /** Shows the program's panel (revealed if open, else created beside the active editor). */
  static async show(
    programPath: string,
    extensionUri: vscode.Uri,
    host: GraphPanelHost,
    { preserveFocus }: { preserveFocus: boolean },
  ): Promise<GraphPanel> {
    const open = GraphPanel.get(programPath);
    if (open) {
      if (!open.panel.visible || !preserveFocus) open.panel.reveal(undefined, preserveFocus);
      return open;
    }
    const panel = vscode.window.createWebviewPanel(
      GRAPH_VIEW_TYPE,
      graphTitle(programPath),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      GraphPanel.webviewOptions(extensionUri),
    );
    const p = new GraphPanel(panel, programPath, extensionUri, host);
    GraphPanel.panels.set(programKey(programPath), p);
    await p.refresh({ explicit: true });
    return p;
  }

  /** A panel VS Code restored after a reload (the serializer gives it back with the page's state). */
  static async revive(
    panel: vscode.WebviewPanel,
    programPath: string,
    extensionUri: vscode.Uri,
    host: GraphPanelHost,
  ): Promise<GraphPanel> {
    const open = GraphPanel.get(programPath);
    if (open) {
      // two restored panels of one program: keep the first
      panel.dispose();
      return open;
    }
    const p = new GraphPanel(panel, programPath, extensionUri, host);
    GraphPanel.panels.set(programKey(programPath), p);
    await p.refresh({ explicit: false });
    return p;
  }

  get graph(): ShownGraph | undefined {
    return this.shown;
  }

  get isListed(): boolean {
    return LISTED_PROGRAM.test(this.programPath);
  }

  /** The program's DAG listing (built from the file on first use); undefined for .ais programs or a file that does not load. */
  async listing(): Promise<DagListing | undefined> {
    if (!this.isListed) return undefined;
    if (!this.listingCache) {
      try {
        this.listingCache = buildDagListing(await loadProgramFile(this.programPath));
      } catch {
        return undefined;
      }
    }
    return this.listingCache;
  }

  /** The listing as far as already built (breakpoint mapping must not wait for a file read). */
  get listingIfBuilt(): DagListing | undefined {
    return this.listingCache;
  }

  /** A fresh page: a new nonce each load, so no script of an earlier page runs in it. */
  private load(): void {
    this.pageReady = false;
    loadWebviewPage(this.panel.webview, this.extensionUri, GRAPH_PAGE);
  }

  /** Typed: a message the protocol does not declare, or a wrong body, does not compile. */
  post<K extends keyof HostMessages>(type: K, body: HostMessages[K]): void {
    if (!this.pageReady) return; // the page asks for everything when it is ready
    void this.panel.webview.postMessage({ type, body } as HostMessage);
  }

  /** Posts to the page if it is ready; returns the page load it went to (undefined: not posted, the next `ready` resends). */
  postAll(messages: HostMessage[]): number | undefined {
    if (!this.pageReady) return undefined;
    for (const m of messages) void this.panel.webview.postMessage(m);
    return this.pageLoads;
  }

  /** The current page load (see postAll). */
  get pageLoad(): number {
    return this.pageLoads;
  }

  /** Draws `graph` (the page resets its states); `live` says it comes from a running session. */
  showGraph(graph: ProgramGraph, live: boolean): void {
    this.shown = { graph, hash: graphHash(graph), live };
    this.postGraph();
  }

  private postGraph(): void {
    if (!this.shown) return;
    this.post('graph/show', {
      graph: this.shown.graph,
      hash: this.shown.hash,
      programPath: this.programPath,
      title: graphTitle(this.programPath),
      live: this.shown.live,
    });
    this.host.onGraphShown(this);
    if (this.pendingReveal && this.pageReady) this.reveal(this.pendingReveal);
  }

  /** Scrolls a node into view and selects it; a page that has no graph yet gets it with the graph. */
  reveal(node: NodeKey): void {
    this.pendingReveal = this.pageReady && this.shown ? undefined : node;
    if (!this.pendingReveal) this.post('graph/reveal', node);
  }

  /** A session of this program ended: the next refresh may draw the file again. */
  sessionEnded(): void {
    if (this.shown) this.shown = { ...this.shown, live: false };
  }

  /**
   * Draws the graph from the file (not while a session's live graph is shown: that is the
   * program that runs). A program that does not load keeps the graph drawn before and says why:
   * always when the user asked for the panel; after a save only for a new problem of a program
   * without a language server (an .ais file's problems are already in the editor and Problems view).
   */
  async refresh({ explicit }: { explicit: boolean }): Promise<void> {
    if (this.shown?.live) return;
    this.listingCache = undefined;
    let graph: ProgramGraph;
    try {
      const program = await loadProgramFile(this.programPath);
      if (this.isListed) this.listingCache = buildDagListing(program);
      graph = programGraph(program);
    } catch (e) {
      this.loadFailed(asApxmError(e), explicit);
      return;
    }
    this.lastError = undefined;
    if (this.shown?.live) return; // a session attached while the file loaded
    if (this.shown && this.shown.hash === graphHash(graph)) return;
    this.showGraph(graph, false);
  }

  private loadFailed(err: ApxmError, explicit: boolean): void {
    const text = formatError(err);
    this.host.log(`graph of ${this.programPath}: ${text.split('\n').join(' | ')}`);
    const repeated = text === this.lastError;
    this.lastError = text;
    if (!explicit && (repeated || /\.ais$/i.test(this.programPath))) return;
    const GO = 'Go to Error';
    const place = err.place;
    const where = place?.line ? ` (line ${place.line}${place.column ? `:${place.column}` : ''})` : '';
    const message = `APXM: the graph of ${path.basename(this.programPath)} cannot be drawn${where}: ${err.message}`;
    void vscode.window.showErrorMessage(message, ...(place?.file ? [GO] : [])).then(async (pick) => {
      if (pick !== GO || !place?.file) return;
      const line = Math.max(0, (place.line ?? 1) - 1);
      const col = Math.max(0, (place.column ?? 1) - 1);
      const uri = vscode.Uri.file(place.file);
      await vscode.window.showTextDocument(uri, { selection: new vscode.Range(line, col, line, col), viewColumn: this.sourceColumn(uri) });
    });
  }

  /** The editor group to open a source in: the one already showing it, else one that is not the panel's (the graph stays in view). */
  sourceColumn(uri: vscode.Uri): vscode.ViewColumn {
    const showing = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
    if (showing?.viewColumn) return showing.viewColumn;
    return this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Beside : vscode.ViewColumn.One;
  }

  private async receive(raw: unknown): Promise<void> {
    const m = parseGraphPageMessage(raw);
    if (typeof m === 'string') return this.host.log(`graph page: ${m}`);
    if (m.type === 'ready') {
      this.pageReady = true;
      this.pageLoads++;
      this.postGraph();
      this.host.onPageReady(this);
      return;
    }
    try {
      await this.host.onPageMessage(this, m);
    } catch (e) {
      this.host.log(`graph page ${m.type}: ${(e as Error).message}`);
    }
  }

  dispose(): void {
    this.panel.dispose();
  }

  private disposed(): void {
    if (GraphPanel.panels.get(programKey(this.programPath)) === this) GraphPanel.panels.delete(programKey(this.programPath));
    for (const d of this.disposables.splice(0)) d.dispose();
    this.host.onDispose(this);
  }
}
