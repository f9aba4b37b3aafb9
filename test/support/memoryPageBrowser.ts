/**
 * The memory page in headless Chromium, for its tests: bundles the page (into a temporary folder,
 * apart from dist/), serves it from a 127.0.0.1 server with the HTML and CSP of webviewPageHtml, and
 * stands in for the host: what the page posts is recorded and handed to `answer`, whose replies are
 * posted back to the page as the host would.
 */
import type { Browser, Page } from 'playwright-core';
import { MEMORY_PAGE } from '../../media/webviewHtml.js';
import type { HostMessage, PageMessage } from '../../media/memory/protocol.js';
import type { MemoryHookState } from '../../media/memory/testHook.js';
import { applyTheme, DARK, type ThemeVars } from './graphPageBrowser.js';
import { serveWebviewPage, type WebviewPageServer } from './webviewPageServer.js';

export type MemoryPageServer = WebviewPageServer;

/** Bundles the page into a temporary folder and serves it; `close` stops the server and removes the folder. */
export const serveMemoryPage = (): Promise<MemoryPageServer> => serveWebviewPage(MEMORY_PAGE);

export interface MemoryPage {
  page: Page;
  /** Everything the page posted so far. */
  posted: PageMessage[];
  send(m: HostMessage): Promise<void>;
  state(): Promise<MemoryHookState>;
  /** Waits until `ok` holds for the page's state; fails with the last state seen. */
  waitFor(what: string, ok: (s: MemoryHookState) => boolean, timeoutMs?: number): Promise<MemoryHookState>;
  setTheme(t: ThemeVars): Promise<void>;
}

/** Opens the page; each message it posts goes to `answer`, whose replies are posted back. */
export async function openMemoryPage(
  browser: Browser,
  server: MemoryPageServer,
  answer: (m: PageMessage) => HostMessage[] | Promise<HostMessage[]>,
  theme: ThemeVars = DARK,
  viewport = { width: 1100, height: 700 },
): Promise<MemoryPage> {
  const page = await browser.newPage({ viewport });
  const posted: PageMessage[] = [];
  const send = (m: HostMessage) => page.evaluate((msg) => (globalThis as any).postMessage(msg, '*'), m);
  await page.exposeFunction('__toHost', async (m: PageMessage) => {
    posted.push(m);
    for (const reply of await answer(m)) await send(reply).catch(() => undefined);
  });
  await page.addInitScript(() => {
    const w = globalThis as any;
    const violations: string[] = [];
    w.__cspViolations = violations;
    w.document.addEventListener('securitypolicyviolation', (e: any) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    w.acquireVsCodeApi = () => ({
      postMessage: (m: unknown) => void w.__toHost(JSON.parse(JSON.stringify(m))),
      getState: () => {
        const s = w.sessionStorage.getItem('vscodeState');
        return s ? JSON.parse(s) : undefined;
      },
      setState: (s: unknown) => w.sessionStorage.setItem('vscodeState', JSON.stringify(s)),
    });
  });
  const setTheme = (t: ThemeVars) => applyTheme(page, t);
  await page.goto(server.url);
  await setTheme(theme);
  const state = () => page.evaluate(() => (globalThis as any).__apxmMemory.state() as MemoryHookState);
  return {
    page,
    posted,
    send,
    state,
    setTheme,
    async waitFor(what, ok, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      let last: MemoryHookState | undefined;
      while (Date.now() < deadline) {
        last = await state();
        if (ok(last)) return last;
        await page.waitForTimeout(50);
      }
      throw new Error(`the memory page never showed ${what}; last: ${JSON.stringify(last)?.slice(0, 3000)}`);
    },
  };
}
