/**
 * The "Runs" tree in the APXM view container: the runs recorded in the configured database
 * (runsSource.ts reads it), with Replay in Debugger, Export Trace..., Open Trace File... and Delete
 * Run. Refreshes when a debug session ends and when the database file changes.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { durationText } from '../../runtime/query/durationText.js';
import type { RunSummary } from '../../runtime/query/runList.js';
import { readTraceFile } from '../../runtime/replay/traceFile.js';
import { formatCost } from '../../runtime/llm/costText.js';
import { runsDatabasePath } from '../launchDefaults.js';
import { registerTimelinePanel } from './timelinePanel.js';
import { deleteRun, exportTrace, readRuns, RunsSourceError, type RunsProblem, type RunsSourceOptions } from './runsSource.js';

type Item = { run: RunSummary } | { message: RunsProblem | string };

const STATUS_ICON: Record<string, [string, string?]> = {
  succeeded: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash'],
  paused: ['debug-pause'],
  running: ['loading~spin'],
  interrupted: ['warning', 'list.warningForeground'],
};

/** The configured database: `apxm.runs.database`, relative to the first workspace folder. */
export function runsDatabase(): string | undefined {
  return runsDatabasePath(
    vscode.workspace.getConfiguration('apxm.runs').get<string>('database'),
    vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
  );
}

class RunsTree implements vscode.TreeDataProvider<Item> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly source: () => RunsSourceOptions | undefined) {}

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(element?: Item): Promise<Item[]> {
    if (element) return [];
    const o = this.source();
    if (!o) return [{ message: 'Open a folder: runs are read from its .apxm/runs.sqlite (setting apxm.runs.database)' }];
    const read = await readRuns(o);
    if ('problem' in read) return [{ message: read }];
    if (!read.runs.length)
      return [{ message: `No runs recorded in ${vscode.workspace.asRelativePath(o.db)} yet (apxm run --db, or "db" in launch.json)` }];
    return read.runs.map((run) => ({ run }));
  }

  getTreeItem(element: Item): vscode.TreeItem {
    if ('message' in element) {
      const m = element.message;
      const item = new vscode.TreeItem(typeof m === 'string' ? m : m.problem);
      if (typeof m !== 'string') {
        item.description = m.fix;
        item.tooltip = `${m.problem}\nfix: ${m.fix}`;
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
      } else item.iconPath = new vscode.ThemeIcon('info');
      item.contextValue = 'apxm.runs.message';
      return item;
    }
    const r = element.run;
    const item = new vscode.TreeItem(path.basename(r.program));
    item.id = r.runId;
    const started = new Date(r.startedAt);
    // a run without LLM calls has nothing to cost; one with an unpriced model has no total (a partial sum would understate it)
    const cost = r.llmCalls ? (r.cost !== undefined ? formatCost(r.cost) : 'cost unknown') : undefined;
    item.description = `${started.toLocaleString()} · ${r.status} · ${durationText(r.durationMs)} · ${r.tokens} tokens${cost ? ` · ${cost}` : ''}`;
    item.tooltip = new vscode.MarkdownString(
      [
        `**${r.entryFlow}** — ${r.program}`,
        `run \`${r.runId}\`, ${r.status}`,
        `started ${started.toISOString()}, ${durationText(r.durationMs)}`,
        `${r.tokens} tokens in ${r.llmCalls} LLM calls` +
          (cost ? (r.cost !== undefined ? `, ${cost}` : ', cost unknown: a model had no price (add it to apxm.llm.prices)') : ''),
      ].join('\n\n'),
    );
    const [icon, color] = STATUS_ICON[r.status] ?? ['circle-outline'];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.contextValue = r.status === 'running' ? 'apxm.run.running' : 'apxm.run';
    return item;
  }
}

