/**
 * The graph without a debug session: the editor title's graph button on trip-planner.json opens its
 * graph drawn from the file; clicking a node opens its line in the DAG listing; a
 * breakpoint set in the listing marks the node; after a window reload the panel comes back; a
 * broken file saved says why it cannot be drawn, with Go to Error.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { graphPage, waitForGraph, type GraphView } from '../graphPage.js';
import type { Scenario } from '../scenario.js';
import type { Workbench } from '../workbench.js';

const FLOW = 'TripPlanner.main';
const THINK = 5; // line 9 of the listing

const node = (g: GraphView, id: number) => g.nodes.find((n) => n.flow === FLOW && n.nodeId === id);
const graphTab = (wb: Workbench) => wb.page.getByRole('tab', { name: /^Graph: trip-planner\.json/ }).first();

export const scenario: Scenario = {
  name: 'graphFile',
  title: 'The graph button draws a .json program from its file; a node opens its DAG listing line; the panel survives a reload',
  timeoutMs: 240_000,
  async run(wb) {
    await wb.openFile('trip-planner.json');
    await wb.page
      .locator('.editor-group-container.active .editor-actions')
      .getByRole('button', { name: /Show Program Graph/ })
      .click({ timeout: 60_000 });
    await graphTab(wb).waitFor({ timeout: 30_000 });
    const drawn = await waitForGraph(wb, 'the graph of the file', (g) => node(g, THINK) !== undefined);
    assert.equal(drawn.live, false);
    assert.equal(drawn.programPath, path.join(wb.workspaceDir, 'trip-planner.json'));
    assert.equal(node(drawn, THINK)?.op, 'THINK');
    await wb.screenshot('graph-of-file');
    // the extension is active for the JSON program, but no AIS document is open: no language server process
    assert.ok(
      wb.serverProcesses().some((p) => /extensionHost|bootstrap-fork/.test(p)),
      wb.serverProcesses().join('\n'),
    );
    assert.deepEqual(
      wb.serverProcesses().filter((p) => p.includes('languageServer.js')),
      [],
      'the AIS language server starts with the first AIS document',
    );

    // a click on a node without a source line opens its line of the DAG listing
    const think = node(drawn, THINK)!;
    await graphPage(wb)
      .locator('html')
      .click({ position: { x: think.x, y: think.y } });
    await wb.page.getByRole('tab', { name: /trip-planner\.json \(DAG\)/ }).waitFor({ timeout: 30_000 });
    await wb.page
      .locator('.statusbar-item', { hasText: /Ln 9, Col 1/ })
      .first()
      .waitFor({ timeout: 15_000 });
    const line = (await wb.lineTokens(9)).map((t) => t.text).join('');
    assert.match(line, /#5\s+THINK\s+plan/, line);

    // a breakpoint in the listing's gutter marks the node in the graph
    await wb.setBreakpoint(9);
    await waitForGraph(wb, 'the listing breakpoint on the think', (g) => node(g, THINK)?.breakpoint === true);
    await wb.screenshot('listing-breakpoint');

    // a window reload brings the panel back, drawn again from its file. Reloaded as a user does
    // (Developer: Reload Window), so the workbench shuts down and saves its editors first: a bare
    // browser reload can lose the last layout the workbench had not yet written (seen once in CI).
    const reloaded = wb.page.waitForEvent('framenavigated', { predicate: (f) => f === wb.page.mainFrame(), timeout: 60_000 });
    // the palette goes away with the page it was on
    await wb.runCommand('Developer: Reload Window').catch(() => undefined);
    await reloaded;
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await graphTab(wb).waitFor({ timeout: 60_000 });
    await graphTab(wb).click();
    await waitForGraph(wb, 'the restored graph', (g) => node(g, THINK)?.breakpoint === true, 60_000);
    await wb.screenshot('restored');

    // the file broken and saved: the graph stays, a notification says why, Go to Error opens the place
    // the program's editor is in the first group (a preview tab: its name says so), the graph beside it
    const firstGroup = wb.page.locator('.editor-group-container').first();
    await firstGroup
      .getByRole('tab', { name: /trip-planner\.json/ })
      .first()
      .click();
    await firstGroup.locator('.monaco-editor .view-lines').click();
    await wb.press('Control+A');
    await wb.type('x');
    await wb.press('Control+S');
    const notice = await wb.waitForNotification(/the graph of trip-planner\.json cannot be drawn/, 30_000);
    assert.ok(notice.buttons.includes('Go to Error'), JSON.stringify(notice));
    assert.match(notice.message, /cannot be drawn \(line 1:1\): invalid JSON: expected a value, found "x"/, notice.message);
    await wb.screenshot('broken-file');
    await wb.clickNotificationButton(/cannot be drawn/, 'Go to Error');
    // the place of the error, in the editor's group: the graph beside it stays in view with the graph drawn before
    await wb.page
      .locator('.statusbar-item', { hasText: /Ln 1, Col 1/ })
      .first()
      .waitFor({ timeout: 15_000 });
    assert.ok(node(await waitForGraph(wb, 'the last graph kept', () => true), THINK), 'the graph drawn before is kept');
    await wb.screenshot('go-to-error');

    // the first AIS document starts the language server
    await wb.openFile('trip_planner.ais');
    await wb.waitForLanguageServer();
    assert.equal(wb.serverProcesses().filter((p) => p.includes('languageServer.js')).length, 1, wb.serverProcesses().join('\n'));
  },
};
