/**
 * The timeline page's first render in headless Chromium (the bundled page under its CSP): a
 * 5,000-op timeline against a 500-op baseline measured in the same run (target < 1 s at 5,000).
 * Two figures per run: in the page, from the message's arrival to its first frame drawn; and at the
 * host, from posting the message to the page saying it has drawn (the message's copy included).
 */
import type { Browser } from 'playwright-core';
import type { HostMessage } from '../media/timeline/protocol.js';
import { buildTimeline, type OpSpan, type Timeline } from '../runtime/query/timeline.js';
import { launchChromium } from '../test/support/graphPageBrowser.js';
import { openTimelinePage, serveTimelinePage, type TimelinePageServer } from '../test/support/timelinePageBrowser.js';
import type { Emit } from './schedulerBench.js';
import { quantile } from './stats.js';

const round = (x: number) => Math.round(x * 100) / 100;
const summary = (xs: number[]) => ({ p50: round(quantile(xs, 0.5)), p95: round(quantile(xs, 0.95)), max: round(Math.max(...xs)) });
const RUNS = 3;

/** An agent-shaped run of `ops` ops: waves of up to 8 in parallel (LLM calls long, the rest short), a fixed seed. */
export function syntheticTimeline(ops: number, runId: string): Timeline {
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const spans: OpSpan[] = [];
  const T0 = 1_700_000_000_000;
  let t = 0;
  for (let i = 0; i < ops;) {
    const wave = 1 + Math.floor(rnd() * 8);
    let end = t;
    for (let k = 0; k < wave && i < ops; k++, i++) {
      const llm = rnd() < 0.4;
      const durationMs = llm ? 200 + rnd() * 2000 : rnd() * 5;
      const start = t + rnd() * 3;
      spans.push({
        frameId: 1 + Math.floor(i / 500),
        nodeId: i + 1,
        flow: `Agent.f${i % 7}`,
        name: `op${i}`,
        op: llm ? 'Ask' : 'Merge',
        startedAt: T0 + start,
        durationMs,
        tokens: llm ? Math.floor(50 + rnd() * 500) : 0,
        state: 'succeeded',
        order: i,
      });
      end = Math.max(end, start + durationMs);
    }
    t = end;
  }
  return buildTimeline({ runId, startedAt: T0, finishedAt: T0 + t, status: 'succeeded', live: false }, spans);
}

async function firstRender(
  browser: Browser,
  server: TimelinePageServer,
  ops: number,
  run: number,
): Promise<{ page: number; host: number }> {
  const timeline = syntheticTimeline(ops, `bench-${ops}-${run}`);
  const message: HostMessage = {
    type: 'timeline/show',
    body: {
      source: { kind: 'run', runId: timeline.runId, db: '/bench.sqlite', program: '/bench.ais' },
      title: 'bench',
      timeline,
      live: false,
    },
  };
  const tp = await openTimelinePage(browser, server, undefined, { width: 1400, height: 900 });
  try {
    // as VS Code delivers it: a JSON text parsed in the page, then posted; timed in the page from before the parse
    const sentAt = await tp.page.evaluate((text) => {
      const w = globalThis as unknown as { postMessage(m: unknown, o: string): void };
      const t = performance.now();
      w.postMessage(JSON.parse(text), '*');
      return t;
    }, JSON.stringify(message));
    await tp.drawn(1);
    const stats = await tp.hook((h) => h.stats());
    const host = (stats.firstFrameAt ?? NaN) - sentAt;
    return { page: stats.firstRenderMs ?? NaN, host };
  } finally {
    await tp.page.close();
  }
}

export async function timelineBench(emit: Emit): Promise<void> {
  const server = await serveTimelinePage();
  const browser = await launchChromium();
  try {
    await firstRender(browser, server, 500, -1); // warm-up
    const big = { page: [] as number[], host: [] as number[] };
    const small = { page: [] as number[], host: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      for (const [ops, into] of [
        [5000, big],
        [500, small],
      ] as const) {
        const r = await firstRender(browser, server, ops, i);
        into.page.push(r.page);
        into.host.push(r.host);
      }
    }
    const lanes = syntheticTimeline(5000, 'x').lanes;
    emit({
      bench: 'timeline',
      what: `first render of a timeline in headless Chromium, ms (${RUNS} runs, fresh page each): in the page from the message to its first frame (page), and from its JSON text, parsed and posted, to that frame (host)`,
      ops5000_page: summary(big.page),
      ops5000_host: summary(big.host),
      baseline_ops500_page: summary(small.page),
      baseline_ops500_host: summary(small.host),
      ratio_host: round(quantile(big.host, 0.5) / quantile(small.host, 0.5)),
      lanes5000: lanes,
      target: '< 1000 ms at 5,000 ops',
    });
  } finally {
    await browser.close();
    await server.close();
  }
}
