/**
 * The graph page (dist/media/graph.js) in headless Chromium under its real CSP, fed runs recorded
 * from the runtime: the states it shows, what clicking and the context menu post to the host, the
 * detail pane's paging, keyboard use, a reload restoring the view and layout, and screenshots in a
 * light and a dark theme (.e2e/output/webview/).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import type { NodeDetail } from '../../debug-adapter/customProtocol.js';
import type { HostMessage, PageMessage } from '../../media/graph/protocol.js';
import {
  DARK,
  LIGHT,
  launchChromium,
  openGraphPage,
  screenshotPath,
  serveGraphPage,
  type GraphPage,
  type GraphPageServer,
} from '../support/graphPageBrowser.js';
import { recordGraphRun, type RecordedGraphRun } from '../support/graphRun.js';
import { decodeChanges, encodeChanges } from '../../runtime/query/nodeStatus.js';
import type { HookNode } from '../../media/graph/testHook.js';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');

const hook = {
  nodes: (gp: GraphPage) => gp.page.evaluate(() => (globalThis as any).__apxmGraph.nodes() as HookNode[]),
  states: (gp: GraphPage) => gp.page.evaluate(() => (globalThis as any).__apxmGraph.states() as Record<string, string>),
  stats: (gp: GraphPage) => gp.page.evaluate(() => (globalThis as any).__apxmGraph.stats()),
  view: (gp: GraphPage) => gp.page.evaluate(() => (globalThis as any).__apxmGraph.view()),
  selected: (gp: GraphPage) => gp.page.evaluate(() => (globalThis as any).__apxmGraph.selected() as string | undefined),
};

/** The state each node of the entry frame's flow ends in: the last change, the latest frame (iteration) winning. Worked out here, apart from the page. */
function expectedStates(run: RecordedGraphRun, flow: string): Map<number, string> {
  const best = new Map<number, { frameId: number; state: string }>();
  for (const m of run.messages) {
    if (m.type !== 'graph/status') continue;
    for (const c of decodeChanges(m.body)) {
      if (c.flow !== flow) continue;
      const prev = best.get(c.nodeId);
      if (!prev || c.frameId >= prev.frameId) best.set(c.nodeId, { frameId: c.frameId, state: c.state });
    }
  }
  return new Map([...best].map(([id, v]) => [id, v.state]));
}

const centre = (n: HookNode) => ({ x: n.box.x + n.box.w / 2, y: n.box.y + n.box.h / 2 });

async function waitPosted(gp: GraphPage, pred: (m: PageMessage) => boolean): Promise<PageMessage> {
  for (let i = 0; i < 100; i++) {
    const found = (await gp.posted()).find(pred);
    if (found) return found;
    await gp.page.waitForTimeout(50);
  }
  throw new Error(`not posted; posted: ${JSON.stringify(await gp.posted())}`);
}

