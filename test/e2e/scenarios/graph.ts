/**
 * The live graph: F5 on trip_planner.ais with a breakpoint on the `merge` line opens the program's
 * graph beside the editor, drawn from the session; the node the breakpoint is on is marked; the
 * node's context menu "Add Breakpoint" on the `think` adds a function breakpoint that shows in
 * the Breakpoints view and stops the run there, and the graph shows where it stopped; the next
 * run, in the same panel, stops there too.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { graphPage, waitForGraph, type GraphView } from '../graphPage.js';
import type { Scenario } from '../scenario.js';
import { copyExamples, writeLaunchJson } from '../workbench.js';

const FLOW = 'TripPlanner.main';
const MERGE = 4; // line 9
const THINK = 5; // line 10

const node = (g: GraphView, id: number) => g.nodes.find((n) => n.flow === FLOW && n.nodeId === id);

export const scenario: Scenario = {
  name: 'graph',
  title: 'F5 opens the live graph beside the editor; a node breakpoint toggled in the graph stops the run there',
  timeoutMs: 240_000,
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
  async run(wb) {
    await wb.openFile('trip_planner.ais');
    await wb.waitForLanguageServer();
    await wb.setBreakpoint(9);
    await wb.press('F5');
    await wb.waitForStoppedAt(9, 60_000);

    // the graph opened by itself, beside the editor, without taking the focus from the source
    await wb.page
      .getByRole('tab', { name: /^Graph: trip_planner\.ais/ })
      .first()
      .waitFor({ timeout: 30_000 });
    const live = await waitForGraph(wb, 'the live graph with the merge breakpoint', (g) => g.live && node(g, MERGE)?.breakpoint === true);
    assert.equal(live.programPath, path.join(wb.workspaceDir, 'trip_planner.ais'));
    assert.deepEqual(
      live.nodes
        .filter((n) => n.flow === FLOW && !['RETURN'].includes(n.op))
        .map((n) => n.name)
        .slice(0, 6),
      ['stay', 'food', 'transport', 'notes', 'plan', 'print'],
    );
    assert.equal(node(live, THINK)?.breakpoint, false);
    await wb.screenshot('graph-opened');

    // Add Breakpoint from the think's context menu: a function breakpoint VS Code lists
    const think = node(live, THINK)!;
    await graphPage(wb)
      .locator('html')
      .click({ button: 'right', position: { x: think.x, y: think.y } });
    await graphPage(wb).getByRole('menuitem', { name: 'Add Breakpoint' }).click({ timeout: 10_000 });
    // the Breakpoints view (in the Run and Debug side bar) lists it by name
    await wb.page.locator('.part.sidebar').getByText(`${FLOW}#${THINK}`, { exact: true }).waitFor({ timeout: 15_000 });
    await waitForGraph(wb, 'the new breakpoint on the think', (g) => node(g, THINK)?.breakpoint === true);
    await wb.screenshot('breakpoint-toggled');

    // the run stops there, and the graph says so
    await wb.debugToolbar('Continue');
    await wb.waitForStoppedAt(10, 30_000);
    await waitForGraph(wb, 'the stop at the think', (g) => g.stopped?.flow === FLOW && g.stopped.nodeId === THINK);
    const stopped = await waitForGraph(wb, 'the asks done', (g) => [1, 2, 3].every((id) => node(g, id)?.state === 'succeeded'));
    assert.equal(node(stopped, MERGE)?.state, 'succeeded');
    await wb.screenshot('stopped-at-think');

    // to the end: the session is over, the graph keeps its states
    await wb.debugToolbar('Continue');
    const ended = await waitForGraph(wb, 'the session ended', (g) => !g.live);
    assert.equal(ended.stopped, undefined);
    assert.equal(node(ended, THINK)?.state, 'succeeded');
    await wb.screenshot('ended');

    // the next run: the same panel goes live again, and the graph's breakpoint stops it at the think
    await wb.openFile('trip_planner.ais');
    await wb.press('F5');
    await wb.waitForStoppedAt(9, 60_000);
    await waitForGraph(wb, 'the next run live', (g) => g.live && g.stopped?.nodeId === MERGE);
    await wb.debugToolbar('Continue');
    await wb.waitForStoppedAt(10, 30_000);
    const again = await waitForGraph(
      wb,
      'the next run stopped at the think',
      (g) => g.stopped?.flow === FLOW && g.stopped.nodeId === THINK,
    );
    assert.equal(node(again, THINK)?.breakpoint, true);
    await wb.screenshot('next-run-stopped');
    await wb.debugToolbar('Stop');
  },
};
