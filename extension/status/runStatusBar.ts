/**
 * The status bar item while an APXM program runs: ops done/total, tokens, elapsed (statusText.ts),
 * from the adapter's `apxm/runProgress` events (one subscription per session, 2 a second at most).
 * It follows the active debug session; clicking it shows the program's graph.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { ApxmRequests, RunStatusBody } from '../../debug-adapter/customProtocol.js';
import { sessionProgramPath } from '../graph/graphMessages.js';
import { statusText } from './statusText.js';

interface Tracked {
  session: vscode.DebugSession;
  program?: string;
  status?: RunStatusBody;
}

export function registerRunStatusBar(context: vscode.ExtensionContext): void {
  const item = vscode.window.createStatusBarItem('apxm.runStatus', vscode.StatusBarAlignment.Left, 10);
  item.name = 'APXM Run';
  const sessions = new Map<string, Tracked>();

  const shown = (): Tracked | undefined => {
    const active = vscode.debug.activeDebugSession;
    const t = active && sessions.get(active.id);
    return t?.status ? t : [...sessions.values()].reverse().find((s) => s.status);
  };

  const render = () => {
    const t = shown();
    if (!t?.status) return void item.hide();
    const { text, tooltip } = statusText(t.program ? path.basename(t.program) : t.session.name, t.status);
    item.text = text;
    item.tooltip = tooltip;
    item.command = t.program
      ? { title: 'Show Program Graph', command: 'apxm.showProgramGraph', arguments: [vscode.Uri.file(t.program)] }
      : undefined;
    item.show();
  };

  const subscribe = async (t: Tracked) => {
    // flowTotals: the per-flow totals at each run's end, for the CodeLens above each flow (lens/flowLenses.ts)
    const args: ApxmRequests['apxm/subscribeRunStatus']['arguments'] = { maxPerSecond: 2, flowTotals: true };
    try {
      const body = (await t.session.customRequest('apxm/subscribeRunStatus', args)) as ApxmRequests['apxm/subscribeRunStatus']['body'];
      if (body?.run && !t.status) t.status = body.run;
      render();
    } catch {
      // an adapter of another version, or a session already gone: no status, nothing to tell
    }
  };

  context.subscriptions.push(
    item,
    vscode.debug.onDidStartDebugSession((s) => {
      if (s.type !== 'apxm') return;
      const t: Tracked = {
        session: s,
        program: sessionProgramPath(s.configuration as { program?: unknown; cwd?: unknown }, s.workspaceFolder?.uri.fsPath),
      };
      sessions.set(s.id, t);
      void subscribe(t);
    }),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.event !== 'apxm/runProgress') return;
      const t = sessions.get(e.session.id);
      if (!t) return;
      t.status = e.body as RunStatusBody;
      render();
    }),
    vscode.debug.onDidTerminateDebugSession((s) => {
      if (sessions.delete(s.id)) render();
    }),
    vscode.debug.onDidChangeActiveDebugSession(render),
  );
}
