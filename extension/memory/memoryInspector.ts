/**
 * The memory inspector: "APXM: Show Memory" opens one panel bound to the active APXM debug session
 * (live or replay). The page's adapter requests go to that session with `customRequest`; a
 * DebugAdapterTracker follows its stops (each one refreshes the page); "Reveal in Graph" selects the
 * op in the graph panel and "Go to Source" opens its AIS line. A serializer restores the panel.
 */
import * as vscode from 'vscode';
import type { ApxmEvents } from '../../debug-adapter/customProtocol.js';
import type { HostMessage, HostMessages, PageMessage, SessionView } from '../../media/memory/protocol.js';
import { MEMORY_PAGE } from '../../media/webviewHtml.js';
import { revealInGraph } from '../graph/graphView.js';
import { apxmLog } from '../launchExperience.js';
import { loadWebviewPage } from '../webview/webviewPage.js';
import { StopTracker, parseMemoryPageMessage, sourceFile } from './memoryMessages.js';

export const MEMORY_VIEW_TYPE = 'apxm.memory';

interface Tracked {
  session: vscode.DebugSession;
  stops: StopTracker;
  /** The program the adapter loaded (`apxm/sessionInfo`), for the graph and relative sources. */
  program?: string;
}

function log(line: string): void {
  apxmLog()?.info(line);
}

class MemoryInspector implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private pageReady = false;
  private readonly sessions = new Map<string, Tracked>();
  /** The session the panel shows: the active APXM session, else the latest one started. */
  private bound: Tracked | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly extensionUri: vscode.Uri) {
    this.disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory('apxm', {
        createDebugAdapterTracker: (session) => {
          const t: Tracked = { session, stops: new StopTracker() };
          this.sessions.set(session.id, t);
          // a new run is the one to show (a second session in parallel: the active one wins when it changes)
          this.bind(t);
          return {
            onDidSendMessage: (m: unknown) => {
              if (t.stops.sent(m) && t === this.bound) this.postSession();
            },
            onWillReceiveMessage: (m: unknown) => {
              if (t.stops.received(m) && t === this.bound) this.postSession();
            },
          };
        },
      }),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        const t = this.sessions.get(e.session.id);
        if (t && e.event === 'apxm/sessionInfo') t.program = (e.body as ApxmEvents['apxm/sessionInfo']).program;
      }),
      vscode.debug.onDidChangeActiveDebugSession((s) => {
        const t = s && this.sessions.get(s.id);
        if (t && t !== this.bound) this.bind(t);
      }),
      vscode.debug.onDidTerminateDebugSession((s) => {
        const t = this.sessions.get(s.id);
        if (!t) return;
        this.sessions.delete(s.id);
        if (this.bound === t) this.bind([...this.sessions.values()].at(-1));
      }),
    );
  }

  /** Shows the panel (created beside the editor if none is open). */
  show(): void {
    if (this.panel) {
      this.panel.reveal(undefined, false);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      MEMORY_VIEW_TYPE,
      'APXM Memory',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      this.options(),
    );
    this.adopt(panel);
  }

  /** A panel VS Code restored after a reload. */
  revive(panel: vscode.WebviewPanel): void {
    if (this.panel) {
      panel.dispose();
      return;
    }
    panel.webview.options = this.options();
    this.adopt(panel);
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'media')],
    };
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    const subs = [
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)),
      panel.onDidChangeViewState(() => {
        // hidden, the page is gone (no retained context): it says `ready` again when shown
        if (!panel.visible) this.pageReady = false;
      }),
      panel.onDidDispose(() => {
        if (this.panel === panel) this.panel = undefined;
        for (const d of subs) d.dispose();
      }),
    ];
    this.load();
  }

  /** A fresh page: a new nonce each load, so no script of an earlier page runs in it. */
  private load(): void {
    const panel = this.panel;
    if (!panel) return;
    this.pageReady = false;
    loadWebviewPage(panel.webview, this.extensionUri, MEMORY_PAGE);
  }

  private bind(t: Tracked | undefined): void {
    this.bound = t;
    this.postSession();
  }

  private view(): SessionView | undefined {
    const t = this.bound;
    if (!t || t.stops.ended) return undefined;
    const replay = typeof (t.session.configuration as { replay?: unknown }).replay === 'string';
    return { id: t.session.id, name: t.session.name, replay, stopped: t.stops.stopped, stops: t.stops.stops };
  }

  private postSession(): void {
    const session = this.view();
    this.post('memory/session', session ? { session } : {});
    if (this.panel) this.panel.title = this.bound ? `APXM Memory: ${this.bound.session.name}` : 'APXM Memory';
  }

  private post<K extends keyof HostMessages>(type: K, body: HostMessages[K]): void {
    if (!this.panel || !this.pageReady) return; // the page asks for everything when it is ready
    void this.panel.webview.postMessage({ type, body } as HostMessage);
  }

  private async receive(raw: unknown): Promise<void> {
    const m = parseMemoryPageMessage(raw);
    if (typeof m === 'string') return log(`memory page: ${m}`);
    try {
      await this.handle(m);
    } catch (e) {
      log(`memory page ${m.type}: ${(e as Error).message}`);
    }
  }

  private async handle(m: PageMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.pageReady = true;
        this.postSession();
        return;
      case 'call': {
        const { requestId, name, args } = m.body;
        const t = this.bound;
        if (!t || t.stops.ended)
          return this.post('memory/reply', { requestId, error: 'No APXM debug session: start debugging a program to see its memory.' });
        try {
          const body: unknown = await t.session.customRequest(name, args);
          this.post('memory/reply', { requestId, body });
        } catch (e) {
          // the adapter's own words: why an edit is refused, which argument is wrong
          this.post('memory/reply', { requestId, error: (e as Error).message });
        }
        return;
      }
      case 'revealInGraph': {
        const program = this.programOf(this.bound);
        if (!program) {
          void vscode.window.showInformationMessage('APXM: start a debug session of the program to see its graph.');
          return;
        }
        await revealInGraph(program, m.body, { focus: true });
        return;
      }
      case 'openSource': {
        const file = sourceFile(m.body.path, this.programOf(this.bound));
        const at = new vscode.Position(m.body.line - 1, 0);
        const column = this.panel?.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
        await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: new vscode.Range(at, at), viewColumn: column });
        return;
      }
      case 'pageError':
        return log(`memory page error: ${m.body.message}`);
    }
  }

  private programOf(t: Tracked | undefined): string | undefined {
    if (!t) return undefined;
    const p = t.program ?? (t.session.configuration as { program?: unknown }).program;
    return typeof p === 'string' ? p : undefined;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel?.dispose();
  }
}

export function registerMemoryInspector(context: vscode.ExtensionContext): void {
  const inspector = new MemoryInspector(context.extensionUri);
  context.subscriptions.push(
    inspector,
    vscode.commands.registerCommand('apxm.showMemory', () => inspector.show()),
    vscode.window.registerWebviewPanelSerializer(MEMORY_VIEW_TYPE, {
      deserializeWebviewPanel(panel: vscode.WebviewPanel) {
        inspector.revive(panel);
        return Promise.resolve();
      },
    }),
  );
}
