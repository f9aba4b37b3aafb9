/**
 * The graph page's costs on agent-shaped DAGs (test/support/agentDag.ts), each beside a baseline
 * measured in the same run:
 * 1. layout in Node: 5,000 nodes against 1,000 (target < 500 ms);
 * 2. in headless Chromium, the bundled page under its CSP: the first render after graph/show
 *    (target < 1 s), applying and drawing a batch of 500 status changes (target < 16 ms) against a
 *    batch of one, and a pan or zoom frame at 5,000 nodes (target < 16 ms) against 1,000 nodes.
 */
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import { GraphModel } from '../media/graph/graphModel.js';
import { layoutGraph } from '../media/graph/layout.js';
import type { HostMessage } from '../media/graph/protocol.js';
import { visibleGraph } from '../media/graph/visibleGraph.js';
import { agentProgram } from '../test/support/agentDag.js';
import { launchChromium, openGraphPage, serveGraphPage, type GraphPage } from '../test/support/graphPageBrowser.js';
import type { Emit } from './schedulerBench.js';
import { quantile } from './stats.js';
import { encodeChanges } from '../runtime/query/nodeStatus.js';

const round = (x: number) => Math.round(x * 100) / 100;

let shown = 0;
/** A fresh hash each time, so the page's layout cache never answers. */
function showMessage(nodes: number): HostMessage & { type: 'graph/show' } {
  return {
    type: 'graph/show',
    body: {
      graph: agentProgram(nodes),
      hash: `bench-${nodes}-${shown++}`,
      programPath: `/bench/${nodes}.json`,
      title: 'bench',
      live: true,
    },
  };
}

function layoutMs(nodes: number, runs: number): number[] {
  const model = new GraphModel();
  model.apply(showMessage(nodes));
  const input = visibleGraph(model, new Set()).input;
  layoutGraph(input); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    layoutGraph(input);
    times.push(performance.now() - t);
  }
  return times;
}

interface PageStats {
  firstRenderMs: number;
  lastDrawMs: number;
  lastApplyMs: number;
  layoutMs: number;
  layoutSource: string;
}
/** The page's globals these functions use (they run in the page; this file compiles without DOM types). */
interface PageWindow {
  requestAnimationFrame(cb: () => void): number;
  __apxmGraph: { stats(): PageStats };
}

/** Two animation frames in the page: the one that applies what was sent, drawn. */
const nextFrames = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<void>((r) => {
        const w = globalThis as unknown as PageWindow;
        w.requestAnimationFrame(() => w.requestAnimationFrame(() => r()));
      }),
  );
const stats = (page: Page) => page.evaluate(() => (globalThis as unknown as PageWindow).__apxmGraph.stats());

async function show(gp: GraphPage, nodes: number): Promise<{ firstRenderMs: number; layoutMs: number; layoutSource: string }> {
  await gp.send(showMessage(nodes));
  await gp.settled();
  return stats(gp.page);
}

/** Applies `batches` status batches of `size` changes each, one per frame; the apply + draw time of each frame. */
async function batchFrames(gp: GraphPage, nodes: number, size: number, batches: number, seq0: number): Promise<number[]> {
  const states = ['ready', 'running', 'succeeded', 'failed'] as const;
  const out: number[] = [];
  for (let b = 0; b < batches; b++) {
    const changes = Array.from({ length: size }, (_, i) => ({
      frameId: 1,
      nodeId: 1 + ((b * size + i * 7) % nodes),
      flow: 'Bench.main',
      state: states[(b + i) % states.length],
      durationMs: 10 + ((i * 37) % 900),
      tokens: (i * 13) % 400,
    }));
    await gp.send({ type: 'graph/status', body: { runId: 'bench', seq: seq0 + b, ...encodeChanges(changes) } });
    await nextFrames(gp.page);
    const s = await stats(gp.page);
    out.push(s.lastApplyMs + s.lastDrawMs);
  }
  return out;
}

