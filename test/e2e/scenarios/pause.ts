/**
 * Scenario 6: a PAUSE answered from VS Code. approval_gate.ais runs (F5, arguments in launch.json, no
 * breakpoints) until its PAUSE; a notification asks, "Answer…" opens an input box, and the answer
 * reaches the run: the revising ASK's prompt, echoed by the simulated LLM, carries it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Scenario } from '../scenario.js';
import { copyExamples } from '../workbench.js';

const PAUSE_NOTICE = 'APXM PAUSE (Announcer.main, line 8) waits for your answer: Approve the draft, or say what to change';
const ANSWER = 'shorter, please';

export const scenario: Scenario = {
  name: 'pause',
  title: 'a PAUSE is answered from a notification and the run completes with the answer',
  timeoutMs: 180_000,
  workspace(dir) {
    copyExamples(dir);
    mkdirSync(path.join(dir, '.vscode'), { recursive: true });
    const launch = {
      version: '0.2.0',
      configurations: [
        {
          type: 'apxm',
          request: 'launch',
          name: 'Approval gate',
          program: '${workspaceFolder}/approval_gate.ais',
          args: { topic: 'the new office' },
        },
      ],
    };
    writeFileSync(path.join(dir, '.vscode/launch.json'), JSON.stringify(launch, null, 2));
  },
  async run(wb) {
    await wb.openFile('approval_gate.ais');
    await wb.waitForLanguageServer();
    await wb.press('F5');

    const notice = await wb.waitForNotification('APXM PAUSE', 60_000);
    assert.equal(notice.message, PAUSE_NOTICE);
    assert.deepEqual(notice.buttons, ['Answer…', 'Show in Editor']);
    await wb.screenshot('pause-notification');
    await wb.clickNotificationButton('APXM PAUSE', 'Answer…');

    const box = await wb.inputBox();
    assert.match(box.title, /^Answer APXM PAUSE chk_\w+$/, box.title);
    assert.equal(box.prompt, 'Approve the draft, or say what to change');
    await wb.screenshot('pause-input');
    await wb.answerInput(ANSWER);

    // the run goes on: the revising ASK's prompt (echoed by the simulated LLM) carries the answer
    const console = await wb.waitForDebugConsole(/Final: /, 60_000);
    assert.match(console, /Final: \[simulated\][^\n]*Reviewer: shorter, please\./, console);
    // `result:` is printed only for a run that succeeded (exit code 0)
    assert.match(console, /result: \[simulated\]/, console);
    // nothing still says the answered PAUSE waits (the adapter's own notice once stayed on screen)
    const left = await wb.notifications();
    assert.ok(!left.some((n) => n.includes('PAUSE')), `a PAUSE notification is still shown: ${JSON.stringify(left)}`);
    await wb.screenshot('pause-end');
  },
};
