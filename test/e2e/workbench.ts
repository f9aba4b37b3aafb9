/**
 * The harness scenarios drive: one code-server with the packaged extension, a throwaway workspace
 * and user-data folder, and a Chromium page on the workbench. Selectors are VS Code's ARIA roles and
 * labels, and the few class names that carry meaning (`.squiggly-error`, `.codicon-debug-breakpoint`).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { E2E_OUTPUT, freePort, REPO_ROOT, startCodeServer, type RunningServer } from './codeServer.js';

export interface WorkbenchOptions {
  /** Names the output folder (screenshots, logs). */
  name: string;
  browser: Browser;
  /** The extensions folder the packaged .vsix was installed into. */
  extensionsDir: string;
  /** Fills the workspace folder (default: a copy of examples/ without its test). */
  workspace?: (dir: string) => void | Promise<void>;
  /** User settings on top of the quiet defaults below. */
  settings?: Record<string, unknown>;
}

export const EXTENSION_ID = 'apxm.apxm-vscode';

/** A workbench without first-run noise: no trust prompt, welcome page, tips, chat or update checks. */
const QUIET_SETTINGS: Record<string, unknown> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'editor.minimap.enabled': false,
  'editor.hover.delay': 300,
  'debug.openDebug': 'openOnSessionStart',
  'window.restoreWindows': 'none',
};

/** APXM_E2E_THEME="Default Dark Modern" (any installed theme's name) runs the scenarios in that colour theme, to look at their screenshots in it. */
const THEME: Record<string, unknown> = process.env.APXM_E2E_THEME ? { 'workbench.colorTheme': process.env.APXM_E2E_THEME } : {};

export function copyExamples(dir: string): void {
  for (const name of readdirSync(path.join(REPO_ROOT, 'examples')))
    if (!name.endsWith('.ts')) cpSync(path.join(REPO_ROOT, 'examples', name), path.join(dir, name));
}

/** Writes the workspace's .vscode/launch.json with these configurations. */
export function writeLaunchJson(dir: string, configurations: Record<string, unknown>[]): void {
  mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  writeFileSync(path.join(dir, '.vscode/launch.json'), JSON.stringify({ version: '0.2.0', configurations }));
}

export class Workbench {
  private constructor(
    readonly page: Page,
    private readonly context: BrowserContext,
    private readonly server: RunningServer,
    /** The throwaway folder the workbench has open. */
    readonly workspaceDir: string,
    readonly userDataDir: string,
    /** Screenshots and logs of this scenario: .e2e/output/<name>/. */
    readonly outputDir: string,
    private readonly tmp: string,
  ) {}

