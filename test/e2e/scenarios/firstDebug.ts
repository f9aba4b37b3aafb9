/**
 * Scenario 3: a first debug session with no launch.json. F5 on trip_planner.ais with a gutter
 * breakpoint on the `merge` line asks for the entry argument, stops there with the memory scopes in
 * Variables, steps to the next op, runs to the end (the plan in the Debug Console), and the offer to
 * save the answer writes a launch configuration.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Scenario } from '../scenario.js';
import { copyExamples, type Workbench } from '../workbench.js';

const SAVE_OFFER = 'APXM: save the arguments of trip_planner.ais (city) as a launch configuration';

/** The launch.json the extension wrote, read from disk (undefined until it exists). */
function launchJson(wb: Workbench): { text: string; json: { configurations?: Record<string, unknown>[] } } | undefined {
  const file = path.join(wb.workspaceDir, '.vscode/launch.json');
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  try {
    return { text, json: JSON.parse(text) as { configurations?: Record<string, unknown>[] } };
  } catch {
    return undefined; // being written
  }
}

export const scenario: Scenario = {
  name: 'firstDebug',
  title: 'F5 without launch.json: argument prompt, breakpoint on merge, scopes, F10, the plan, saved to launch.json',
  timeoutMs: 240_000,
  workspace(dir) {
    copyExamples(dir);
    rmSync(path.join(dir, '.vscode'), { recursive: true, force: true });
  },
  async run(wb) {
    assert.equal(launchJson(wb), undefined, 'the workspace starts with a launch.json');
    await wb.openFile('trip_planner.ais');
    await wb.waitForLanguageServer();
    await wb.setBreakpoint(9);
    await wb.press('F5');

    // the argument prompt: one input box for `city`
    const box = await wb.inputBox(30_000);
    assert.equal(box.title, 'city (str) — argument of TripPlanner.main');
    assert.match(box.prompt, /value of "city" for trip_planner\.ais/, box.prompt);
    await wb.screenshot('prompt');
    await wb.answerInput('Lisbon');

    // stopped at the breakpoint, with the memory scopes in Variables
    await wb.waitForStoppedAt(9, 60_000);
    let vars: string[] = [];
    const scopes = ['STM', 'LTM', 'Episodic'];
    const hasScopes = () => scopes.every((s) => vars.some((v) => v === s || v.startsWith(`${s} `)));
    for (let i = 0; i < 50 && !hasScopes(); i++) {
      vars = await wb.variables();
      if (!hasScopes()) await wb.page.waitForTimeout(200);
    }
    assert.ok(hasScopes(), `Variables lacks ${scopes.join(', ')}: ${JSON.stringify(vars)}`);
    await wb.screenshot('stopped-at-merge');

    // the offer to save the typed argument, once the session started
    const offer = await wb.waitForNotification(SAVE_OFFER);
    assert.ok(offer.buttons.includes('Save to launch.json'), `buttons: ${JSON.stringify(offer.buttons)}`);
    await wb.screenshot('save-offer');
    await wb.clickNotificationButton(SAVE_OFFER, 'Save to launch.json');
    let saved = launchJson(wb);
    for (let i = 0; i < 75 && !saved?.json.configurations?.length; i++) {
      await wb.page.waitForTimeout(200);
      saved = launchJson(wb);
    }
    const config = saved?.json.configurations?.find((c) => c.type === 'apxm');
    assert.ok(config, `launch.json has no apxm configuration: ${saved?.text ?? '(no file)'}`);
    assert.equal(config.request, 'launch');
    assert.equal(config.program, '${workspaceFolder}/trip_planner.ais');
    assert.deepEqual(config.args, { city: 'Lisbon' });

    // F10: the next op, the think on line 10
    await wb.press('F10');
    await wb.waitForStoppedAt(10, 30_000);
    // the Variables view follows: the op stopped at is the THINK
    for (let i = 0; i < 50 && !vars.includes('op = "THINK"'); i++) {
      await wb.page.waitForTimeout(200);
      vars = await wb.variables();
    }
    assert.ok(vars.includes('op = "THINK"'), `Variables after F10: ${JSON.stringify(vars)}`);
    await wb.screenshot('after-step');

    // F5 to the end: the printed plan, for Lisbon
    await wb.press('F5');
    const console = await wb.waitForDebugConsole(/Plan: \[simulated\]/, 30_000);
    assert.match(console, /Plan: \[simulated\][^\n]*Lisbon/, console);
    assert.match(console, /result: /, console);
    await wb.screenshot('end-debug-console');
  },
};
