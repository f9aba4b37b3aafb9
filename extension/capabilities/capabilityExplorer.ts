/**
 * The Capabilities tree in the APXM view container: during an APXM debug session, what its
 * runtime registered with this session's call stats (`apxm/capabilities`, `apxm/capabilityStats`);
 * otherwise what the workspace declares, loaded here only when the workspace is trusted. Commands:
 * Invoke... (parameters checked against the schema as they are typed; the result in a read-only
 * JSON document) and Find Uses (every INV site in the workspace's programs, as references).
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { CatalogCapability, CatalogProblem } from '../../runtime/query/capabilityCatalog.js';
import { loadWorkspaceCatalogue, workspaceCatalog } from '../../runtime/query/capabilityCatalog.js';
import { invokeChecked, type InvokeOutcome } from '../../runtime/query/capabilityInvoke.js';
import { findCapabilityUses } from '../../runtime/query/capabilityUses.js';
import type { ApxmEvents, ApxmRequests } from '../../debug-adapter/customProtocol.js';
import type { ValueObject } from '../../runtime/values/value.js';
import { Debouncer } from '../languageServer/debouncer.js';
import { apxmLog } from '../launchExperience.js';
import { ensureTrustedToRun } from '../workspaceTrust.js';
import {
  groupCatalogs,
  itemDescription,
  itemTooltip,
  mergeStats,
  paramsProblem,
  paramsSkeleton,
  type CapabilityGroup,
  type FolderCatalog,
} from './capabilityTreeModel.js';

export const CAPABILITIES_VIEW = 'apxm.capabilities';
const RESULT_SCHEME = 'apxm-capability-result';
const DECLARATIONS = '**/{apxm.capabilities.mjs,apxm.config.json}';
const EXCLUDE = '**/node_modules/**';

type Item =
  | { kind: 'group'; group: CapabilityGroup }
  | { kind: 'capability'; capability: CatalogCapability; dir: string }
  | { kind: 'problem'; problem: CatalogProblem };

class CapabilityTree implements vscode.TreeDataProvider<Item> {
  private readonly changed = new vscode.EventEmitter<Item | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private folders: FolderCatalog[] = [];
  /** The debug session the tree shows, once its adapter loaded the program. */
  session?: vscode.DebugSession;
  private loading?: Promise<void>;

  /** Loads the catalogue again: the session's, else the workspace's. */
  refresh(): Promise<void> {
    this.loading = this.load()
      .catch((e: unknown) => apxmLog()?.warn(`capabilities: ${(e as Error).message}`))
      .then(() => this.changed.fire(undefined));
    return this.loading;
  }

  private async load(): Promise<void> {
    const session = this.session;
    if (session) {
      const catalog = (await session.customRequest('apxm/capabilities', { subscribe: true })) as ApxmRequests['apxm/capabilities']['body'];
      if (this.session === session) this.folders = [{ dir: this.relativeDir(session), catalog }];
      return;
    }
    const files = await vscode.workspace.findFiles(DECLARATIONS, EXCLUDE, 50);
    const dirs = [...new Set(files.map((f) => path.dirname(f.fsPath)))].sort();
    const trusted = vscode.workspace.isTrusted;
    const loaded = await Promise.all(
      dirs.map(async (dir) => ({ dir: relative(dir), abs: dir, catalog: await workspaceCatalog(dir, { trusted }) })),
    );
    if (!this.session) this.folders = loaded;
  }

  private relativeDir(session: vscode.DebugSession): string {
    const program = (session.configuration as { program?: unknown }).program;
    return typeof program === 'string' ? relative(path.dirname(program)) : '';
  }

  /** Stats from the session's event, merged without a new request. */
  onStats(session: vscode.DebugSession, body: ApxmEvents['apxm/capabilityStats']): void {
    if (session !== this.session) return;
    if (body.catalogChanged) return void this.refresh();
    this.folders = this.folders.map((f) => ({ ...f, catalog: mergeStats(f.catalog, body.stats) }));
    this.changed.fire(undefined);
  }

  catalogs(): FolderCatalog[] {
    return this.folders;
  }

  async ready(): Promise<void> {
    await this.loading;
  }