/** Draw times of frames that pan (drag) and zoom (wheel) with the graph fitted, then zoomed in to labels. */
async function panZoomFrames(gp: GraphPage, frames: number): Promise<{ fitted: number[]; labelled: number[] }> {
  const page = gp.page;
  const fitted: number[] = [];
  const labelled: number[] = [];
  await page.mouse.move(600, 450);
  for (let i = 0; i < frames; i++) {
    await page.mouse.wheel(0, i % 2 ? 40 : -40);
    await nextFrames(page);
    fitted.push((await stats(page)).lastDrawMs);
  }
  await page.mouse.wheel(0, -2500); // zoomed in past the label threshold
  await nextFrames(page);
  for (let i = 0; i < frames; i++) {
    await page.mouse.move(600, 450);
    await page.mouse.down();
    await page.mouse.move(600 + (i % 2 ? -60 : 60), 420, { steps: 2 });
    await page.mouse.up();
    await nextFrames(page);
    labelled.push((await stats(page)).lastDrawMs);
  }
  return { fitted, labelled };
}

const summary = (xs: number[]) => ({ p50: round(quantile(xs, 0.5)), p95: round(quantile(xs, 0.95)), max: round(Math.max(...xs)) });

export async function graphViewBench(emit: Emit): Promise<void> {
  const small = layoutMs(1000, 5);
  const large = layoutMs(5000, 5);
  emit({
    bench: 'graph',
    what: 'layout in Node, ms (5 runs after a warm-up)',
    nodes5000: summary(large),
    baseline_nodes1000: summary(small),
    ratio: round(quantile(large, 0.5) / quantile(small, 0.5)),
    target: '< 500 ms at 5,000 nodes',
  });

  const server = await serveGraphPage();
  const browser = await launchChromium();
  try {
    const gp = await openGraphPage(browser, server, undefined, { width: 1200, height: 900 });
    const renders1k: number[] = [];
    const renders5k: number[] = [];
    let source = '';
    for (let i = 0; i < 3; i++) {
      const s1 = await show(gp, 1000);
      renders1k.push(s1.firstRenderMs);
      const s5 = await show(gp, 5000);
      renders5k.push(s5.firstRenderMs);
      source = s5.layoutSource;
    }
    emit({
      bench: 'graph',
      what: 'first render after graph/show in headless Chromium, ms (layout in the worker, then the first frame; 3 runs)',
      nodes5000: summary(renders5k),
      baseline_nodes1000: summary(renders1k),
      ratio: round(quantile(renders5k, 0.5) / quantile(renders1k, 0.5)),
      layoutSource: source,
      target: '< 1000 ms at 5,000 nodes',
    });

    await show(gp, 5000);
    const big = await batchFrames(gp, 5000, 500, 20, 1);
    const one = await batchFrames(gp, 5000, 1, 20, 21);
    emit({
      bench: 'graph',
      what: 'a status batch applied and drawn at 5,000 nodes (fitted view), ms per frame (20 frames)',
      batch500: summary(big),
      baseline_batch1: summary(one),
      ratio: round(quantile(big, 0.5) / Math.max(quantile(one, 0.5), 0.01)),
      target: '< 16 ms for 500 changes',
    });

    const frames5k = await panZoomFrames(gp, 20);
    await show(gp, 1000);
    const frames1k = await panZoomFrames(gp, 20);
    emit({
      bench: 'graph',
      what: 'pan/zoom frame draw time, ms (20 frames each: wheel zoom with the whole graph fitted, drag pan zoomed in with labels)',
      nodes5000_fitted: summary(frames5k.fitted),
      nodes5000_labelled: summary(frames5k.labelled),
      baseline_nodes1000_fitted: summary(frames1k.fitted),
      baseline_nodes1000_labelled: summary(frames1k.labelled),
      ratio_fitted: round(quantile(frames5k.fitted, 0.5) / Math.max(quantile(frames1k.fitted, 0.5), 0.01)),
      target: '< 16 ms at 5,000 nodes',
    });
    await gp.page.close();
  } finally {
    await browser.close();
    await server.close();
  }
}
