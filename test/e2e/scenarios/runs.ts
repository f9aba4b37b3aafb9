/**
 * The Runs view and the timeline: F5 on trip_planner.ais (simulated provider, no "db" in
 * launch.json) records into the workspace's .apxm/runs.sqlite; the Runs view lists that run; Show
 * Timeline draws it, and a click on a bar selects the node in the graph; Replay in Debugger
 * replays it (no LLM server) and stops at a breakpoint; APXM: Show Timeline shows the replay on the
 * recording, and a click on the time axis before the cursor runs it back there; F5 again: the open
 * timeline follows the new session, and shows its recorded run when it ends.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import type { HookBar, TimelineTestHook } from '../../../media/timeline/testHook.js';
import type { Scenario } from '../scenario.js';
import { copyExamples, type Workbench, writeLaunchJson } from '../workbench.js';

interface TimelineSeen {
  version: number;
  source?: { kind: string; runId?: string };
  summary: string;
  bars: HookBar[];
  cursorX?: number;
  canvas: { x: number; y: number };
}

/** The webview frame whose page has the test hook `global` (VS Code nests each page in an iframe within an iframe; two webviews are open). */
async function frameWith(wb: Workbench, global: string): Promise<Frame | undefined> {
  for (const f of wb.page.frames()) {
    try {
      if (await f.evaluate((g) => (globalThis as Record<string, unknown>)[g] !== undefined, global)) return f;
    } catch {
      // a frame being replaced
    }
  }
  return undefined;
}

const timelineFrame = (wb: Workbench) => frameWith(wb, '__apxmTimeline');

async function hookIn<T>(wb: Workbench, global: string, fn: () => T): Promise<T | undefined> {
  return (await frameWith(wb, global))?.evaluate(fn).catch(() => undefined);
}

async function waitForTimeline(
  wb: Workbench,
  what: string,
  ok: (t: TimelineSeen) => boolean,
  timeoutMs = 30_000,
): Promise<TimelineSeen & { frame: Frame }> {
  const deadline = Date.now() + timeoutMs;
  let last: TimelineSeen | undefined;
  while (Date.now() < deadline) {
    const frame = await timelineFrame(wb);
    last = await frame
      ?.evaluate(() => {
        const h = (globalThis as unknown as { __apxmTimeline: TimelineTestHook }).__apxmTimeline;
        const r = (globalThis as any).document.querySelector('canvas').getBoundingClientRect();
        if (!h.ready) return undefined;
        return {
          version: h.version,
          source: h.source,
          summary: h.summary(),
          bars: h.bars(),
          cursorX: h.cursorX(),
          canvas: { x: r.left, y: r.top },
        };
      })
      .catch(() => undefined);
    if (frame && last && ok(last)) return { ...last, frame };
    await wb.page.waitForTimeout(250);
  }
  throw new Error(`the timeline never showed ${what}; last: ${JSON.stringify(last)?.slice(0, 1500)}`);
}

/** The Runs view's item of the trip planner's run. */
const runItem = (wb: Workbench) =>
  wb.page
    .locator('.part.sidebar')
    .getByRole('treeitem', { name: /trip_planner\.ais/ })
    .first();

/** Clicks one of the run item's inline actions (the same commands as its context menu, which a right-click does not always open in time). */
async function itemAction(wb: Workbench, name: string): Promise<void> {
  await runItem(wb).hover();
  await wb.page.locator('.part.sidebar').getByRole('button', { name }).first().click({ timeout: 10_000 });
}