  getTreeItem(item: Item): vscode.TreeItem {
    if (item.kind === 'group') {
      const g = item.group;
      const t = new vscode.TreeItem(g.label, vscode.TreeItemCollapsibleState.Expanded);
      t.id = `group:${g.id}`;
      t.description = g.description;
      t.contextValue = 'apxm.capabilityGroup';
      t.iconPath = new vscode.ThemeIcon(g.id.endsWith('host') ? 'server-process' : g.id.includes('mcp:') ? 'plug' : 'tools');
      return t;
    }
    if (item.kind === 'problem') {
      const p = item.problem;
      const t = new vscode.TreeItem(
        p.untrusted ? 'Not loaded: Restricted Mode' : 'Could not be loaded',
        vscode.TreeItemCollapsibleState.None,
      );
      t.description = p.message;
      t.tooltip = new vscode.MarkdownString([p.message, p.hint ?? '', p.file ?? ''].filter(Boolean).join('\n\n'));
      t.iconPath = new vscode.ThemeIcon(p.untrusted ? 'workspace-untrusted' : 'warning');
      if (p.untrusted) t.command = { command: 'workbench.trust.manage', title: 'Manage Workspace Trust' };
      return t;
    }
    const c = item.capability;
    const t = new vscode.TreeItem(c.name, vscode.TreeItemCollapsibleState.None);
    t.id = `cap:${item.dir}:${c.name}`;
    t.description = itemDescription(c);
    t.tooltip = new vscode.MarkdownString(itemTooltip(c));
    t.contextValue = 'apxm.capability';
    t.iconPath = new vscode.ThemeIcon(c.stats?.errors ? 'error' : 'symbol-method');
    return t;
  }

  getChildren(item?: Item): Item[] {
    const groups = groupCatalogs(this.folders);
    if (!item) return groups.map((group) => ({ kind: 'group', group }));
    if (item.kind !== 'group') return [];
    const dir = item.group.description ?? this.folders[0]?.dir ?? '';
    return [
      ...item.group.problems.map((problem): Item => ({ kind: 'problem', problem })),
      ...item.group.capabilities.map((capability): Item => ({ kind: 'capability', capability, dir: dir === '.' ? '' : dir })),
    ];
  }
}

function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

function relative(dir: string): string {
  const root = workspaceRoot();
  return root ? path.relative(root, dir) : dir;
}

/** Read-only documents holding invocation results. */
class ResultDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private count = 0;
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }
  async show(name: string, outcome: InvokeOutcome): Promise<void> {
    const uri = vscode.Uri.from({ scheme: RESULT_SCHEME, path: `/${name} result ${++this.count}.json` });
    this.texts.set(uri.toString(), JSON.stringify(outcome, null, 2) + '\n');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'json');
    await vscode.window.showTextDocument(doc, { preview: true });
  }
}

async function pickCapability(tree: CapabilityTree): Promise<{ capability: CatalogCapability; dir: string } | undefined> {
  await tree.ready();
  const all = tree.catalogs().flatMap((f) => f.catalog.capabilities.map((capability) => ({ capability, dir: f.dir })));
  const pick = await vscode.window.showQuickPick(
    all.map((a) => ({ label: a.capability.name, description: a.capability.description, detail: a.dir || undefined, a })),
    { placeHolder: 'Capability to invoke' },
  );
  return pick?.a;
}