describe('the graph page in headless Chromium', { timeout: 180_000 }, () => {
  let server: GraphPageServer | undefined;
  let browser: Browser | undefined;
  let digest: RecordedGraphRun;
  let board: RecordedGraphRun;

  before(async () => {
    digest = await recordGraphRun(path.join(EXAMPLES, 'resilient_digest.ais'), { topic: 'rust' });
    board = await recordGraphRun(path.join(EXAMPLES, 'review_board.ais'), { topic: 'caching' });
    server = await serveGraphPage();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(run: RecordedGraphRun, theme = DARK): Promise<GraphPage> {
    const gp = await openGraphPage(browser as Browser, server as GraphPageServer, theme);
    assert.deepEqual(await gp.posted(), [{ type: 'ready', body: {} }], 'the page asks for the graph when loaded');
    await gp.send(run.show);
    await gp.sendAll(run.messages);
    await gp.settled();
    return gp;
  }

  it(
    'draws a recorded run with its loop and try: each node in its last state, laid out in a worker under the CSP',
    { timeout: 60_000 },
    async () => {
      assert.equal(digest.status, 'succeeded');
      const gp = await open(digest);
      try {
        const flow = digest.show.body.graph.entry;
        const want = expectedStates(digest, flow);
        assert.ok(want.size >= 10, `a real run: ${want.size} nodes reported`);
        const states = await hook.states(gp);
        for (const [id, state] of want) assert.equal(states[`${flow}#${id}`], state, `node ${id}`);
        assert.ok(Object.values(states).includes('skipped'), 'the branch not taken shows skipped');
        const nodes = await hook.nodes(gp);
        const entry = digest.show.body.graph.flows.find((f) => f.isEntry);
        for (const n of entry?.nodes ?? []) {
          const drawn = nodes.find((d) => d.flow === flow && d.nodeId === n.id);
          assert.ok(drawn, `node ${n.id} drawn`);
          assert.ok(
            drawn.box.x >= 0 && drawn.box.y >= 0 && drawn.box.x + drawn.box.w <= 1200 && drawn.box.y + drawn.box.h <= 800,
            `node ${n.id} fitted in view`,
          );
        }
        const stats = await hook.stats(gp);
        assert.equal(stats.layoutSource, 'worker', 'the layout ran in the blob worker the CSP allows');
        assert.deepEqual(await gp.page.evaluate(() => (globalThis as any).__cspViolations), [], 'nothing the CSP refused');
        assert.equal(stats.unplaced, 0);
        await gp.page.screenshot({ path: screenshotPath('digest-dark.png') });
        await gp.setTheme(LIGHT);
        await gp.page.waitForTimeout(100);
        await gp.page.screenshot({ path: screenshotPath('digest-light.png') });
        // the theme is read again when the body's class changes: the canvas's background follows it
        const corner = await gp.page.evaluate(() => {
          const c = (globalThis as any).document.querySelector('canvas.graph-canvas');
          return Array.from(c.getContext('2d').getImageData(2, 2, 1, 1).data as number[]).slice(0, 3);
        });
        assert.deepEqual(corner, [255, 255, 255]);
      } finally {
        await gp.page.close();
      }
    },
  );

  it(
    'clicking a node posts openSource and nodeDetail with its flow and id; the pane pages a long value with valuePage',
    { timeout: 60_000 },
    async () => {
      const gp = await open(digest);
      try {
        const nodes = await hook.nodes(gp);
        const page = nodes.find((n) => n.op === 'INV');
        assert.ok(page?.flow && page.nodeId !== undefined);
        await gp.page.mouse.click(centre(page).x, centre(page).y);
        const open = await waitPosted(gp, (m) => m.type === 'openSource');
        assert.deepEqual(open.body, { flow: page.flow, nodeId: page.nodeId });
        const req = (await waitPosted(gp, (m) => m.type === 'nodeDetail')) as PageMessage & { type: 'nodeDetail' };
        assert.equal(req.body.flow, page.flow);
        assert.equal(req.body.nodeId, page.nodeId);
        // the latest iteration's frame, so the adapter answers for the execution drawn
        const frames = digest.messages
          .flatMap((m) => (m.type === 'graph/status' ? decodeChanges(m.body) : []))
          .filter((c) => c.nodeId === page.nodeId && c.flow === page.flow);
        assert.equal(req.body.frameId, Math.max(...frames.map((c) => c.frameId)));
        assert.equal(await hook.selected(gp), `${page.flow}#${page.nodeId}`);

        const detail: NodeDetail = {
          frameId: req.body.frameId ?? 0,
          nodeId: page.nodeId,
          flow: page.flow,
          nodeExecId: 'r:1:2',
          op: 'INV',
          name: page.name ?? '',
          state: 'succeeded',
          durationMs: 12,
          inputs: [{ type: 'str', text: '{"source": "forum"}', length: 19 }],
          output: { type: 'str', text: 'AAAA<b>not html</b>', length: 40, pageRef: 'p1' },
          executions: 3,
        };
        await gp.send({ type: 'graph/nodeDetail', body: { requestId: req.body.requestId, detail } });
        const pane = gp.page.locator('aside.detail');
        await pane.getByText('AAAA<b>not html</b>').waitFor({ timeout: 5_000 });
        await pane.locator('vscode-button', { hasText: 'More' }).click();
        const pageReq = (await waitPosted(gp, (m) => m.type === 'valuePage')) as PageMessage & { type: 'valuePage' };
        assert.equal(pageReq.body.pageRef, 'p1');
        assert.equal(pageReq.body.offset, 'AAAA<b>not html</b>'.length);
        await gp.send({
          type: 'graph/valuePage',
          body: { requestId: pageReq.body.requestId, text: 'B'.repeat(21), offset: 19, total: 40 },
        });
        await pane.getByText(`AAAA<b>not html</b>${'B'.repeat(21)}`).waitFor({ timeout: 5_000 });
        assert.equal(await pane.locator('vscode-button', { hasText: 'More' }).count(), 0, 'no More once the whole value is shown');
        await gp.page.screenshot({ path: screenshotPath('digest-detail-dark.png') });

        // the selected node runs again (a restart): its detail is asked again, not left stale
        const asked = (await gp.posted()).filter((m) => m.type === 'nodeDetail').length;
        const lastSeq = Math.max(...digest.messages.map((m) => (m.type === 'graph/status' ? m.body.seq : 0)));
        const runId = digest.messages.find((m) => m.type === 'graph/status')?.body.runId ?? '';
        await gp.send({
          type: 'graph/status',
          body: {
            runId,
            seq: lastSeq + 1,
            ...encodeChanges([{ frameId: req.body.frameId ?? 0, nodeId: page.nodeId, flow: page.flow, state: 'failed' }]),
          },
        });
        await waitPosted(gp, (m) => m.type === 'nodeDetail' && m.body.requestId !== req.body.requestId);
        assert.equal((await gp.posted()).filter((m) => m.type === 'nodeDetail').length, asked + 1, 'asked once more, not per batch');
      } finally {
        await gp.page.close();
      }
    },
  );

  it(
    'the context menu toggles a breakpoint, offers Run Next only for a ready op while stopped, and closes on Escape',
    { timeout: 60_000 },
    async () => {
      const gp = await open(digest, LIGHT);
      try {
        const nodes = await hook.nodes(gp);
        const ask = nodes.find((n) => n.op === 'ASK') as HookNode;
        const qmem = nodes.find((n) => n.op === 'QMEM') as HookNode;
        await gp.page.mouse.click(centre(ask).x, centre(ask).y, { button: 'right' });
        const menu = gp.page.locator('.context-menu');
        await menu.waitFor({ timeout: 5_000 });
        const labels = await menu.locator('[role=menuitem]').allTextContents();
        assert.ok(labels.includes('Add Breakpoint') && labels.includes('Run to Here') && labels.includes('Reveal Source'), labels.join());
        assert.ok(!labels.includes('Run Next'), 'not stopped: no Run Next');
        // keyboard: the first item has focus; Enter chooses it
        await gp.page.keyboard.press('Enter');
        const toggle = await waitPosted(gp, (m) => m.type === 'toggleBreakpoint');
        assert.deepEqual(toggle.body, { flow: ask.flow, nodeId: ask.nodeId });
        assert.equal(await menu.count(), 0, 'the menu closes after a choice');

        await gp.sendAll([
          { type: 'graph/breakpoints', body: { nodes: [{ flow: ask.flow as string, nodeId: ask.nodeId as number, enabled: true }] } },
          { type: 'graph/session', body: { live: true, name: 'digest' } },
          {
            type: 'graph/stopped',
            body: {
              at: { frameId: 1, flow: ask.flow as string, nodeId: ask.nodeId as number },
              ready: [{ frameId: 1, flow: qmem.flow as string, nodeId: qmem.nodeId as number }],
            },
          },
        ]);
        await gp.settled();
        // the toolbar's text changes with the session and the stop, the canvas with it, and a fitted graph is
        // fitted again: where the nodes are now
        const moved = await hook.nodes(gp);
        const at = (n: HookNode) => centre(moved.find((m) => m.key === n.key) as HookNode);
        await gp.page.mouse.click(at(qmem).x, at(qmem).y, { button: 'right' });
        await menu.waitFor({ timeout: 5_000 });
        assert.ok((await menu.locator('[role=menuitem]').allTextContents()).includes('Run Next'));
        await menu.locator('[role=menuitem]', { hasText: 'Run Next' }).click();
        const next = await waitPosted(gp, (m) => m.type === 'runNext');
        assert.deepEqual(next.body, { frameId: 1, flow: qmem.flow, nodeId: qmem.nodeId });

        await gp.page.mouse.click(at(ask).x, at(ask).y, { button: 'right' });
        await menu.waitFor({ timeout: 5_000 });
        assert.ok(
          (await menu.locator('[role=menuitem]').allTextContents()).includes('Remove Breakpoint'),
          'the host’s breakpoint list is drawn and offered',
        );
        await gp.page.screenshot({ path: screenshotPath('digest-menu-light.png') });
        await gp.page.keyboard.press('Escape');
        assert.equal(await menu.count(), 0, 'Escape closes the menu');
        assert.equal(
          await gp.page.evaluate(() => (globalThis as any).document.activeElement?.className),
          'graph-canvas',
          'focus back on the graph',
        );
      } finally {
        await gp.page.close();
      }
    },
  );

  it(
    'keyboard: arrows move the selection, Enter opens the source, / focuses search and Enter reveals the match',
    { timeout: 60_000 },
    async () => {
      const gp = await open(digest);
      try {
        const nodes = await hook.nodes(gp);
        const first = nodes.find((n) => n.kind === 'node' && n.name === 'sources') as HookNode;
        await gp.page.mouse.click(centre(first).x, centre(first).y);
        await gp.page.keyboard.press('ArrowDown');
        const below = await hook.selected(gp);
        const belowNode = nodes.find((n) => n.key === below);
        assert.ok(belowNode && belowNode.box.y > first.box.y, `moved down to ${below}`);
        const before = (await gp.posted()).length;
        await gp.page.keyboard.press('Enter');
        const opened = await waitPosted(gp, (m) => m.type === 'openSource' && (m.body as { nodeId: number }).nodeId === belowNode.nodeId);
        assert.ok(opened && (await gp.posted()).length > before);
        await gp.page.keyboard.press('/');
        await gp.page.keyboard.type('digest');
        await gp.page.keyboard.press('Enter');
        await gp.page.waitForFunction((prev) => (globalThis as any).__apxmGraph.selected() !== prev, belowNode.key, { timeout: 5_000 });
        const selected = await hook.selected(gp);
        const match = nodes.find((n) => n.key === selected);
        assert.equal(match?.name, 'digest', `search selected ${selected}`);
        // a tool's name finds the INV that calls it
        await gp.page.keyboard.press('/');
        await gp.page.keyboard.press('Control+A');
        await gp.page.keyboard.type('fetch_source');
        await gp.page.keyboard.press('Enter');
        await gp.page.waitForFunction((prev) => (globalThis as any).__apxmGraph.selected() !== prev, selected, { timeout: 5_000 });
        const toolKey = await hook.selected(gp);
        const tool = nodes.find((n) => n.key === toolKey);
        assert.equal(tool?.op, 'INV', `searching a tool selected ${tool?.key}`);
      } finally {
        await gp.page.close();
      }
    },
  );

  it('attaches each called flow under its FLOW_CALL, collapsible, with the callee’s states', { timeout: 60_000 }, async () => {
    assert.equal(board.status, 'succeeded');
    const gp = await open(board);
    try {
      const nodes = await hook.nodes(gp);
      const calls = nodes.filter((n) => n.op === 'FLOW_CALL');
      assert.equal(calls.length, 3);
      for (const call of calls) {
        const inner = nodes.filter((n) => n.key.startsWith(`${board.show.body.graph.entry}/${call.nodeId}#`));
        assert.ok(inner.length >= 2, `the callee of ${call.name} is drawn under it`);
        for (const n of inner) {
          assert.ok(n.box.x >= call.box.x && n.box.x + n.box.w <= call.box.x + call.box.w + 0.01, `${n.key} inside ${call.key}`);
          assert.equal(n.state, 'succeeded', `${n.key} shows the callee frame's state`);
        }
      }
      await gp.page.screenshot({ path: screenshotPath('board-dark.png') });
      // double-click collapses the callee into its call
      const call = calls[0];
      await gp.page.mouse.dblclick(call.box.x + 20, call.box.y + 10);
      await gp.page.waitForFunction(() => (globalThis as any).__apxmGraph.collapsed().length === 1, undefined, { timeout: 5_000 });
      await gp.settled();
      const after = await hook.nodes(gp);
      assert.equal(after.filter((n) => n.key.startsWith(`${board.show.body.graph.entry}/${call.nodeId}#`)).length, 0);
      assert.ok(after.find((n) => n.key === call.key));
    } finally {
      await gp.page.close();
    }
  });

  it('a reload restores the view, the selection and the layout from the webview state (no layout again)', { timeout: 60_000 }, async () => {
    const gp = await open(digest);
    try {
      const canvas = gp.page.locator('canvas.graph-canvas');
      await canvas.hover();
      await gp.page.mouse.wheel(0, -300);
      await gp.page.waitForTimeout(400); // the state is saved 300 ms after the last change
      const view = await hook.view(gp);
      await gp.page.reload();
      await gp.setTheme(DARK);
      const posted = await gp.posted();
      assert.deepEqual(posted, [{ type: 'ready', body: {} }]);
      await gp.send(digest.show);
      await gp.settled();
      assert.deepEqual(await hook.view(gp), view);
      assert.equal((await hook.stats(gp)).layoutSource, 'cache');
    } finally {
      await gp.page.close();
    }
  });

  it('lays out on the page when no worker can start, and says so to the host', { timeout: 60_000 }, async () => {
    const gp = await openGraphPage(
      browser as Browser,
      server as GraphPageServer,
      DARK,
      undefined,
      'globalThis.Worker = function () { throw new Error("refused"); };',
    );
    try {
      await gp.send(digest.show);
      await gp.sendAll(digest.messages);
      await gp.settled();
      assert.equal((await hook.stats(gp)).layoutSource, 'main');
      const error = await waitPosted(gp, (m) => m.type === 'pageError');
      assert.match((error.body as { message: string }).message, /layout worker: refused/);
      assert.equal((await hook.nodes(gp)).filter((n) => n.kind === 'node').length, digest.show.body.graph.flows[0].nodes.length);
    } finally {
      await gp.page.close();
    }
  });

  it('ignores a message that is not the protocol’s, and a late older batch', { timeout: 60_000 }, async () => {
    const gp = await open(digest);
    try {
      const flow = digest.show.body.graph.entry;
      const before = await hook.states(gp);
      const last = digest.messages.filter((m): m is HostMessage & { type: 'graph/status' } => m.type === 'graph/status').at(0);
      assert.ok(last);
      await gp.page.evaluate(() => (globalThis as any).postMessage({ nonsense: true }, '*'));
      await gp.send(last); // seq 1 again, after the run's last batch
      await gp.settled();
      assert.deepEqual(await hook.states(gp), before);
      assert.equal((await hook.stats(gp)).staleBatches, 1);
      assert.ok(Object.keys(before).every((k) => k.startsWith(flow)));
    } finally {
      await gp.page.close();
    }
  });
});
