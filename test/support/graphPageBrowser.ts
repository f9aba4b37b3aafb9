/**
 * The graph page in headless Chromium, for its tests and the bench: bundles the page (into a
 * temporary folder, apart from dist/), serves it from a 127.0.0.1 server with the HTML and CSP of
 * webviewPageHtml, and stands in for VS Code's webview API (`acquireVsCodeApi` records what the page
 * posts; its state survives a reload, as VS Code's does).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { GRAPH_PAGE } from '../../media/webviewHtml.js';
import type { HostMessage, PageMessage } from '../../media/graph/protocol.js';
import { serveWebviewPage, type WebviewPageServer } from './webviewPageServer.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SCREENSHOTS = path.join(ROOT, '.e2e', 'output', 'webview');

export type GraphPageServer = WebviewPageServer;

/** Bundles the page into a temporary folder and serves it; `close` stops the server and removes the folder. */
export const serveGraphPage = (): Promise<GraphPageServer> => serveWebviewPage(GRAPH_PAGE);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.APXM_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface ThemeVars {
  kind: 'vscode-light' | 'vscode-dark' | 'vscode-high-contrast';
  vars: Record<string, string>;
}

export const DARK: ThemeVars = {
  kind: 'vscode-dark',
  vars: {
    '--vscode-editor-background': '#1f1f1f',
    '--vscode-editor-foreground': '#cccccc',
    '--vscode-foreground': '#cccccc',
    '--vscode-editorWidget-background': '#202020',
    '--vscode-sideBar-background': '#181818',
    '--vscode-descriptionForeground': '#9d9d9d',
    '--vscode-focusBorder': '#0078d4',
    '--vscode-panel-border': '#2b2b2b',
    '--vscode-widget-border': '#313131',
    '--vscode-testing-iconPassed': '#73c991',
    '--vscode-testing-iconFailed': '#f14c4c',
    '--vscode-debugIcon-breakpointForeground': '#e51400',
  },
};

export const LIGHT: ThemeVars = {
  kind: 'vscode-light',
  vars: {
    '--vscode-editor-background': '#ffffff',
    '--vscode-editor-foreground': '#3b3b3b',
    '--vscode-foreground': '#3b3b3b',
    '--vscode-editorWidget-background': '#f8f8f8',
    '--vscode-sideBar-background': '#f8f8f8',
    '--vscode-descriptionForeground': '#717171',
    '--vscode-focusBorder': '#005fb8',
    '--vscode-panel-border': '#e5e5e5',
    '--vscode-widget-border': '#e5e5e5',
    '--vscode-editorLineNumber-foreground': '#6e7681',
    '--vscode-testing-iconPassed': '#388a34',
    '--vscode-testing-iconFailed': '#f14c4c',
    '--vscode-testing-iconUnset': '#848484',
    '--vscode-testing-iconQueued': '#bf8803',
    '--vscode-charts-blue': '#1a85ff',
    '--vscode-debugIcon-breakpointForeground': '#e51400',
    '--vscode-menu-background': '#ffffff',
    '--vscode-menu-foreground': '#3b3b3b',
    '--vscode-menu-selectionBackground': '#005fb8',
  },
};

export interface GraphPage {
  page: Page;
  /** What the page posted so far. */
  posted(): Promise<PageMessage[]>;
  send(m: HostMessage): Promise<void>;
  sendAll(ms: HostMessage[]): Promise<void>;
  /** Waits until the latest shape is laid out and drawn. */
  settled(): Promise<void>;
  setTheme(t: ThemeVars): Promise<void>;
}

/** A webview page opened in Chromium as VS Code would show it (its state in sessionStorage, what it posts recorded). */
export interface WebviewPageIn<Host, Posted> {
  page: Page;
  /** What the page posted so far. */
  posted(): Promise<Posted[]>;
  send(m: Host): Promise<void>;
  setTheme(t: ThemeVars): Promise<void>;
}

/** Sets a theme's variables and body class on the page, as VS Code does when the theme changes. */
export const applyTheme = (page: Page, t: ThemeVars): Promise<void> =>
  page.evaluate((theme) => {
    const d = (globalThis as any).document;
    for (const [k, v] of Object.entries(theme.vars)) d.documentElement.style.setProperty(k, v);
    d.body.className = theme.kind;
  }, t);

/**
 * Opens a served webview page with a stand-in for `acquireVsCodeApi` (posted messages recorded,
 * state kept in sessionStorage so it survives a reload) and the CSP's refusals logged in
 * `__cspViolations`. `before` runs in the page before its script (e.g. to take something away from it).
 */
export async function openWebviewPage<Host, Posted>(
  browser: Browser,
  url: string,
  theme: ThemeVars,
  viewport: { width: number; height: number },
  before?: string,
): Promise<WebviewPageIn<Host, Posted>> {
  const page = await browser.newPage({ viewport });
  if (before) await page.addInitScript(before);
  // these functions run in the page: `globalThis` there is the window (this file compiles without DOM types)
  await page.addInitScript(() => {
    const w = globalThis as any;
    const posted: unknown[] = [];
    const violations: string[] = [];
    w.__posted = posted;
    w.__cspViolations = violations;
    w.document.addEventListener('securitypolicyviolation', (e: any) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    w.acquireVsCodeApi = () => ({
      postMessage: (m: unknown) => posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => {
        const s = w.sessionStorage.getItem('vscodeState');
        return s ? JSON.parse(s) : undefined;
      },
      setState: (s: unknown) => w.sessionStorage.setItem('vscodeState', JSON.stringify(s)),
    });
  });
  await page.goto(url);
  const opened: WebviewPageIn<Host, Posted> = {
    page,
    posted: () => page.evaluate(() => ((globalThis as any).__posted as Posted[]).slice()),
    send: (m) => page.evaluate((msg) => (globalThis as any).postMessage(msg, '*'), m as unknown),
    setTheme: (t) => applyTheme(page, t),
  };
  await opened.setTheme(theme);
  return opened;
}

export async function openGraphPage(
  browser: Browser,
  server: GraphPageServer,
  theme: ThemeVars = DARK,
  viewport = { width: 1200, height: 800 },
  /** Run in the page before its script (e.g. to take something away from it). */
  before?: string,
): Promise<GraphPage> {
  const opened = await openWebviewPage<HostMessage, PageMessage>(browser, server.url, theme, viewport, before);
  const { page } = opened;
  return {
    ...opened,
    sendAll: (ms) => page.evaluate((list) => list.forEach((msg) => (globalThis as any).postMessage(msg, '*')), ms),
    settled: async () => {
      await page.waitForFunction(() => (globalThis as any).__apxmGraph?.ready === true, undefined, { timeout: 15_000 });
    },
  };
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, name);
}
