/**
 * The timeline page (dist/media/timeline.js) in headless Chromium under its real CSP, fed a run
 * recorded with the CLI: a bar per op on its lane, the critical path, hover, what a click posts,
 * zoom and pan, a replay's position and a click on its time axis, a reload keeping the window;
 * screenshots in a light and a dark theme (.e2e/output/webview/).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { HostMessage, PageMessage, Timeline } from '../../media/timeline/protocol.js';
import { AXIS_H, BAR_H, ROW_H } from '../../media/timeline/timelineModel.js';
import { formatCost } from '../../runtime/llm/costText.js';
import { REPO_ROOT } from '../support/apxmCli.js';
import { DARK, LIGHT, launchChromium, screenshotPath } from '../support/graphPageBrowser.js';
import {
  openTimelinePage,
  recordTimeline,
  serveTimelinePage,
  type TimelinePage,
  type TimelinePageServer,
} from '../support/timelinePageBrowser.js';

const REVIEW = path.join(REPO_ROOT, 'examples', 'review_board.ais');
const SOURCE = { kind: 'run' as const, runId: 'r', db: '/w/.apxm/runs.sqlite', program: REVIEW };

const show = (timeline: Timeline, extra: Partial<Extract<HostMessage, { type: 'timeline/show' }>['body']> = {}): HostMessage => ({
  type: 'timeline/show',
  body: { source: { ...SOURCE, runId: timeline.runId }, title: 'review_board.ais', timeline, live: false, ...extra },
});

async function waitPosted(tp: TimelinePage, pred: (m: PageMessage) => boolean): Promise<PageMessage> {
  for (let i = 0; i < 100; i++) {
    const found = (await tp.posted()).find(pred);
    if (found) return found;
    await tp.page.waitForTimeout(50);
  }
  throw new Error(`not posted; posted: ${JSON.stringify(await tp.posted())}`);
}

describe('the timeline page in headless Chromium', { timeout: 180_000 }, () => {
  let server: TimelinePageServer | undefined;
  let browser: Browser | undefined;
  let recorded: Timeline;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-timeline-page-test-'));

  before(async () => {
    // the simulated provider naming a priced model: the bars carry what each call would cost
    recorded = recordTimeline(REVIEW, { topic: 'caching' }, path.join(dir, 'runs.sqlite'), ['--model', 'gpt-4o']).timeline;
    server = await serveTimelinePage();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async (theme = DARK) => {
    const tp = await openTimelinePage(browser as Browser, server as TimelinePageServer, theme);
    assert.deepEqual(await tp.posted(), [{ type: 'ready', body: {} }], 'the page asks for the timeline when loaded');
    return tp;
  };

  it(
    'draws one bar per recorded op on its lane, the critical path marked, under the CSP; light and dark',
    { timeout: 60_000 },
    async () => {
      assert.ok(
        recorded.bars.length >= 10 && recorded.lanes >= 2,
        `a real run with parallel ops: ${recorded.bars.length} bars, ${recorded.lanes} lanes`,
      );
      const tp = await open();
      try {
        await tp.send(show(recorded));
        await tp.drawn(1);
        const bars = await tp.hook((h) => h.bars());
        assert.equal(bars.length, recorded.bars.length, 'every bar drawn when the whole run is in view');
        const canvasTop = await tp.page.evaluate(
          () => (globalThis as any).document.querySelector('canvas').getBoundingClientRect().top as number,
        );
        for (const b of recorded.bars) {
          const d = bars.find((x) => x.index === b.index);
          assert.ok(d, `bar ${b.index} drawn`);
          assert.equal(d.key, `${b.frameId}:${b.nodeId}`);
          assert.equal(d.critical, recorded.criticalPath.includes(b.index));
          assert.ok(
            Math.abs(d.box.y - (canvasTop + AXIS_H + b.lane * ROW_H + (ROW_H - BAR_H) / 2)) < 0.01,
            `bar ${b.index} on lane ${b.lane}`,
          );
          assert.ok(d.box.w >= 1, `bar ${b.index} visible`);
        }
        // later starts are further right
        const byStart = [...recorded.bars].sort((a, b) => a.start - b.start);
        const x = (i: number) => bars.find((d) => d.index === i)!.box.x;
        assert.ok(x(byStart[byStart.length - 1].index) > x(byStart[0].index));
        const summary = await tp.hook((h) => h.summary());
        assert.match(
          summary,
          new RegExp(
            `^${recorded.bars.length} ops on ${recorded.lanes} lanes · .* · ${recorded.tokens} tokens · \\${formatCost(recorded.cost!)} · critical path ${recorded.criticalPath.length} ops`,
          ),
        );
        assert.deepEqual(await tp.page.evaluate(() => (globalThis as any).__cspViolations), [], 'nothing the CSP refused');
        await tp.page.screenshot({ path: screenshotPath('timeline-dark.png') });
        await tp.setTheme(LIGHT);
        await tp.page.waitForTimeout(100);
        await tp.page.screenshot({ path: screenshotPath('timeline-light.png') });
        const bg = await tp.page.evaluate(() => {
          const c = (globalThis as any).document.querySelector('canvas');
          return Array.from(c.getContext('2d').getImageData(2, c.height - 2, 1, 1).data as number[]).slice(0, 3);
        });
        assert.deepEqual(bg, [255, 255, 255], 'the canvas follows the light theme');
      } finally {
        await tp.page.close();
      }
    },
  );

  it('hovering a bar shows its op; clicking it posts select with its flow, node and frame', { timeout: 60_000 }, async () => {
    const tp = await open();
    try {
      await tp.send(show(recorded));
      await tp.drawn(1);
      const target = recorded.bars.find((b) => b.op === 'Ask' && b.tokens > 0) ?? recorded.bars[recorded.bars.length - 1];
      const d = (await tp.hook((h) => h.bars())).find((b) => b.index === target.index)!;
      const at = { x: d.box.x + Math.min(d.box.w / 2, 3), y: d.box.y + d.box.h / 2 };
      await tp.page.mouse.move(at.x, at.y);
      const tip = await tp.hook((h) => h.tooltip());
      assert.ok(tip, 'a tooltip shows');
      assert.ok(target.cost !== undefined && target.cost > 0, `an ASK of gpt-4o costs something: ${target.cost}`);
      for (const part of [target.name!, target.op, target.flow!, `${target.tokens} tokens · ${formatCost(target.cost)}`])
        assert.ok(tip.includes(part), `${part} in ${tip}`);
      await tp.page.screenshot({ path: screenshotPath('timeline-hover.png') });
      await tp.page.mouse.click(at.x, at.y);
      const sel = await waitPosted(tp, (m) => m.type === 'select');
      assert.deepEqual(sel.body, { flow: target.flow, nodeId: target.nodeId, frameId: target.frameId });
      assert.equal(await tp.hook((h) => h.selected()), `${target.frameId}:${target.nodeId}`);
      // off every bar: nothing is posted, the tooltip goes
      await tp.page.mouse.move(at.x, 480);
      assert.equal(await tp.hook((h) => h.tooltip()), undefined);
      await tp.page.mouse.click(at.x, 480);
      assert.equal((await tp.posted()).filter((m) => m.type === 'select').length, 1);
    } finally {
      await tp.page.close();
    }
  });

  it(
    'the wheel zooms the time axis around the pointer, dragging pans, a double click fits; a reload keeps the window',
    { timeout: 60_000 },
    async () => {
      const tp = await open();
      try {
        await tp.send(show(recorded));
        await tp.drawn(1);
        const fitted = await tp.hook((h) => h.view());
        const anchor = recorded.durationMs / 2;
        const ax = await tp.page.evaluate((ms) => (globalThis as any).__apxmTimeline.xOfTime(ms) as number, anchor);
        await tp.page.mouse.move(ax, 200);
        await tp.page.mouse.wheel(0, -400);
        await tp.page.waitForFunction((span) => (globalThis as any).__apxmTimeline.view().span < span, fitted.span);
        const zoomed = await tp.hook((h) => h.view());
        assert.ok(zoomed.span < fitted.span * 0.7, `zoomed in: ${JSON.stringify(zoomed)}`);
        const ax2 = await tp.page.evaluate((ms) => (globalThis as any).__apxmTimeline.xOfTime(ms) as number, anchor);
        assert.ok(Math.abs(ax2 - ax) < 1, 'the time under the pointer stayed there');
        await tp.page.mouse.move(600, 300);
        await tp.page.mouse.down();
        await tp.page.mouse.move(400, 300, { steps: 4 });
        await tp.page.mouse.up();
        const panned = await tp.hook((h) => h.view());
        assert.ok(panned.start > zoomed.start, 'dragging left shows later times');
        assert.ok(Math.abs(panned.span - zoomed.span) < 1e-9);
        assert.equal((await tp.posted()).filter((m) => m.type === 'select').length, 0, 'a drag is not a click');
        await tp.page.screenshot({ path: screenshotPath('timeline-zoomed.png') });
        await tp.page.reload();
        await tp.send(show(recorded));
        await tp.drawn(1);
        assert.deepEqual(await tp.hook((h) => h.view()), panned, 'the window came back after the reload');
        await tp.page.mouse.dblclick(600, 300);
        await tp.page.waitForFunction((span) => (globalThis as any).__apxmTimeline.view().span === span, fitted.span);
      } finally {
        await tp.page.close();
      }
    },
  );

  it(
    'in a replay: ops not replayed yet are faded behind a cursor; a click on the time axis posts seek to that time',
    { timeout: 60_000 },
    async () => {
      const tp = await open();
      try {
        const started = Math.floor(recorded.bars.length / 2);
        const partial: Timeline = { ...recorded, live: true, bars: recorded.bars.slice(0, started), criticalPath: [] };
        await tp.send(show(partial, { recording: recorded, live: true }));
        await tp.drawn(1);
        const bars = await tp.hook((h) => h.bars());
        assert.deepEqual(
          bars.filter((b) => b.ahead).map((b) => b.index),
          recorded.bars.filter((b) => b.index >= started).map((b) => b.index),
        );
        const cursor = await tp.hook((h) => h.cursorX());
        const want = await tp.page.evaluate((ms) => (globalThis as any).__apxmTimeline.xOfTime(ms) as number, recorded.bars[started].start);
        assert.ok(cursor !== undefined && Math.abs(cursor - want) < 0.5, `cursor at ${cursor}, the next op at ${want}`);
        assert.match(await tp.hook((h) => h.summary()), new RegExp(`replayed ${started} of ${recorded.bars.length}`));
        await tp.page.screenshot({ path: screenshotPath('timeline-replay.png') });
        const time = recorded.bars[1].start + 0.25;
        const x = await tp.page.evaluate((ms) => (globalThis as any).__apxmTimeline.xOfTime(ms) as number, time);
        const canvasTop = await tp.page.evaluate(
          () => (globalThis as any).document.querySelector('canvas').getBoundingClientRect().top as number,
        );
        await tp.page.mouse.click(x, canvasTop + AXIS_H / 2);
        const seek = await waitPosted(tp, (m) => m.type === 'seek');
        const span = (await tp.hook((h) => h.view())).span;
        assert.ok(seek.type === 'seek' && Math.abs(seek.body.time - time) < span / 500, `seek ${JSON.stringify(seek.body)} for ${time}`);
      } finally {
        await tp.page.close();
      }
    },
  );

  it(
    'colours the bars by cost (or tokens) on one scale, faint where an op made no LLM call; the choice survives a reload',
    { timeout: 60_000 },
    async () => {
      const tp = await open();
      try {
        await tp.send(show(recorded));
        await tp.drawn(1);
        assert.ok(
          (await tp.hook((h) => h.bars())).every((b) => b.heat === undefined),
          'by state at first',
        );
        await tp.page.getByRole('combobox', { name: 'Colour the bars by' }).selectOption('cost');
        await tp.page.waitForFunction(() => (globalThis as any).__apxmTimeline.colour().mode === 'cost');
        await tp.page.evaluate(() => (globalThis as any).__apxmTimeline.drawNow());
        const bars = await tp.hook((h) => h.bars());
        const dearest = Math.max(...recorded.bars.map((b) => b.cost ?? 0));
        for (const d of bars) {
          const b = recorded.bars[d.index];
          if (b.cost === undefined) assert.equal(d.heat, null, `${b.op} made no LLM call`);
          else assert.ok(Math.abs(d.heat! - (0.15 + (0.85 * b.cost) / dearest)) < 1e-9, `${b.op} ${b.cost} → ${d.heat}`);
        }
        assert.ok(bars.some((d) => d.heat === 1) && bars.some((d) => d.heat === null));
        const { legend } = await tp.hook((h) => h.colour());
        assert.equal(legend, `cost: the stronger the colour, the more (up to ${formatCost(dearest)}) · ops without a cost faint`);
        await tp.page.screenshot({ path: screenshotPath('timeline-cost-dark.png') });
        await tp.setTheme(LIGHT);
        await tp.page.waitForTimeout(100);
        await tp.page.screenshot({ path: screenshotPath('timeline-cost-light.png') });
        await tp.page.reload();
        await tp.send(show(recorded));
        await tp.drawn(1);
        assert.equal((await tp.hook((h) => h.colour())).mode, 'cost', 'kept in the page state');
        assert.equal(await tp.page.getByRole('combobox', { name: 'Colour the bars by' }).inputValue(), 'cost');
      } finally {
        await tp.page.close();
      }
    },
  );

  it('says why when there is nothing to draw', { timeout: 30_000 }, async () => {
    const tp = await open();
    try {
      await tp.send({
        type: 'timeline/empty',
        body: { title: 'Timeline', message: 'No APXM debug session: start one, or pick a run in the Runs view' },
      });
      await tp.drawn(1);
      assert.match(await tp.hook((h) => h.summary()), /No APXM debug session/);
      assert.equal((await tp.hook((h) => h.bars())).length, 0);
    } finally {
      await tp.page.close();
    }
  });
});