export const scenario: Scenario = {
  name: 'runs',
  title:
    'an F5 run is listed in the Runs view; its timeline opens and selects in the graph; it replays with no LLM server and the timeline runs it back',
  timeoutMs: 300_000,
  workspace(dir) {
    copyExamples(dir);
    writeLaunchJson(dir, [
      {
        type: 'apxm',
        request: 'launch',
        name: 'Trip planner',
        program: '${workspaceFolder}/trip_planner.ais',
        args: { city: 'Lisbon' },
      },
    ]);
  },
  settings: { 'apxm.graph.openOnDebug': false },
  async run(wb) {
    await wb.openFile('trip_planner.ais');
    await wb.waitForLanguageServer();
    // F5 without "db": the extension gives it apxm.runs.database
    await wb.press('F5');
    // the run takes milliseconds: it may be over before the debug toolbar is ever drawn
    const db = path.join(wb.workspaceDir, '.apxm', 'runs.sqlite');
    for (let i = 0; i < 300 && !existsSync(db); i++) await wb.page.waitForTimeout(200);
    assert.ok(existsSync(db), 'F5 recorded into .apxm/runs.sqlite');
    await wb.page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 60_000 });

    await wb.runCommand('View: Show APXM');
    await runItem(wb).waitFor({ timeout: 30_000 });
    let label = '';
    for (let i = 0; i < 150 && !/succeeded/.test(label); i++) {
      label = (await runItem(wb).getAttribute('aria-label')) ?? '';
      if (!/succeeded/.test(label)) await wb.page.waitForTimeout(200);
    }
    assert.match(label, /succeeded/, label);
    await wb.screenshot('runs-listed');

    // Show Timeline on the run: a bar per op
    await itemAction(wb, 'Show Timeline');
    const recorded = await waitForTimeline(wb, 'the recorded run', (t) => t.source?.kind === 'run' && t.bars.length > 5);
    // the simulated provider's replies cost nothing: the header says so
    assert.match(recorded.summary, /ops on \d+ lanes? · .* tokens · \$0 · critical path/);
    assert.ok(recorded.bars.some((b) => b.critical));
    await wb.screenshot('runs-timeline');

    // a click on a bar selects that node in the graph (opened beside) and shows its source
    const target = recorded.bars.find((b) => b.op === 'Ask' && b.flow) ?? recorded.bars.find((b) => b.flow)!;
    await recorded.frame.locator('canvas').click({
      position: {
        x: target.box.x - recorded.canvas.x + Math.min(3, target.box.w / 2),
        y: target.box.y - recorded.canvas.y + target.box.h / 2,
      },
    });
    await wb.page
      .getByRole('tab', { name: /^Graph: trip_planner\.ais/ })
      .first()
      .waitFor({ timeout: 30_000 });
    const want = `${target.flow}#${target.nodeId}`;
    let selected: string | undefined;
    for (let i = 0; i < 120 && selected !== want; i++) {
      selected = await hookIn(wb, '__apxmGraph', () => (globalThis as any).__apxmGraph?.selected() as string | undefined);
      if (selected !== want) await wb.page.waitForTimeout(250);
    }
    assert.equal(selected, want, 'the graph selected the node clicked in the timeline');
    await wb.screenshot('runs-timeline-selected');

    // Replay in Debugger, stopping at the merge (line 9): the replay on the recording
    await wb.openFile('trip_planner.ais');
    await wb.setBreakpoint(9);
    await wb.runCommand('View: Show APXM');
    await itemAction(wb, 'Replay in Debugger');
    await wb.waitForStoppedAt(9, 60_000);
    await wb.waitForDebugConsole(/replaying run/, 30_000);
    await wb.runCommand('APXM: Show Timeline');
    const replay = await waitForTimeline(wb, 'the replay on its recording', (t) => t.source?.kind === 'session' && t.cursorX !== undefined);
    const started = replay.bars.filter((b) => !b.ahead).length;
    assert.ok(started > 1 && started < replay.bars.length, `stopped midway: ${started} of ${replay.bars.length} ops started`);
    await wb.screenshot('runs-replay-timeline');

    // a click on the axis after the first op's start and before any other op's: back there (apxm/rewind), the cursor moves left
    // (ops that start within a pixel of each other cannot be told apart by a click: aim between distinct starts)
    const inOrder = [...replay.bars].sort((a, b) => a.index - b.index);
    const next = inOrder.find((b) => b.box.x > inOrder[0].box.x + 4);
    const clickX = next ? (inOrder[0].box.x + next.box.x) / 2 : inOrder[0].box.x - 2;
    await replay.frame.locator('canvas').click({ position: { x: clickX - replay.canvas.x, y: 12 } });
    const back = await waitForTimeline(
      wb,
      'the replay run back',
      (t) => t.cursorX !== undefined && t.cursorX < (replay.cursorX ?? 0) - 1 && t.bars.filter((b) => !b.ahead).length < started,
    );
    assert.ok(back.bars.filter((b) => !b.ahead).length <= 2, `back at the second op: ${back.bars.filter((b) => !b.ahead).length} started`);
    await wb.screenshot('runs-replay-rewound');
    await wb.debugToolbar('Stop');

    // the open timeline follows the next session: F5 again (live, the breakpoint at 9 holds it), then its recorded run
    await wb.page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 60_000 });
    await wb.openFile('trip_planner.ais');
    await wb.press('F5');
    await wb.waitForStoppedAt(9, 60_000);
    const live = await waitForTimeline(
      wb,
      'the new live session',
      (t) => t.source?.kind === 'session' && t.cursorX === undefined && t.bars.length > 1,
    );
    assert.ok(
      live.bars.every((b) => !b.ahead),
      'a live run: no recording ahead of it',
    );
    await wb.screenshot('runs-timeline-follows');
    await wb.debugToolbar('Continue');
    const ended = await waitForTimeline(
      wb,
      "the new session's recorded run",
      (t) => t.source?.kind === 'run' && t.source.runId !== recorded.source?.runId && t.bars.length >= recorded.bars.length,
      60_000,
    );
    assert.match(ended.summary, / · \$0 · critical path/);
  },
};
