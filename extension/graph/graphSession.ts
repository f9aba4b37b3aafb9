/**
 * Connects APXM debug sessions to graph panels: when a session has loaded its program (its
 * `apxm/sessionInfo` event) the panel of that program shows the adapter's graph, subscribes to node
 * states and receives the run's events until the session ends. An adapter that answers a request
 * with an error (an older one, or the request failed) is logged in the "APXM" output channel and
 * the panel keeps the graph it drew from the file.
 */
import * as vscode from 'vscode';
import type { ApxmEvents, ApxmRequestName, ApxmRequests } from '../../debug-adapter/customProtocol.js';
import { SessionRouter, programKey } from './graphMessages.js';
import type { GraphPanel } from './graphPanel.js';

/** Batches of node states a second the panel asks for: a live graph, not a flood of messages. */
const MAX_BATCHES_PER_SECOND = 20;

interface TrackedSession {
  session: vscode.DebugSession;
  /** The program the adapter loaded (from `apxm/sessionInfo`): the session is ready for the graph requests. */
  program?: string;
  panel?: GraphPanel;
  /** Set while the panel is being attached: the page's `ready` meanwhile waits for it. */
  attaching?: Promise<void>;
  subscribed: boolean;
  /** The page load of the panel the last snapshot reached (a reloaded page needs a new one). */
  snapshotPage?: number;
  router: SessionRouter;
}

export class GraphSessionBridge implements vscode.Disposable {
  private readonly sessions = new Map<string, TrackedSession>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly log: (line: string) => void,
    /** Opens (or finds) the panel of a program whose session started; undefined: none is wanted. */
    private readonly panelForSession: (program: string, session: vscode.DebugSession) => Promise<GraphPanel | undefined>,
  ) {
    this.subscriptions = [
      vscode.debug.onDidStartDebugSession((s) => {
        if (s.type === 'apxm') this.sessions.set(s.id, { session: s, subscribed: false, router: new SessionRouter() });
      }),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => void this.onEvent(e)),
      vscode.debug.onDidTerminateDebugSession((s) => this.ended(s)),
    ];
  }

  /** The session attached to `panel`, if one is. */
  sessionOf(panel: GraphPanel): vscode.DebugSession | undefined {
    return this.attachedTo(panel)?.session;
  }

  /** A custom request to the session attached to `panel`, typed by the adapter's protocol. */
  async request<K extends ApxmRequestName>(
    panel: GraphPanel,
    name: K,
    args: ApxmRequests[K]['arguments'],
  ): Promise<ApxmRequests[K]['body']> {
    const t = this.attachedTo(panel);
    if (!t) throw new Error('Start a debug session to see what this op did');
    return (await t.session.customRequest(name, args)) as ApxmRequests[K]['body'];
  }

  /** The page (re)loaded and has the graph: it gets the session's state again, or the panel attaches to a session of its program. */
  async pageReady(panel: GraphPanel): Promise<void> {
    let t = this.attachedTo(panel);
    if (!t) {
      const waiting = [...this.sessions.values()].filter(
        (s) => s.program !== undefined && programKey(s.program) === programKey(panel.programPath),
      );
      const latest = waiting.at(-1);
      if (latest) await this.attach(latest, panel);
      return;
    }
    if (t.attaching) await t.attaching;
    t = this.attachedTo(panel);
    if (!t) return;
    panel.post('graph/session', { live: true, name: t.session.name });
    // the attach may have subscribed while the page loaded; a page that did not get that snapshot asks again
    if (t.snapshotPage === panel.pageLoad) return;
    t.router.reset();
    await this.subscribe(t);
  }

  /** The panel closed: its session stops sending states. */
  panelClosed(panel: GraphPanel): void {
    const t = this.attachedTo(panel);
    if (t) this.detach(t);
  }

  private attachedTo(panel: GraphPanel): TrackedSession | undefined {
    return [...this.sessions.values()].find((s) => s.panel === panel);
  }

  private async onEvent(e: vscode.DebugSessionCustomEvent): Promise<void> {
    if (e.session.type !== 'apxm') return;
    const t = this.sessions.get(e.session.id);
    if (!t) return;
    if (e.event === 'apxm/sessionInfo') {
      t.program = (e.body as ApxmEvents['apxm/sessionInfo']).program;
      const panel = await this.panelForSession(t.program, t.session);
      if (panel && this.sessions.has(t.session.id)) await this.attach(t, panel);
      return;
    }
    if (!t.panel) return;
    t.panel.postAll(t.router.event(e.event, e.body));
  }

  /** Shows the session's graph in `panel` and subscribes to its states; a panel follows the latest session of its program. */
  private attach(t: TrackedSession, panel: GraphPanel): Promise<void> {
    if (t.panel === panel) return t.attaching ?? Promise.resolve();
    for (const other of this.sessions.values()) if (other !== t && other.panel === panel) this.detach(other);
    t.panel = panel;
    t.snapshotPage = undefined;
    t.router.reset();
    const attaching: Promise<void> = this.showLive(t, panel).finally(() => {
      if (t.attaching === attaching) t.attaching = undefined;
    });
    t.attaching = attaching;
    return attaching;
  }

  private async showLive(t: TrackedSession, panel: GraphPanel): Promise<void> {
    const graph = await this.call(t, 'apxm/programGraph', {});
    if (t.panel !== panel) return;
    if (graph) panel.showGraph(graph, true);
    panel.post('graph/session', { live: true, name: t.session.name });
    await this.subscribe(t);
  }

  private async subscribe(t: TrackedSession): Promise<void> {
    const body = await this.call(t, 'apxm/subscribeNodeStatus', { maxBatchesPerSecond: MAX_BATCHES_PER_SECOND });
    if (!body || !t.panel) return;
    t.subscribed = true;
    t.snapshotPage = t.panel.postAll(t.router.snapshot(body));
  }

  private detach(t: TrackedSession): void {
    const panel = t.panel;
    t.panel = undefined;
    t.attaching = undefined;
    if (panel) {
      panel.postAll(t.router.ended());
      panel.sessionEnded();
    }
    if (t.subscribed && this.sessions.has(t.session.id)) {
      t.subscribed = false;
      void this.call(t, 'apxm/unsubscribeNodeStatus', {});
    }
  }

  private ended(s: vscode.DebugSession): void {
    const t = this.sessions.get(s.id);
    if (!t) return;
    this.sessions.delete(s.id); // gone: no unsubscribe to send
    this.detach(t);
  }

  /** A request the graph can do without: an error (an adapter without it, a failed request) is logged, not shown. */
  private async call<K extends ApxmRequestName>(
    t: TrackedSession,
    name: K,
    args: ApxmRequests[K]['arguments'],
  ): Promise<ApxmRequests[K]['body'] | undefined> {
    try {
      return (await t.session.customRequest(name, args)) as ApxmRequests[K]['body'];
    } catch (e) {
      this.log(
        `graph: session "${t.session.name}" did not answer ${name}: ${(e as Error).message}; the graph stays as drawn from the file`,
      );
      return undefined;
    }
  }

  dispose(): void {
    for (const d of this.subscriptions.splice(0)) d.dispose();
    this.sessions.clear();
  }
}
