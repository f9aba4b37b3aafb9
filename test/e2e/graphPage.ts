/**
 * The graph page as the scenarios see it: reached inside its webview (VS Code nests the page in an
 * iframe within an iframe) and read through the page's read-only test hook `window.__apxmGraph`
 * (media/graph/main.ts), once the page has laid out and drawn its latest graph.
 */
import type { FrameLocator } from 'playwright-core';
import type { Workbench } from './workbench.js';
import type { GraphTestHook } from '../../media/graph/testHook.js';

/** One drawn op: its flow and id, what it is, its state, whether it has a breakpoint, and its centre in the page's frame. */
export interface GraphNodeView {
  flow: string;
  nodeId: number;
  name: string;
  op: string;
  state: string;
  breakpoint: boolean;
  x: number;
  y: number;
}

export interface GraphView {
  programPath: string;
  live: boolean;
  stopped?: { flow: string; nodeId: number; frameId: number };
  nodes: GraphNodeView[];
}

export function graphPage(wb: Workbench): FrameLocator {
  return wb.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

/** What the page draws now; undefined while it loads or lays out. */
export async function readGraph(wb: Workbench): Promise<GraphView | undefined> {
  try {
    return await graphPage(wb)
      .locator('body')
      .evaluate(
        () => {
          const h = (globalThis as unknown as { __apxmGraph?: GraphTestHook }).__apxmGraph;
          if (!h?.ready) return undefined;
          const bps = new Set(
            h
              .breakpoints()
              .filter((b) => b.enabled)
              .map((b) => b.key),
          );
          return {
            programPath: h.programPath,
            live: h.live,
            stopped: h.stopped(),
            nodes: h
              .nodes()
              .filter((n) => n.kind === 'node' && n.flow !== undefined)
              .map((n) => ({
                flow: n.flow as string,
                nodeId: n.nodeId as number,
                name: n.name ?? '',
                op: n.op ?? '',
                state: n.state,
                breakpoint: bps.has(`${n.flow}#${n.nodeId}`),
                x: Math.round(n.box.x + n.box.w / 2),
                y: Math.round(n.box.y + n.box.h / 2),
              })),
          };
        },
        undefined,
        { timeout: 2_000 },
      );
  } catch {
    return undefined; // the page is loading
  }
}

/** Polls the page until `ok` holds; fails with the last state seen. */
export async function waitForGraph(wb: Workbench, what: string, ok: (g: GraphView) => boolean, timeoutMs = 30_000): Promise<GraphView> {
  const deadline = Date.now() + timeoutMs;
  let last: GraphView | undefined;
  while (Date.now() < deadline) {
    last = await readGraph(wb);
    if (last && ok(last)) return last;
    await wb.page.waitForTimeout(250);
  }
  throw new Error(`the graph page never showed ${what}; last: ${JSON.stringify(last)?.slice(0, 2000)}`);
}
