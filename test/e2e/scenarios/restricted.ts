/**
 * Scenario 1: Restricted Mode. The folder opens untrusted; the extension still highlights, checks
 * and describes AIS (it declares limited support), and running a program asks for trust, saying why.
 */
import assert from 'node:assert/strict';
import type { Scenario } from '../scenario.js';

export const scenario: Scenario = {
  name: 'restricted',
  title: 'Restricted Mode: highlighting and diagnostics work; a run asks for trust, and once trusted goes on to launch',
  timeoutMs: 180_000,
  // trust on, and no start-up prompt: the folder simply opens in Restricted Mode, as a user's "Don't Trust" leaves it
  settings: { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' },
  async run(wb) {
    await wb.page.getByText('Restricted Mode', { exact: false }).first().waitFor({ timeout: 30_000 });
    await wb.openFile('trip_planner.ais');
    // the language server answers (document symbols): without limited support the extension would not even activate
    await wb.waitForLanguageServer();

    const scopes = await wb.tokenScopesAt(6, 10);
    assert.match(scopes, /support\.function\.operation\.ais/, scopes);

    await wb.goTo(9, 36);
    await wb.type(', budget');
    await wb.activeEditor().locator('.squiggly-error').first().waitFor({ timeout: 30_000 });
    const problems = await wb.problems();
    assert.ok(
      problems.some((p) => p.includes("undefined variable 'budget'")),
      `Problems: ${JSON.stringify(problems)}`,
    );
    await wb.screenshot('restricted-diagnostics');

    // the APXM channel says which mode it is in
    const channel = wb
      .outputChannels()
      .map((c) => c.text)
      .join('\n');
    assert.match(channel, /Restricted Mode: highlighting and diagnostics work; running a program asks for trust/, channel);

    // F5: the run waits for trust; nothing starts behind the dialog
    await wb.openFile('trip_planner.ais');
    await wb.press('F5');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    const text = await dialog.innerText();
    assert.match(text, /trust/i, text);
    assert.match(text, /Debugging executes .*program code/i, text);
    await wb.screenshot('restricted-run-asks-trust');
    await dialog.getByRole('button', { name: /Cancel/ }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    assert.equal(await wb.stoppedLine(), undefined, 'a session started without trust');
    const toolbar = await wb.page.locator('.debug-toolbar').count();
    assert.equal(toolbar, 0, 'the debug toolbar appeared without trust');

    // trusted, the same F5 goes on to the launch, which finds the program broken (the edit above is saved before it starts)
    await wb.press('F5');
    await dialog.waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: /Trust Folder & Continue/ }).click();
    const broken = wb.page.locator('.notifications-toasts .notification-list-item', { hasText: 'APXM: cannot start' });
    await broken.first().waitFor({ timeout: 30_000 });
    const notice = await broken.first().innerText();
    assert.match(notice, /trip_planner\.ais does not load: undefined variable 'budget'/, notice);
    assert.match(notice, /Go to Error/, notice);
    await wb.screenshot('trusted-broken-program');

    // a program that loads: the launch asks for its argument
    await wb.openFile('approval_gate.ais');
    await wb.waitForLanguageServer();
    await wb.press('F5');
    const prompt = await wb.inputBox(30_000);
    assert.match(prompt.title, /^topic \(str\) — argument of Announcer\.main/, JSON.stringify(prompt));
    await wb.screenshot('trusted-launch-asks-argument');
    await wb.press('Escape');
  },
};
