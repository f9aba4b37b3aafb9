/**
 * Scenario 5: a run recorded with the CLI (against a fake OpenAI server, stopped afterwards) replays
 * in the debugger with no LLM server, and Step Back returns to the previous op.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { APXM_CLI } from '../../support/apxmCli.js';
import { startFakeOpenAi } from '../../support/fakeOpenAiServer.js';
import type { Scenario } from '../scenario.js';
import { copyExamples, type Workbench } from '../workbench.js';

/** Runs the CLI (the repository's Node: better-sqlite3 writes the recording) and returns its stdout. */
function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [APXM_CLI, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`apxm ${args.join(' ')} exited ${code}:\n${out}\n${err}`));
    });
  });
}

async function record(dir: string): Promise<void> {
  copyExamples(dir);
  const fake = await startFakeOpenAi((req) => {
    const prompt = String(req.body?.messages?.at(-1)?.content ?? '');
    return { reply: `recorded answer to ${prompt.slice(0, 30)}` };
  });
  try {
    await cli(['run', 'trip_planner.ais', '--arg', 'city=Lisbon', '--llm', fake.url, '--db', 'runs.sqlite', '--quiet'], dir, {
      APXM_LLM_API_KEY: 'sk-e2e-not-a-secret',
    });
  } finally {
    // the replay below has no server to talk to
    await fake.close();
  }
  const runs = JSON.parse(await cli(['runs', '--db', 'runs.sqlite', '--json'], dir)) as { runId: string; status: string }[];
  assert.equal(runs.length, 1);
  assert.equal(runs[0].status, 'succeeded');
  mkdirSync(path.join(dir, '.vscode'));
  writeFileSync(
    path.join(dir, '.vscode/launch.json'),
    JSON.stringify(
      {
        version: '0.2.0',
        configurations: [
          {
            type: 'apxm',
            request: 'launch',
            name: 'Replay the recorded run',
            program: '${workspaceFolder}/trip_planner.ais',
            args: { city: 'Lisbon' },
            db: 'runs.sqlite',
            replay: runs[0].runId,
            stopOnEntry: true,
          },
          {
            type: 'apxm',
            request: 'launch',
            name: 'Replay a run that is not there',
            program: '${workspaceFolder}/trip_planner.ais',
            db: 'runs.sqlite',
            replay: 'no-such-run',
          },
        ],
      },
      null,
      2,
    ),
  );
}

/** Presses a stepping key or command and waits for the stop at a line other than `from`. */
async function stepFrom(wb: Workbench, from: number, step: () => Promise<void>): Promise<number> {
  await step();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const line = await wb.stoppedLine();
    if (line !== undefined && line !== from) return line;
    await wb.page.waitForTimeout(200);
  }
  throw new Error(`the debugger did not stop past line ${from}`);
}

export const scenario: Scenario = {
  name: 'replay',
  title: 'a recorded run replays with no LLM server; Step Back returns to the previous op; a missing run fails with a notification',
  timeoutMs: 240_000,
  workspace: record,
  async run(wb) {
    await wb.openFile('trip_planner.ais');
    await wb.waitForLanguageServer();
    await wb.press('F5');
    const entry = await wb.waitForStopped(60_000);
    await wb.screenshot('replay-entry');
    const first = await stepFrom(wb, entry, () => wb.press('F10'));
    const second = await stepFrom(wb, first, () => wb.press('F10'));
    await wb.screenshot('replay-stepped');
    const back = await stepFrom(wb, second, () => wb.debugToolbar('Step Back'));
    assert.equal(back, first, `Step Back from line ${second} went to line ${back}, not ${first}`);
    // the Variables view shows the op stopped at after the step back (the food ASK on line 7, not transport)
    let vars: string[] = [];
    for (let i = 0; i < 50 && !vars.includes('name = "food"'); i++) {
      vars = await wb.variables();
      await wb.page.waitForTimeout(200);
    }
    await wb.screenshot('replay-stepped-back');
    assert.ok(vars.includes('name = "food"'), `Variables after Step Back: ${JSON.stringify(vars)}`);
    // to the end: the plan printed is the recorded one
    await wb.press('F5');
    await wb.waitForDebugConsole(/Plan: recorded answer to/, 30_000);

    // a launch the adapter refuses: a notification in launch.json terms with its fix, not a modal dialog
    await wb.page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
    await wb.runCommand('Debug: Select and Start Debugging', { opensPicker: true });
    await wb.page
      .locator('.quick-input-widget')
      .getByRole('option', { name: /Replay a run that is not there/ })
      .first()
      .click();
    const failed = await wb.waitForNotification(/APXM: cannot start/);
    assert.match(failed.message, /no-such-run/, failed.message);
    assert.match(failed.message, /"replay"/, failed.message);
    assert.doesNotMatch(failed.message, /--(replay|db)\b/, failed.message);
    assert.deepEqual(failed.buttons, ['Open launch.json']);
    assert.equal(await wb.page.locator('.monaco-dialog-box').count(), 0, 'VS Code raised its own dialog too');
    await wb.screenshot('replay-missing-run');
    await wb.clickNotificationButton(/APXM: cannot start/, 'Open launch.json');
    await wb.page
      .getByRole('tab', { name: /launch\.json/ })
      .first()
      .waitFor({ timeout: 15_000 });
  },
};