  static async start(o: WorkbenchOptions): Promise<Workbench> {
    const tmp = mkdtempSync(path.join(os.tmpdir(), `apxm-e2e-${o.name}-`));
    const workspaceDir = path.join(tmp, 'workspace');
    const userDataDir = path.join(tmp, 'user-data');
    const outputDir = path.join(E2E_OUTPUT, o.name);
    rmSync(outputDir, { recursive: true, force: true });
    mkdirSync(outputDir, { recursive: true });
    mkdirSync(workspaceDir);
    mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
    writeFileSync(path.join(userDataDir, 'User/settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...THEME, ...o.settings }, null, 2));
    // Promise.resolve: a scenario's filler may be sync or async (typescript-eslint read the bare union as void in some runs)
    await Promise.resolve((o.workspace ?? copyExamples)(workspaceDir));
    let server: RunningServer | undefined;
    let context: BrowserContext | undefined;
    try {
      server = await startCodeServer({
        port: await freePort(),
        userDataDir,
        extensionsDir: o.extensionsDir,
        configFile: path.join(tmp, 'config.yaml'),
        logFile: path.join(outputDir, 'code-server.log'),
      });
      context = await o.browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${server.url}/?folder=${encodeURIComponent(workspaceDir)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await page.getByRole('tree', { name: /Files Explorer/i }).waitFor({ timeout: 60_000 });
      return new Workbench(page, context, server, workspaceDir, userDataDir, outputDir, tmp);
    } catch (e) {
      await context?.close().catch(() => undefined);
      await server?.stop();
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  }

  /** Closes the page and stops code-server (with its extension host); removes the throwaway folders. */
  async stop(): Promise<void> {
    try {
      await this.context.close().catch(() => undefined);
    } finally {
      await this.server.stop();
      rmSync(this.tmp, { recursive: true, force: true });
    }
  }

  async screenshot(name: string): Promise<string> {
    const file = path.join(this.outputDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Presses keys in turn: `press('F10')`, `press('Control+Space')`. */
  async press(...keys: string[]): Promise<void> {
    for (const k of keys) await this.page.keyboard.press(k);
  }

  // --- quick input: the command palette, quick open, input boxes ---

  private quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /** Types into the open quick input as a user would (fill() alone does not start a file search). */
  private async typeInQuickInput(text: string): Promise<void> {
    const input = this.quickInput().locator('input.input').first();
    await input.waitFor();
    await input.fill('');
    await input.pressSequentially(text, { delay: 10 });
  }

  /** Runs a command by its palette label (`Problems: Focus on Problems View`), as a user would: the row of exactly that label. */
  async runCommand(label: string, { opensPicker = false }: { opensPicker?: boolean } = {}): Promise<void> {
    await this.press('F1');
    await this.typeInQuickInput(`>${label}`);
    // a row's ARIA label is the command's label, then its key binding or group: "Debug: Step Into, F11"
    const row = this.quickInput()
      .getByRole('option', { name: new RegExp(`^${escapeRegExp(label)}(,|$)`) })
      .first();
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    // a command that asks next (Select and Start Debugging) keeps the quick input open with its own rows
    if (!opensPicker) await this.quickInput().waitFor({ state: 'hidden', timeout: 15_000 });
  }

  /** Opens a workspace file from the Explorer (folders expanded on the way) and waits for its editor (a text editor unless `custom`). */
  async openFile(relPath: string, { custom = false }: { custom?: boolean } = {}): Promise<void> {
    const tree = this.page.getByRole('tree', { name: /Files Explorer/i });
    // another view (Run and Debug after a session) may hold the side bar
    if (!(await tree.isVisible())) await this.runCommand('View: Show Explorer');
    const parts = relPath.split('/');
    for (const [i, part] of parts.entries()) {
      const item = tree.getByRole('treeitem', { name: part, exact: true }).first();
      await item.waitFor({ timeout: 30_000 });
      if (i < parts.length - 1) {
        if ((await item.getAttribute('aria-expanded')) !== 'true') await item.click();
      } else await item.click();
    }
    await this.page
      .getByRole('tab', { name: parts.at(-1) })
      .first()
      .waitFor({ timeout: 30_000 });
    if (!custom) await this.activeEditor().locator('.view-lines').waitFor();
  }

  /**
   * Waits until the AIS language server answers for the active editor: its document symbols fill
   * the breadcrumbs (`trip_planner.ais > TripPlanner > main`). Until then the extension may still be
   * activating, and F5 pressed that early starts nothing.
   */
  async waitForLanguageServer(timeoutMs = 60_000): Promise<void> {
    const crumbs = this.page.locator('.editor-group-container.active .breadcrumbs-control .monaco-breadcrumb-item');
    const deadline = Date.now() + timeoutMs;
    while ((await crumbs.count()) < 2) {
      if (Date.now() > deadline) throw new Error(`the language server gave no document symbols within ${timeoutMs / 1000} s`);
      await this.page.waitForTimeout(250);
    }
  }

  /** The command lines of the processes code-server runs (its own process group: extension host, language servers, adapters). */
  serverProcesses(): string[] {
    const pgid = this.server.process.pid;
    if (pgid === undefined) return [];
    const ps = spawnSync('ps', ['-e', '-o', 'pgid=,args='], { encoding: 'utf8', timeout: 10_000 });
    return ps.stdout
      .split('\n')
      .map((l) => /^\s*(\d+)\s+(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) === pgid)
      .map((m) => m[2]);
  }

  /** The prompt (without VS Code's "(Press 'Enter' to confirm…)"), placeholder and title of an open input box. */
  async inputBox(timeoutMs = 15_000): Promise<{ prompt: string; placeholder: string; title: string }> {
    const widget = this.quickInput();
    await widget.waitFor({ state: 'visible', timeout: timeoutMs });
    const message = (await widget.locator('.quick-input-message').textContent()) ?? '';
    return {
      prompt: message.replace(/\s*\(Press 'Enter' to confirm or 'Escape' to cancel\)$/, ''),
      placeholder: (await widget.locator('input.input').first().getAttribute('placeholder')) ?? '',
      title: (await widget.locator('.quick-input-title').textContent()) ?? '',
    };
  }

  /** Types an answer into the open input box and accepts it. */
  async answerInput(text: string, timeoutMs = 15_000): Promise<void> {
    const widget = this.quickInput();
    await widget.waitFor({ state: 'visible', timeout: timeoutMs });
    await this.typeInQuickInput(text);
    await this.press('Enter');
    // accepted only once it closes: a palette opened before that would replace it and cancel the prompt
    await widget.waitFor({ state: 'hidden', timeout: timeoutMs });
  }

  // --- the editor ---

  activeEditor(): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor').first();
  }

  /** Puts the cursor at line:column (1-based) with Go to Line. */
  async goTo(line: number, column = 1): Promise<void> {
    await this.activeEditor().locator('.view-lines').click();
    await this.press('Control+G');
    await this.typeInQuickInput(`:${line}:${column}`);
    await this.press('Enter');
    await this.quickInput().waitFor({ state: 'hidden' });
  }

  /** Types text at the cursor (the editor's own keyboard handling: brackets may auto-close). */
  async type(text: string): Promise<void> {
    await this.page.keyboard.type(text);
  }

  /** The token spans of an on-screen line: text (spaces as spaces) and class (`mtk5`: the theme colour of its TextMate scope). */
  async lineTokens(line: number): Promise<{ text: string; className: string }[]> {
    const top = await this.lineTop(line);
    return this.activeEditor()
      .evaluate((editor: Dom, t) => {
        const row = [...editor.querySelectorAll('.view-lines .view-line')].find((el) => el.style.top === t);
        return row ? [...row.querySelectorAll('span > span')].map((s) => ({ text: s.textContent ?? '', className: s.className })) : [];
      }, top)
      .then((spans) => spans.map((t) => ({ ...t, text: t.text.replace(/\u00a0/g, ' ') })));
  }

  /** The CSS `top` of an on-screen line, from its line number in the margin. */
  private async lineTop(line: number): Promise<string> {
    const top = await this.activeEditor().evaluate((editor: Dom, n) => {
      for (const el of editor.querySelectorAll('.margin-view-overlays > div')) {
        if (el.querySelector('.line-numbers')?.textContent?.trim() === String(n)) return el.style.top;
      }
      return undefined;
    }, line);
    if (top === undefined) throw new Error(`line ${line} is not on screen`);
    return top;
  }

  /** The hover at line:column (Show or Focus Hover), as text. */
  async hoverAt(line: number, column: number): Promise<string> {
    await this.goTo(line, column);
    await this.runCommand('Show or Focus Hover');
    const hover = this.page.locator('.monaco-hover:not(.hidden)').first();
    await hover.waitFor({ timeout: 15_000 });
    await hover.locator('.hover-contents, .rendered-markdown').first().waitFor({ timeout: 15_000 });
    return (await hover.innerText()).trim();
  }

  /** The completion items the list shows at the cursor (Trigger Suggest); screenshots it open if named; closes it. */
  async completions(screenshot?: string): Promise<string[]> {
    await this.press('Control+Space');
    const widget = this.page.locator('.suggest-widget.visible');
    await widget.waitFor({ timeout: 15_000 });
    await widget.getByRole('option').first().waitFor({ timeout: 15_000 });
    const labels = await widget.locator('.monaco-list-row .label-name').allTextContents();
    if (screenshot) await this.screenshot(screenshot);
    await this.press('Escape');
    return labels.map((s) => s.trim());
  }

  /** The TextMate scopes of the token at line:column (Developer: Inspect Editor Tokens and Scopes). */
  async tokenScopesAt(line: number, column: number): Promise<string> {
    await this.goTo(line, column);
    await this.runCommand('Developer: Inspect Editor Tokens and Scopes');
    const widget = this.page.locator('.token-inspect-widget');
    await widget.waitFor({ timeout: 15_000 });
    await widget.locator('.tm-metadata-table, .tiw-metadata-scopes').first().waitFor({ timeout: 15_000 });
    const text = await widget.innerText();
    await this.press('Escape');
    return text;
  }

  /** Problems view rows (`message … line:col`), after opening the view. */
  async problems(): Promise<string[]> {
    await this.runCommand('Problems: Focus on Problems View');
    const tree = this.page.getByRole('tree', { name: /Problems/i });
    await tree.waitFor();
    return tree.getByRole('treeitem').evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? r.textContent ?? ''));
  }

  // --- debugging ---

  /** Clicks the glyph margin of a line (it must be on screen) and waits for the breakpoint dot. */
  async setBreakpoint(line: number): Promise<void> {
    await this.goTo(line);
    const top = await this.lineTop(line);
    const box = await this.activeEditor().locator('.margin').boundingBox();
    const lineBox = await this.activeEditor().evaluate((editor: Dom, t) => {
      const el = [...editor.querySelectorAll('.margin-view-overlays > div')].find((d) => d.style.top === t);
      const r = el?.getBoundingClientRect();
      return r ? { y: r.y + r.height / 2 } : undefined;
    }, top);
    if (!box || !lineBox) throw new Error(`no glyph margin for line ${line}`);
    // the glyph margin is the margin's leftmost strip
    await this.page.mouse.click(box.x + 8, lineBox.y);
    await this.page.waitForFunction(
      ([t]) => {
        for (const el of (globalThis as unknown as { document: Dom }).document.querySelectorAll(
          '.editor-group-container.active .codicon-debug-breakpoint',
        ))
          if (el.closest('[style*="top"]')?.style.top === t || el.style.top === t) return true;
        return false;
      },
      [top],
      { timeout: 10_000 },
    );
  }

  /** The line the debugger is stopped at, from the top frame in the Call Stack view (undefined: not stopped). */
  async stoppedLine(): Promise<number | undefined> {
    // rows of the Call Stack treegrid: "Stack Frame ASK stay — TripPlanner.main, line 6, trip_planner.ais"
    const frames = this.page.getByRole('treegrid', { name: 'Debug Call Stack' }).getByRole('row', { name: /^Stack Frame / });
    const labels = await frames.evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
    for (const l of labels) {
      const m = /line (\d+)/.exec(l);
      if (m) return Number(m[1]);
    }
    return undefined;
  }

  /** Clicks a button of the debug toolbar by its ARIA label (`Step Back`, `Continue`: some, like Step Back, are not in the palette). */
  async debugToolbar(action: string): Promise<void> {
    await this.page
      .locator('.debug-toolbar')
      .getByRole('button', { name: new RegExp(`^${escapeRegExp(action)}( \\(|$)`) })
      .click({ timeout: 15_000 });
  }

  /** Waits until the debugger is stopped anywhere; returns the line. */
  async waitForStopped(timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const line = await this.stoppedLine();
      if (line !== undefined) return line;
      await this.page.waitForTimeout(200);
    }
    throw new Error(`the debugger did not stop within ${timeoutMs / 1000} s`);
  }

  /** Waits until the debugger is stopped at `line` (the top stack frame, and the editor's stack-frame arrow). */
  async waitForStoppedAt(line: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: number | undefined;
    while (Date.now() < deadline) {
      last = await this.stoppedLine();
      if (last === line) return;
      await this.page.waitForTimeout(200);
    }
    throw new Error(`the debugger is not stopped at line ${line} (top frame: ${last ?? 'none'})`);
  }

  /** The Variables view's rows as shown (`STM`, `city: "Lisbon"`...). */
  async variables(): Promise<string[]> {
    const tree = this.page.getByRole('tree', { name: /Variables/ });
    await tree.waitFor({ timeout: 15_000 });
    await tree.getByRole('treeitem').first().waitFor({ timeout: 15_000 });
    const read = async () => (await tree.getByRole('treeitem').allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').trim());
    const rows = await read();
    // the tree draws only the rows in view: scroll to its end for the rest, then back
    await tree.hover();
    await this.page.mouse.wheel(0, 5_000);
    const below = await read();
    await this.page.mouse.wheel(0, -5_000);
    return [...rows, ...below.filter((r) => !rows.includes(r))];
  }

  /** Evaluates text in the Debug Console and returns the console's text afterwards. */
  async debugConsoleEval(text: string): Promise<string> {
    await this.runCommand('Debug Console: Focus on Debug Console View');
    const input = this.page.locator('.repl-input-wrapper textarea, .repl-input-wrapper .native-edit-context').first();
    await input.waitFor();
    await input.click();
    await this.type(text);
    await this.press('Enter');
    await this.page.waitForTimeout(500);
    return this.debugConsoleText();
  }

  /** The Debug Console's output so far. */
  async debugConsoleText(): Promise<string> {
    const rows = this.page.locator('.repl .monaco-list-row');
    return (await rows.allInnerTexts()).join('\n');
  }

  /** Waits until the Debug Console shows a line matching `pattern`; returns the console's text. */
  async waitForDebugConsole(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    await this.runCommand('Debug Console: Focus on Debug Console View');
    await this.page.locator('.repl .monaco-list-row').getByText(pattern).first().waitFor({ timeout: timeoutMs });
    return this.debugConsoleText();
  }

  /** The messages of the visible notification toasts, as shown. */
  async notifications(): Promise<string[]> {
    const messages = await this.page.locator('.notifications-toasts .notification-toast .notification-list-item-message').allInnerTexts();
    return messages.map((m) => m.replace(/\s+/g, ' ').trim());
  }

  /** The visible toast whose message contains `text`. */
  private toast(text: string | RegExp): Locator {
    return this.page
      .locator('.notifications-toasts .notification-toast')
      .filter({ has: this.page.locator('.notification-list-item-message', { hasText: text }) })
      .first();
  }

  /** Waits for a toast whose message contains `text`; returns its message and the labels of its buttons. */
  async waitForNotification(text: string | RegExp, timeoutMs = 30_000): Promise<{ message: string; buttons: string[] }> {
    const toast = this.toast(text);
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
    const message = (await toast.locator('.notification-list-item-message').innerText()).replace(/\s+/g, ' ').trim();
    const buttons = await toast.locator('.notification-list-item-buttons-container').getByRole('button').allInnerTexts();
    return { message, buttons: buttons.map((b) => b.trim()) };
  }

  /** Clicks the button labelled `button` of the toast whose message contains `text`. */
  async clickNotificationButton(text: string | RegExp, button: string, timeoutMs = 15_000): Promise<void> {
    await this.toast(text)
      .locator('.notification-list-item-buttons-container')
      .getByRole('button', { name: button, exact: true })
      .click({ timeout: timeoutMs });
  }

  // --- logs, for failures ---

  /** The extension-host logs under the user-data folder (exthost*.log, remoteexthost.log). */
  extensionHostLogs(): { file: string; text: string }[] {
    return findFiles(path.join(this.userDataDir, 'logs'), (f) => /exthost.*\.log$/.test(path.basename(f))).map((file) => ({
      file,
      text: readFileSync(file, 'utf8'),
    }));
  }

  /** The output channels of the APXM extension (its language server, the APXM channel), as the extension host logged them. */
  outputChannels(): { file: string; text: string }[] {
    return findFiles(path.join(this.userDataDir, 'logs'), (f) => path.basename(path.dirname(f)) === EXTENSION_ID).map((file) => ({
      file,
      text: readFileSync(file, 'utf8'),
    }));
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The little of the DOM the page-side callbacks use (the project compiles without the DOM library). */
interface Dom {
  style: { top: string };
  className: string;
  textContent: string | null;
  querySelector(selector: string): Dom | null;
  querySelectorAll(selector: string): Iterable<Dom>;
  closest(selector: string): Dom | null;
  getBoundingClientRect(): { x: number; y: number; width: number; height: number };
}

function findFiles(dir: string, match: (file: string) => boolean, acc: string[] = []): string[] {
  if (!existsSync(dir)) return acc;
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) findFiles(p, match, acc);
    else if (match(p)) acc.push(p);
  }
  return acc;
}