async function invoke(tree: CapabilityTree, results: ResultDocuments, item?: Item): Promise<void> {
  const chosen = item?.kind === 'capability' ? item : await pickCapability(tree);
  if (!chosen) return;
  const { capability, dir } = chosen;
  const text = await vscode.window.showInputBox({
    title: `Invoke ${capability.name}`,
    prompt: capability.description || 'JSON parameters',
    value: JSON.stringify(paramsSkeleton(capability.schema)),
    validateInput: (t) => paramsProblem(t, capability.schema),
  });
  if (text === undefined) return;
  const params = JSON.parse(text) as ValueObject;
  const session = tree.session;
  let outcome: InvokeOutcome;
  if (session) {
    outcome = (await session.customRequest('apxm/invokeCapability', { name: capability.name, params })) as InvokeOutcome;
  } else {
    // a short-lived capability runtime: the folder's tools loaded, called once, stopped
    if (!(await ensureTrustedToRun(`the capability "${capability.name}"`))) return;
    const root = workspaceRoot();
    if (!root) return;
    outcome = await vscode.window.withProgress(
      { location: { viewId: CAPABILITIES_VIEW }, title: `Invoking ${capability.name}` },
      async () => {
        const loaded = await loadWorkspaceCatalogue(path.join(root, dir), { trusted: true });
        try {
          return await invokeChecked(loaded.system, capability.name, params, { log: (t) => apxmLog()?.info(`[${capability.name}] ${t}`) });
        } finally {
          await loaded.system.dispose();
        }
      },
    );
  }
  apxmLog()?.info(`invoked ${capability.name} (${outcome.durationMs} ms): ${'error' in outcome ? outcome.error.message : 'ok'}`);
  await results.show(capability.name, outcome);
}

async function findUses(item?: Item): Promise<void> {
  if (item?.kind !== 'capability') return;
  const name = item.capability.name;
  const files = (await vscode.workspace.findFiles('**/*.{ais,json,apxmobj}', EXCLUDE, 2000))
    .map((u) => u.fsPath)
    .filter((f) => !/(^|[\\/])(apxm\.config|package|package-lock|tsconfig|launch|settings)\.json$/.test(f));
  const { uses } = await findCapabilityUses(files, name);
  if (!uses.length) return void vscode.window.showInformationMessage(`APXM: no program in this workspace invokes "${name}"`);
  const locations = uses.map(
    (u) =>
      new vscode.Location(
        vscode.Uri.file(path.resolve(u.file)),
        new vscode.Range(u.line - 1, u.column - 1, (u.endLine ?? u.line) - 1, (u.endColumn ?? u.column) - 1),
      ),
  );
  const first = locations[0];
  await vscode.commands.executeCommand('editor.action.showReferences', first.uri, first.range.start, locations);
}

/** Registers the tree, its refreshes and its commands. */
export function registerCapabilityExplorer(context: vscode.ExtensionContext): void {
  const tree = new CapabilityTree();
  const results = new ResultDocuments();
  const refresh = new Debouncer(300);
  const later = () => refresh.schedule('tree', () => void tree.refresh());
  const watcher = vscode.workspace.createFileSystemWatcher(DECLARATIONS);
  context.subscriptions.push(
    vscode.window.createTreeView(CAPABILITIES_VIEW, { treeDataProvider: tree, showCollapseAll: true }),
    vscode.workspace.registerTextDocumentContentProvider(RESULT_SCHEME, results),
    watcher,
    watcher.onDidChange(later),
    watcher.onDidCreate(later),
    watcher.onDidDelete(later),
    vscode.workspace.onDidGrantWorkspaceTrust(later),
    vscode.workspace.onDidChangeWorkspaceFolders(later),
    // the adapter has loaded the program once it says what it runs on: its runtime answers from then on
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== 'apxm') return;
      if (e.event === 'apxm/sessionInfo') {
        tree.session = e.session;
        void tree.refresh();
      } else if (e.event === 'apxm/capabilityStats') tree.onStats(e.session, e.body as ApxmEvents['apxm/capabilityStats']);
    }),
    vscode.debug.onDidTerminateDebugSession((s) => {
      if (s !== tree.session) return;
      tree.session = undefined;
      void tree.refresh();
    }),
    vscode.commands.registerCommand('apxm.capabilities.refresh', () => tree.refresh()),
    vscode.commands.registerCommand('apxm.capabilities.invoke', (item?: Item) =>
      invoke(tree, results, item).catch((e: unknown) => vscode.window.showErrorMessage(`APXM: invoke failed: ${(e as Error).message}`)),
    ),
    vscode.commands.registerCommand('apxm.capabilities.findUses', (item?: Item) =>
      findUses(item).catch((e: unknown) => vscode.window.showErrorMessage(`APXM: find uses failed: ${(e as Error).message}`)),
    ),
    { dispose: () => refresh.dispose() },
  );
  void tree.refresh();
}
