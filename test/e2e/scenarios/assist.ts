/**
 * The LLM settings, the API key and the debugging aids around a run: the key is set with "APXM: Set
 * API Key", F5 runs trip_planner.ais against a fake OpenAI server named only in the workspace's
 * apxm.llm.* settings, the key reaches the server's Authorization header and no log, the status bar
 * shows the run's progress and cost, the ops' outputs appear inline while stopped, and a CodeLens
 * above the flow has the run's totals at its end.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startFakeOpenAi, type FakeOpenAi } from '../../support/fakeOpenAiServer.js';
import type { Scenario } from '../scenario.js';
import { copyExamples } from '../workbench.js';

const KEY = 'sk-e2e-ASSIST-4d1c8b';
let server: FakeOpenAi | undefined;

/** Every file under `dir`, as text (logs, screenshots' folder included: a key must be in none). */
function filesWith(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(p);
      else if (st?.isFile() && st.size < 50_000_000 && readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

export const scenario: Scenario = {
  name: 'assist',
  title: 'an API key set from the palette reaches the LLM server only; status bar progress and inline values while stopped',
  timeoutMs: 240_000,
  async workspace(dir) {
    copyExamples(dir);
    // each reply takes a while, so the run is seen going in the status bar
    // 12,000 in / 3,000 out tokens a reply: $0.0036 at gpt-4o-mini's price, so the cost shows
    server = await startFakeOpenAi((req) => ({
      delayMs: 600,
      reply: `fake reply ${String(req.body?.messages?.length ?? 0)}`,
      usage: { prompt_tokens: 12_000, completion_tokens: 3_000 },
    }));
    mkdirSync(path.join(dir, '.vscode'), { recursive: true });
    writeFileSync(
      path.join(dir, '.vscode/settings.json'),
      JSON.stringify(
        {
          'apxm.llm.provider': 'openai',
          'apxm.llm.baseUrl': server.url,
          'apxm.llm.model': 'gpt-4o-mini',
          // the editor keeps the whole width, so the inline values are in the screenshot
          'apxm.graph.openOnDebug': false,
        },
        null,
        2,
      ),
    );
    const launch = {
      version: '0.2.0',
      configurations: [
        { type: 'apxm', request: 'launch', name: 'Trip', program: '${workspaceFolder}/trip_planner.ais', args: { city: 'Lisbon' } },
      ],
    };
    writeFileSync(path.join(dir, '.vscode/launch.json'), JSON.stringify(launch, null, 2));
  },
  async run(wb) {
    const fake = server;
    assert.ok(fake, 'the fake OpenAI server started with the workspace');
    try {
      await wb.openFile('trip_planner.ais');
      await wb.waitForLanguageServer();

      await wb.runCommand('APXM: Set API Key', { opensPicker: true });
      // the command palette's own widget may still be up: wait for the key's input box by its title
      await wb.page.locator('.quick-input-title', { hasText: 'APXM: Set API Key' }).waitFor({ timeout: 15_000 });
      const box = await wb.inputBox();
      assert.equal(box.title, 'APXM: Set API Key');
      await wb.answerInput(KEY);
      await wb.waitForNotification('API key stored');

      await wb.setBreakpoint(10);
      await wb.press('F5');
      await wb.waitForStoppedAt(10, 60_000);

      // the three asks ran against the server, with the stored key and the settings' model
      assert.ok(fake.requests.length >= 3, `requests: ${fake.requests.length}`);
      for (const r of fake.requests) {
        assert.equal(r.headers.authorization, `Bearer ${KEY}`);
        assert.equal(r.body?.model, 'gpt-4o-mini');
      }

      const status = wb.page.locator('.statusbar-item').filter({ hasText: / ops · / });
      await status.first().waitFor({ timeout: 15_000 });
      // three replies of 15,000 tokens at $0.15 / $0.60 per 1M: $0.0108
      assert.match((await status.first().textContent()) ?? '', /4\/\d+ ops · 45\.0k tok · \$0\.0108 · (\d+ ms|\d+\.\d s|\d+ m \d\d s)$/);

      // inline values: each op's output at the end of its line
      const lines = wb.activeEditor().locator('.view-lines');
      await lines.filter({ hasText: 'stay = "fake reply' }).waitFor({ timeout: 15_000 });
      // the editor lays out spaces as non-breaking ones
      const text = ((await lines.textContent()) ?? '').replace(/\s/g, ' ');
      for (const name of ['stay', 'food', 'transport', 'notes']) assert.ok(text.includes(`${name} = `), `${name} inline: ${text}`);
      await wb.screenshot('assist-stopped');

      await wb.debugToolbar('Continue');
      await wb.waitForDebugConsole(/Plan: fake reply/, 60_000);
      // the run's totals above the flow: four replies, $0.0144
      const lens = wb.activeEditor().locator('.contentWidgets .codelens-decoration, .codelens-decoration').filter({ hasText: 'last run' });
      await lens.first().waitFor({ timeout: 15_000 });
      assert.match((await lens.first().textContent()) ?? '', /last run: (\d+ ms|\d+\.\d s) · 60,000 tokens · \$0\.0144/);
      await wb.screenshot('assist-end');

      const leaks = [...filesWith(wb.userDataDir, KEY), ...filesWith(wb.outputDir, KEY), ...filesWith(wb.workspaceDir, KEY)].filter(
        // VS Code's own encrypted secret store is where the key belongs
        (f) => !/secret|state\.vscdb/i.test(path.basename(f)),
      );
      assert.deepEqual(leaks, [], 'the key is in no log, trace or workspace file');
    } finally {
      await fake.close();
      server = undefined;
    }
  },
};
