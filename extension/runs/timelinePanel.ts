/**
 * The timeline panel (one, reused): a recorded run's timeline from the Runs view ("Show
 * Timeline", read through runsSource.ts), or the active debug session's ("APXM: Show Timeline",
 * `apxm/timeline`, asked again on every stop and when the run ends; once the session is over, a
 * run recorded in a database is read from there). A click on a bar selects the node in the graph
 * and shows its source; in a replay, a click on the time axis runs there: back with
 * `apxm/rewind`, forward with `apxm/runToNode`.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { ApxmRequests } from '../../debug-adapter/customProtocol.js';
import type { HostMessage, HostMessages, TimelinePageState, TimelineSource } from '../../media/timeline/protocol.js';
import { seekPlan } from '../../media/timeline/timelineModel.js';
import { TIMELINE_PAGE } from '../../media/webviewHtml.js';
import { revealInGraph } from '../graph/graphView.js';
import { apxmLog } from '../launchExperience.js';
import { loadWebviewPage } from '../webview/webviewPage.js';
import { readTimeline, RunsSourceError, type RunsSourceOptions } from './runsSource.js';
import { parseTimelinePageMessage } from './timelineMessages.js';

export const TIMELINE_VIEW_TYPE = 'apxm.timeline';
/** Stops in quick succession (stepping) ask once. */
const REFRESH_DELAY_MS = 150;

type SessionTimeline = ApxmRequests['apxm/timeline']['body'];

const log = (line: string) => apxmLog()?.info(line);

class TimelinePanel {
  private ready = false;
  private last?: HostMessage;
  /** The session shown, and the last timeline it gave (its run id; a replay's recording). */
  session?: vscode.DebugSession;
  private sessionBody?: SessionTimeline;
  private refreshTimer?: NodeJS.Timeout;
  /**
   * Opened for a debug session (not a run picked in the Runs view): a new APXM session, or another
   * one made active, is shown in its place, as VS Code's debug views follow the active session.
   */
  followsSessions = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly runs: () => RunsSourceOptions | undefined,
    private readonly onDispose: () => void,
  ) {
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icons', 'apxm.svg');
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'media')] };
    panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m));
    panel.onDidChangeViewState(() => {
      if (!panel.visible) this.ready = false;
    });
    panel.onDidDispose(() => {
      clearTimeout(this.refreshTimer);
      onDispose();
    });
    this.load();
  }

  /** A fresh page: a new nonce each load, so no script of an earlier page runs in it. */
  private load(): void {
    this.ready = false;
    loadWebviewPage(this.panel.webview, this.extensionUri, TIMELINE_PAGE);
  }

  post<K extends keyof HostMessages>(type: K, body: HostMessages[K]): void {
    this.last = { type, body } as HostMessage;
    this.panel.title = body.title.startsWith('Timeline') ? body.title : `Timeline: ${body.title}`;
    if (this.ready) void this.panel.webview.postMessage(this.last);
  }

  /** A recorded run (by id in the runs database, or a trace file); `follow`: a session's run, read back once it ended. */
  async showRecorded(source: Extract<TimelineSource, { kind: 'run' | 'trace' }>, follow = false): Promise<void> {
    this.followsSessions = follow;
    clearTimeout(this.refreshTimer);
    this.session = undefined;
    this.sessionBody = undefined;
    const title = path.basename(source.program);
    const o = this.runs();
    try {
      if (!o && source.kind === 'run') throw new RunsSourceError({ problem: 'no runs database', fix: 'open a folder' });
      const options = o ?? { db: '', cliScript: '', hostExecPath: process.execPath };
      const timeline = await readTimeline(
        source.kind === 'run' ? { ...options, db: source.db } : options,
        source.kind === 'run' ? { runId: source.runId } : { traceFile: source.file },
      );
      this.post('timeline/show', { source, title, timeline, live: false });
    } catch (e) {
      const r = e instanceof RunsSourceError ? e.report : { problem: (e as Error).message, fix: '' };
      this.post('timeline/empty', { source, title, message: r.fix ? `${r.problem} — ${r.fix}` : r.problem });
    }
  }

  /** The session's run, live; asked again on stops and at the end (refreshSoon). */
  async showSession(session: vscode.DebugSession): Promise<void> {
    this.followsSessions = true;
    if (this.session?.id !== session.id) {
      // another session: nothing of the last one's timeline (its run, its recording) carries over
      clearTimeout(this.refreshTimer);
      this.sessionBody = undefined;
    }
    this.session = session;
    const program = String(session.configuration.program ?? '');
    const source: TimelineSource = { kind: 'session', program, name: session.name };
    const title = path.basename(program) || session.name;
    try {
      const body = (await session.customRequest('apxm/timeline', {})) as SessionTimeline;
      if (this.session !== session) return;
      this.sessionBody = body;
      this.post('timeline/show', {
        source,
        title,
        timeline: body.timeline,
        ...(body.recording ? { recording: body.recording } : {}),
        live: true,
      });
    } catch (e) {
      if (this.session !== session) return;
      // before the run starts (or an adapter without the request): say so, keep the session
      if (!this.sessionBody) this.post('timeline/empty', { source, title, message: (e as Error).message });
    }
  }

  /** `now`: the run has ended and the session is about to go (a delayed ask would find it gone). */
  refreshSoon(session: vscode.DebugSession, now = false): void {
    if (this.session?.id !== session.id) return;
    clearTimeout(this.refreshTimer);
    if (now) void this.showSession(session);
    else this.refreshTimer = setTimeout(() => void this.showSession(session), REFRESH_DELAY_MS);
  }

  /** The session is over: a run it recorded into a database is read from there (it has every op's figures). */
  async sessionEnded(session: vscode.DebugSession): Promise<void> {
    if (this.session?.id !== session.id) return;
    clearTimeout(this.refreshTimer);
    const runId = this.sessionBody?.timeline.runId;
    const db = typeof session.configuration.db === 'string' && session.configuration.db ? session.configuration.db : undefined;
    const replay = this.sessionBody?.replay === true;
    this.session = undefined;
    if (!runId || !db || replay) return; // the last live timeline stays (a replay runs in memory)
    const abs = path.isAbsolute(db) ? db : path.resolve(String(session.configuration.cwd ?? ''), db);
    await this.showRecorded({ kind: 'run', runId, db: abs, program: String(session.configuration.program ?? '') }, true);
  }

  private async receive(raw: unknown): Promise<void> {
    const m = parseTimelinePageMessage(raw);
    if (typeof m === 'string') return log(`timeline page: ${m}`);
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.last) void this.panel.webview.postMessage(this.last);
        return;
      case 'select': {
        const program = this.programShown();
        if (program) await revealInGraph(program, { flow: m.body.flow, nodeId: m.body.nodeId }, { source: true });
        return;
      }
      case 'seek':
        return this.seek(m.body.time);
      case 'pageError':
        return log(`timeline page error: ${m.body.message}`);
    }
  }

  private programShown(): string | undefined {
    const last = this.last;
    if (!last) return undefined;
    const source = last.body.source;
    return source?.program || undefined;
  }

  /** In a replay: to that point in time of the recording, forward or back. */
  private async seek(time: number): Promise<void> {
    const session = this.session;
    const body = this.sessionBody;
    if (!session || !body?.recording) {
      void vscode.window.showInformationMessage('APXM: running to a point in time works in a replay session (Replay in Debugger).');
      return;
    }
    const plan = seekPlan(body.recording, body.timeline.bars.length, time);
    try {
      switch (plan.kind) {
        case 'rewind':
          await session.customRequest('apxm/rewind', { ops: plan.ops } satisfies ApxmRequests['apxm/rewind']['arguments']);
          break;
        case 'runToNode':
          await session.customRequest('apxm/runToNode', {
            flow: plan.flow,
            nodeId: plan.nodeId,
            execution: plan.execution,
          } satisfies ApxmRequests['apxm/runToNode']['arguments']);
          break;
        case 'continue':
          await session.customRequest('continue', { threadId: 1 });
          break;
        case 'unknown':
          void vscode.window.showInformationMessage(`APXM: ${plan.reason}.`);
          break;
        case 'here':
          break;
      }
    } catch (e) {
      void vscode.window.showWarningMessage(`APXM: ${(e as Error).message}`);
    }
    this.refreshSoon(session);
  }
}

