/**
 * The timeline page in headless Chromium, for its tests and the bench: bundles the pages (into a
 * temporary folder, apart from dist/), serves the timeline page from a 127.0.0.1 server with the
 * HTML and CSP of webviewPageHtml, and stands in for VS Code's webview API (`acquireVsCodeApi`
 * records what the page posts; its state survives a reload, as VS Code's does). Also records a
 * real run with the CLI and reads its timeline back, as the Runs view does.
 */
import { spawnSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { TIMELINE_PAGE } from '../../media/webviewHtml.js';
import type { HostMessage, PageMessage, Timeline } from '../../media/timeline/protocol.js';
import type { TimelineTestHook } from '../../media/timeline/testHook.js';
import { APXM_CLI } from './apxmCli.js';
import { DARK, openWebviewPage, type ThemeVars } from './graphPageBrowser.js';
import { serveWebviewPage, type WebviewPageServer } from './webviewPageServer.js';

export type TimelinePageServer = WebviewPageServer;

/** Bundles the page into a temporary folder and serves it; `close` stops the server and removes the folder. */
export const serveTimelinePage = (): Promise<TimelinePageServer> => serveWebviewPage(TIMELINE_PAGE);

export interface TimelinePage {
  page: Page;
  posted(): Promise<PageMessage[]>;
  send(m: HostMessage): Promise<void>;
  /** Waits until the page has drawn its `version`-th timeline. */
  drawn(version: number): Promise<void>;
  hook<T>(fn: (h: TimelineTestHook) => T): Promise<T>;
  setTheme(t: ThemeVars): Promise<void>;
}

export async function openTimelinePage(
  browser: Browser,
  server: TimelinePageServer,
  theme: ThemeVars = DARK,
  viewport = { width: 1200, height: 500 },
): Promise<TimelinePage> {
  const opened = await openWebviewPage<HostMessage, PageMessage>(browser, server.url, theme, viewport);
  const { page } = opened;
  const tp: TimelinePage = {
    ...opened,
    drawn: async (version) => {
      await page.waitForFunction(
        (v) => {
          const h = (globalThis as any).__apxmTimeline;
          return h?.version >= v && h.ready === true;
        },
        version,
        { timeout: 15_000 },
      );
    },
    hook: (fn) => page.evaluate(`(${fn.toString()})(globalThis.__apxmTimeline)`) as never,
  };
  return tp;
}

/** Runs `program` with the CLI (simulated LLM) into `db` and returns the run's id and recorded timeline (`apxm trace timeline --json`). */
/** Records a run of `program` with the CLI (`extra`: more `apxm run` options, e.g. `--model gpt-4o` to price it) and reads its timeline. */
export function recordTimeline(
  program: string,
  args: Record<string, string>,
  db: string,
  extra: string[] = [],
): { runId: string; timeline: Timeline } {
  const cli = (a: string[]) => {
    const r = spawnSync(process.execPath, [APXM_CLI, ...a], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`apxm ${a.join(' ')} exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  };
  const argv = Object.entries(args).flatMap(([k, v]) => ['--arg', `${k}=${v}`]);
  const { runId } = JSON.parse(cli(['run', program, ...argv, '--db', db, '--json', ...extra])) as { runId: string };
  return { runId, timeline: JSON.parse(cli(['trace', 'timeline', runId, '--db', db, '--json'])) as Timeline };
}
