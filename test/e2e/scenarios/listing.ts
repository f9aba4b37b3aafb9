/**
 * Scenario 4: an ApxmGraph .json program and a compiled .apxmobj, debugged without a launch.json.
 * The .json's DAG listing opens as its own document (language "APXM DAG listing"); a breakpoint set
 * in its gutter before the run is where F5 stops. The .apxmobj opens in the read-only viewer
 * (header, hash check, flows, listing), and F5 there debugs it.
 */
import assert from 'node:assert/strict';
import type { Scenario } from '../scenario.js';

export const scenario: Scenario = {
  name: 'listing',
  title: 'F5 on an ApxmGraph .json stops at a breakpoint set in its DAG listing; an .apxmobj opens in its viewer and debugs with F5',
  timeoutMs: 240_000,
  // about the listing and the viewer: the graph panel a debug session opens (its own scenarios) would be a second webview
  settings: { 'apxm.graph.openOnDebug': false },
  async run(wb) {
    await wb.openFile('trip-planner.json');
    // the editor title's list button, shown once the extension has recognised the file as a program
    await wb.page
      .locator('.editor-group-container.active .editor-actions')
      .getByRole('button', { name: /APXM: Open DAG Listing/ })
      .click({ timeout: 60_000 });
    await wb.page.getByRole('tab', { name: /trip-planner\.json \(DAG\)/ }).waitFor({ timeout: 30_000 });
    await wb.activeEditor().locator('.view-lines').waitFor();
    // the listing line of the THINK op: `#5  THINK  plan  ← #4  "Write a one-paragraph plan…"`
    const line9 = (await wb.lineTokens(9)).map((t) => t.text).join('');
    assert.match(line9, /#5\s+THINK\s+plan/, line9);
    const language = await wb.page.locator('.statusbar-item[id="status.editor.mode"]').innerText();
    assert.match(language, /APXM DAG listing/, language);
    await wb.setBreakpoint(9);
    await wb.screenshot('listing-breakpoint');

    // F5 in the listing debugs its program: the argument prompt, then the stop on the listing line
    await wb.press('F5');
    const prompt = await wb.inputBox(30_000);
    assert.match(prompt.title, /^city \(str\) — argument of TripPlanner\.main/, JSON.stringify(prompt));
    await wb.answerInput('Lisbon');
    await wb.waitForStoppedAt(9, 60_000);
    const frame = await wb.page
      .getByRole('treegrid', { name: 'Debug Call Stack' })
      .getByRole('row', { name: /^Stack Frame / })
      .first()
      .getAttribute('aria-label');
    assert.match(frame ?? '', /THINK plan .*trip-planner\.json \(DAG\)/, frame ?? '');
    const activeTab = await wb.page.locator('.editor-group-container.active .tab.active').innerText();
    assert.match(activeTab, /trip-planner\s*\.json \(DAG\)/, activeTab);
    await wb.screenshot('listing-stopped');
    await wb.press('F5');
    await wb.waitForDebugConsole(/Plan: \[simulated\].*Lisbon/, 30_000);
    await wb.page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });

    // the compiled artifact: a read-only view instead of binary noise
    await wb.openFile('trip_planner.apxmobj', { custom: true });
    const view = wb.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await view.getByText(/BLAKE3 valid/).waitFor({ timeout: 30_000 });
    for (const heading of ['Hash check', 'Header', 'Flows', 'DAG listing'])
      await view.getByRole('heading', { name: heading }).waitFor({ timeout: 10_000 });
    await view
      .getByText(/TripPlanner\.main/)
      .first()
      .waitFor();
    await wb.screenshot('apxmobj-viewer');

    // F5 in the viewer debugs the artifact
    await wb.press('F5');
    const prompt2 = await wb.inputBox(30_000);
    assert.match(prompt2.title, /^city \(str\) — argument of TripPlanner\.main/, JSON.stringify(prompt2));
    await wb.screenshot('apxmobj-prompt');
    await wb.answerInput('Porto');
    await wb.waitForDebugConsole(/Plan: \[simulated\].*Porto/, 60_000);
    await wb.screenshot('apxmobj-debugged');
  },
};