export function registerRunsView(context: vscode.ExtensionContext): void {
  const source = (): RunsSourceOptions | undefined => {
    const db = runsDatabase();
    if (!db) return undefined;
    const nodePath = vscode.workspace.getConfiguration('apxm.debugAdapter').get<string>('nodePath');
    return {
      db,
      cliScript: path.join(context.extensionPath, 'dist', 'apxmCli.js'),
      hostExecPath: process.execPath,
      ...(nodePath ? { nodePath } : {}),
    };
  };
  const tree = new RunsTree(source);
  const timeline = registerTimelinePanel(context, source);
  const shown = (e: unknown) => {
    const r = e instanceof RunsSourceError ? e.report : { problem: (e as Error).message, fix: '' };
    void vscode.window.showErrorMessage(r.fix ? `${r.problem} — ${r.fix}` : r.problem);
  };
  const runOf = (item: Item | undefined) => (item && 'run' in item ? item.run : undefined);
  const replay = (program: string, replaySource: string, db?: string) =>
    vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
      type: 'apxm',
      request: 'launch',
      name: `Replay ${path.basename(program)}`,
      program,
      replay: replaySource,
      ...(db ? { db } : {}),
    });

  let watcher: vscode.FileSystemWatcher | undefined;
  const watch = () => {
    watcher?.dispose();
    const db = runsDatabase();
    if (!db) return;
    // the -wal file changes on every commit; the database file itself on checkpoints and deletes
    watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(path.dirname(db)), `${path.basename(db)}*`),
    );
    watcher.onDidChange(() => tree.refresh());
    watcher.onDidCreate(() => tree.refresh());
    watcher.onDidDelete(() => tree.refresh());
  };
  watch();

  context.subscriptions.push(
    vscode.window.createTreeView('apxm.runs', { treeDataProvider: tree, showCollapseAll: false }),
    {
      dispose: () => {
        watcher?.dispose();
      },
    },
    vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.type === 'apxm') tree.refresh();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('apxm.runs.database')) {
        watch();
        tree.refresh();
      }
    }),
    vscode.commands.registerCommand('apxm.runs.refresh', () => tree.refresh()),
    vscode.commands.registerCommand('apxm.runs.replay', async (item?: Item) => {
      const run = runOf(item);
      const o = source();
      if (run && o) await replay(run.program, run.runId, o.db);
    }),
    vscode.commands.registerCommand('apxm.runs.showTimeline', async (item?: Item) => {
      const run = runOf(item);
      const o = source();
      if (run && o) await timeline.showRun({ kind: 'run', runId: run.runId, db: o.db, program: run.program });
    }),
    vscode.commands.registerCommand('apxm.runs.exportTrace', async (item?: Item) => {
      const run = runOf(item);
      const o = source();
      if (!run || !o) return;
      const target = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.file(path.join(path.dirname(o.db), `${run.runId}.trace.json`)),
        filters: { 'APXM trace': ['json'] },
        title: 'Export Trace',
      });
      if (!target) return;
      try {
        await exportTrace(o, run.runId, target.fsPath);
        void vscode.window.showInformationMessage(`Exported run ${run.runId} to ${vscode.workspace.asRelativePath(target)}`);
      } catch (e) {
        shown(e);
      }
    }),
    vscode.commands.registerCommand('apxm.runs.openTraceFile', async () => {
      const [file] =
        (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'APXM trace': ['json'] }, title: 'Open Trace File' })) ?? [];
      if (!file) return;
      try {
        const recorded = readTraceFile(file.fsPath);
        const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
        const program = path.isAbsolute(recorded.program) || !folder ? recorded.program : path.join(folder, recorded.program);
        await replay(program, file.fsPath);
      } catch (e) {
        shown(e);
      }
    }),
    vscode.commands.registerCommand('apxm.runs.delete', async (item?: Item) => {
      const run = runOf(item);
      const o = source();
      if (!run || !o) return;
      const ok = await vscode.window.showWarningMessage(
        `Delete run ${run.runId} (${path.basename(run.program)}) and its trace from ${vscode.workspace.asRelativePath(o.db)}?`,
        { modal: true, detail: 'Other runs are kept. This cannot be undone.' },
        'Delete Run',
      );
      if (ok !== 'Delete Run') return;
      try {
        await deleteRun(o, run.runId);
      } catch (e) {
        shown(e);
      }
      tree.refresh();
    }),
  );
}
