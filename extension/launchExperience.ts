/**
 * What the extension adds around a debug session: the "APXM" output channel (version, adapter
 * mode, and per session the storage backend the adapter opened), PAUSEs answered from a
 * notification, and the offer to save prompted arguments (launchPrompts.ts). The adapter tells it
 * through the custom events of debug-adapter/customProtocol.ts, in every adapter mode.
 */
import * as vscode from 'vscode';
import type { ApxmEvents, ApxmRequests } from '../debug-adapter/customProtocol.js';
import { launchFailureNotice } from './launchFailure.js';
import { registerLaunchPrompts } from './launchPrompts.js';
import { activationLine, pauseNotice, sessionInfoLines } from './sessionLog.js';

let channel: vscode.LogOutputChannel | undefined;

/** The "APXM" output channel (created on activation). */
export function apxmLog(): vscode.LogOutputChannel | undefined {
  return channel;
}

/** PAUSEs that wait, by session and checkpoint id: an answer to one no longer waiting says so instead of failing. */
const waiting = new Map<string, Set<string>>();

async function answerPause(session: vscode.DebugSession, p: ApxmEvents['apxm/pauseWaiting']): Promise<void> {
  const text = await vscode.window.showInputBox({
    title: `Answer APXM PAUSE ${p.checkpointId}`,
    prompt: p.message,
    placeHolder: 'your answer (the PAUSE op outputs it as text)',
    ignoreFocusOut: true,
  });
  if (text === undefined) return void offerPause(session, p); // Escape: ask again later
  if (!waiting.get(session.id)?.has(p.checkpointId)) {
    void vscode.window.showInformationMessage(`APXM: PAUSE ${p.checkpointId} no longer waits (answered or its run ended).`);
    return;
  }
  const args: ApxmRequests['apxm/answerPause']['arguments'] = { checkpointId: p.checkpointId, text };
  try {
    await session.customRequest('apxm/answerPause', args);
  } catch (e) {
    void vscode.window.showWarningMessage(`APXM: ${(e as Error).message}`);
  }
}

function offerPause(session: vscode.DebugSession, p: ApxmEvents['apxm/pauseWaiting']): void {
  const ANSWER = 'Answer…';
  const SHOW = 'Show in Editor';
  const items = p.source ? [ANSWER, SHOW] : [ANSWER];
  void vscode.window.showInformationMessage(pauseNotice(p), ...items).then(async (pick) => {
    if (pick === ANSWER) await answerPause(session, p);
    else if (pick === SHOW && p.source) {
      const line = Math.max(0, p.source.line - 1);
      await vscode.window.showTextDocument(vscode.Uri.file(p.source.path), { selection: new vscode.Range(line, 0, line, 0) });
      if (waiting.get(session.id)?.has(p.checkpointId)) offerPause(session, p);
    }
  });
}

function onCustomEvent(e: vscode.DebugSessionCustomEvent): void {
  if (e.session.type !== 'apxm') return;
  switch (e.event) {
    case 'apxm/sessionInfo': {
      const info = e.body as ApxmEvents['apxm/sessionInfo'];
      for (const line of sessionInfoLines(e.session.name, info)) channel?.info(line);
      return;
    }
    case 'apxm/pauseWaiting': {
      const p = e.body as ApxmEvents['apxm/pauseWaiting'];
      let set = waiting.get(e.session.id);
      if (!set) waiting.set(e.session.id, (set = new Set()));
      set.add(p.checkpointId);
      offerPause(e.session, p);
      return;
    }
    case 'apxm/pauseDone': {
      const d = e.body as ApxmEvents['apxm/pauseDone'];
      waiting.get(e.session.id)?.delete(d.checkpointId);
      return;
    }
  }
}

/** A failed launch (the adapter does not ask VS Code to show it: clientShowsLaunchErrors) as a notification with its fix. */
function showLaunchFailure(m: unknown): void {
  const notice = launchFailureNotice(m as Parameters<typeof launchFailureNotice>[0]);
  if (!notice) return;
  channel?.warn(notice.message);
  void vscode.window.showErrorMessage(notice.message, ...notice.actions.map((a) => a.label)).then(async (pick) => {
    const action = notice.actions.find((a) => a.label === pick);
    if (action) await vscode.commands.executeCommand(action.command, ...action.args);
  });
}

export function registerLaunchExperience(context: vscode.ExtensionContext): void {
  channel = vscode.window.createOutputChannel('APXM', { log: true });
  const cfg = vscode.workspace.getConfiguration('apxm.debugAdapter');
  const version = (context.extension.packageJSON as { version?: string }).version ?? '?';
  channel.info(
    activationLine({
      extensionVersion: version,
      adapterMode: cfg.get<string>('mode', 'inline'),
      ...(cfg.get<string>('nodePath') ? { adapterNode: cfg.get<string>('nodePath') } : {}),
      hostNode: process.versions.node,
      hostAbi: process.versions.modules,
    }),
  );
  if (!vscode.workspace.isTrusted) channel.info('Restricted Mode: highlighting and diagnostics work; running a program asks for trust');
  registerLaunchPrompts(context);
  context.subscriptions.push(
    channel,
    vscode.debug.registerDebugAdapterTrackerFactory('apxm', { createDebugAdapterTracker: () => ({ onDidSendMessage: showLaunchFailure }) }),
    vscode.debug.onDidReceiveDebugSessionCustomEvent(onCustomEvent),
    vscode.debug.onDidTerminateDebugSession((s) => waiting.delete(s.id)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => channel?.info('workspace trusted: programs can run')),
  );
}