export interface TimelineView {
  showRun(source: Extract<TimelineSource, { kind: 'run' | 'trace' }>): Promise<void>;
}

/** The timeline panel's commands, serializer and session tracking; `runs` gives the Runs view's database. */
export function registerTimelinePanel(context: vscode.ExtensionContext, runs: () => RunsSourceOptions | undefined): TimelineView {
  let current: TimelinePanel | undefined;
  const create = (panel?: vscode.WebviewPanel): TimelinePanel => {
    if (current && !panel) {
      current.panel.reveal(undefined, true);
      return current;
    }
    const p =
      panel ??
      vscode.window.createWebviewPanel(
        TIMELINE_VIEW_TYPE,
        'Timeline',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        {
          enableScripts: true,
          retainContextWhenHidden: false,
          localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'media')],
        },
      );
    current?.panel.dispose();
    const made: TimelinePanel = new TimelinePanel(p, context.extensionUri, runs, () => {
      if (current === made) current = undefined;
    });
    current = made;
    return made;
  };
  const apxmSession = () => {
    const s = vscode.debug.activeDebugSession;
    return s?.type === 'apxm' ? s : undefined;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('apxm.showTimeline', async () => {
      const session = apxmSession();
      if (!session) {
        void vscode.window.showInformationMessage(
          'APXM: no APXM debug session: start one, or use Show Timeline on a run in the Runs view.',
        );
        return;
      }
      await create().showSession(session);
    }),
    vscode.window.registerWebviewPanelSerializer(TIMELINE_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        const source = (state as TimelinePageState | undefined)?.source;
        const p = create(panel);
        if (source?.kind === 'run' || source?.kind === 'trace') await p.showRecorded(source);
        else {
          const session = apxmSession();
          if (session) await p.showSession(session);
          else
            p.post('timeline/empty', {
              title: 'Timeline',
              message: 'The debug session of this timeline has ended: Show Timeline on its run in the Runs view.',
            });
        }
      },
    }),
    vscode.debug.registerDebugAdapterTrackerFactory('apxm', {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: { type?: string; event?: string }) => {
          if (m.type !== 'event') return;
          // a thread starts with the run: the timeline of a session that never stops is not left empty
          if (m.event === 'stopped' || m.event === 'thread') current?.refreshSoon(session);
          else if (m.event === 'terminated' || m.event === 'exited') current?.refreshSoon(session, true);
        },
      }),
    }),
    vscode.debug.onDidTerminateDebugSession((s) => void current?.sessionEnded(s)),
    // an open timeline of a session follows the next one (F5 again, a replay started from the Runs view)
    vscode.debug.onDidStartDebugSession((s) => {
      if (s.type === 'apxm' && current?.followsSessions) void current.showSession(s);
    }),
    vscode.debug.onDidChangeActiveDebugSession((s) => {
      if (s?.type === 'apxm' && current?.followsSessions && current.session?.id !== s.id) void current.showSession(s);
    }),
    {
      dispose: () => {
        current?.panel.dispose();
      },
    },
  );
  return { showRun: async (source) => create().showRecorded(source) };
}
