/**
 * The capability explorer: the APXM view container's Capabilities tree lists the workspace's tools
 * (examples/apxm.capabilities.mjs) grouped by where they come from; "Invoke..." on one with valid
 * JSON shows its result in a read-only document, invalid JSON is refused in the box with the JSON
 * path at fault; "Find Uses" lists its INV sites as references; during an F5 session the tree shows
 * the calls the run made, and the explorer's own invocations count there too.
 */
import assert from 'node:assert/strict';
import type { Scenario } from '../scenario.js';
import { copyExamples, type Workbench, writeLaunchJson } from '../workbench.js';

const WORKSPACE_GROUP = 'Workspace';
const TOOLS = ['changelog', 'ci_status', 'fetch_source'];

interface Row {
  label: string;
  description: string;
  level: number;
}

const tree = (wb: Workbench) => wb.page.getByRole('tree', { name: /Capabilities/ });

/** Shows the APXM view container from the activity bar (a click on it when shown would hide it). */
async function showExplorer(wb: Workbench): Promise<void> {
  if (await tree(wb).isVisible()) return;
  await wb.page.locator('.part.activitybar').getByRole('tab', { name: /^APXM/ }).click({ timeout: 30_000 });
  await tree(wb).waitFor({ timeout: 30_000 });
}

/** The tree's rows as shown: label, description (the tool's description, or its call badge in a session) and depth. */
async function rows(wb: Workbench): Promise<Row[]> {
  return tree(wb)
    .getByRole('treeitem')
    .evaluateAll((els) =>
      els.map((el) => ({
        label: el.querySelector('.label-name')?.textContent?.trim() ?? '',
        description: el.querySelector('.label-description')?.textContent?.trim() ?? '',
        level: Number(el.getAttribute('aria-level') ?? 0),
      })),
    );
}

/** Waits until the rows satisfy `ok`; the last rows in the error otherwise. */
async function waitForRows(wb: Workbench, what: string, ok: (r: Row[]) => boolean, timeoutMs = 30_000): Promise<Row[]> {
  const deadline = Date.now() + timeoutMs;
  let last: Row[] = [];
  while (Date.now() < deadline) {
    last = await rows(wb);
    if (ok(last)) return last;
    await wb.page.waitForTimeout(250);
  }
  throw new Error(`the Capabilities tree never showed ${what}: ${JSON.stringify(last)}`);
}

const row = (wb: Workbench, label: string) =>
  tree(wb)
    .getByRole('treeitem')
    .filter({ has: wb.page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) })
    .first();

/** Runs an entry of a tool's context menu. */
async function contextMenu(wb: Workbench, label: string, entry: string): Promise<void> {
  await row(wb, label).click({ button: 'right' });
  await wb.page.locator('.context-view .monaco-menu').getByRole('menuitem', { name: entry }).click({ timeout: 10_000 });
}

/** The text of the active editor (all of a short document is on screen). */
async function editorText(wb: Workbench): Promise<string> {
  const lines = wb.activeEditor().locator('.view-lines .view-line');
  await lines.first().waitFor({ timeout: 15_000 });
  return (await wb.activeEditor().locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
}

/** "Invoke..." from a tool's inline action: the box opens prefilled from the schema; returns it. */
async function openInvoke(wb: Workbench, label: string): Promise<{ title: string; value: string }> {
  await row(wb, label).hover();
  await row(wb, label).getByRole('button', { name: 'Invoke...' }).click({ timeout: 10_000 });
  const box = await wb.inputBox();
  const value = await wb.page.locator('.quick-input-widget input.input').first().inputValue();
  return { title: box.title, value };
}

/** Waits for the result document of the n-th invocation and returns its JSON. */
async function result(
  wb: Workbench,
  name: string,
  n: number,
): Promise<{ result?: unknown; error?: { message: string }; durationMs: number }> {
  await wb.page
    .getByRole('tab', { name: new RegExp(`^${name} result ${n}\\.json`) })
    .first()
    .waitFor({ timeout: 30_000 });
  const text = await editorText(wb);
  return JSON.parse(text) as { result?: unknown; error?: { message: string }; durationMs: number };
}

/** A last latency as the badge writes it (runtime/query/durationText.ts): `<1 ms`, `12 ms`, `1.2 s`. */
const LATENCY = '(?:<1 ms|\\d+ ms|\\d+\\.\\d s)';
export const scenario: Scenario = {
  name: 'capabilities',
  title:
    'The Capabilities tree lists the workspace tools by origin; Invoke... checks and shows the result; Find Uses; call counts in a session',
  timeoutMs: 300_000,
  workspace(dir) {
    copyExamples(dir);
    writeLaunchJson(dir, [
      {
        type: 'apxm',
        request: 'launch',
        name: 'Release checker',
        program: '${workspaceFolder}/release_checker.ais',
        args: { version: '2.4.0' },
      },
    ]);
  },
  async run(wb) {
    // without a session: what the workspace declares, under its origin, each with its description
    await showExplorer(wb);
    const declared = await waitForRows(wb, 'the workspace tools', (r) => TOOLS.every((t) => r.some((x) => x.label === t)), 60_000);
    assert.deepEqual(
      declared.map((r) => [r.label, r.level]),
      [[WORKSPACE_GROUP, 1], ...TOOLS.map((t) => [t, 2])],
    );
    assert.equal(declared.find((r) => r.label === WORKSPACE_GROUP)?.description, 'apxm.capabilities.mjs');
    assert.equal(declared.find((r) => r.label === 'changelog')?.description, 'List the changes that went into a release');
    await wb.screenshot('declared');

    // the tooltip: description and parameter schema
    await row(wb, 'changelog').hover();
    // (the activity bar's "APXM" hover may still be fading out)
    const hover = wb.page.locator('.monaco-hover:not(.hidden)', { hasText: 'Parameters' }).first();
    await hover.waitFor({ timeout: 15_000 });
    const tip = await hover.innerText();
    assert.match(tip, /List the changes that went into a release/, tip);
    assert.match(tip, /"required": \[\s*"version"\s*\]/, tip);
    await wb.screenshot('tooltip');
    await wb.press('Escape');

    // Invoke... with valid parameters: the result, read-only
    const box = await openInvoke(wb, 'changelog');
    assert.equal(box.title, 'Invoke changelog');
    assert.deepEqual(JSON.parse(box.value), { version: '' });
    await wb.answerInput('{"version": "2.4.0"}');
    const ok = await result(wb, 'changelog', 1);
    assert.deepEqual(ok.result, { version: '2.4.0', changes: ['2.4.0: faster start-up (tested)', '2.4.0: new export button (tested)'] });
    await wb.screenshot('invoke-result');

    // invalid parameters: the box says which JSON path is wrong and how to fix it, and sends nothing
    await showExplorer(wb);
    await openInvoke(wb, 'changelog');
    const input = wb.page.locator('.quick-input-widget input.input').first();
    await input.fill('{"version": 2}');
    const message = wb.page.locator('.quick-input-widget .quick-input-message');
    await message.getByText(/\$\.version/).waitFor({ timeout: 15_000 });
    const why = (await message.innerText()).trim();
    assert.match(why, /\$\.version .*string/, why);
    await wb.screenshot('invoke-invalid');
    await wb.press('Enter');
    assert.ok(await wb.page.locator('.quick-input-widget').isVisible(), 'invalid parameters were accepted');
    await wb.press('Escape');

    // Find Uses: the INV sites of the AIS program and of its JSON form
    await contextMenu(wb, 'changelog', 'Find Uses');
    const peek = wb.page.locator('.reference-zone-widget').first();
    await peek.waitFor({ timeout: 30_000 });
    const refTree = peek.locator('.ref-tree');
    await refTree.getByRole('treeitem').first().waitFor({ timeout: 15_000 });
    const refs = (await refTree.getByRole('treeitem').allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').trim());
    assert.ok(
      refs.some((r) => r.startsWith('release_checker.ais')),
      JSON.stringify(refs),
    );
    assert.ok(
      refs.some((r) => r.startsWith('release-checker.json')),
      JSON.stringify(refs),
    );
    // the editor opens on the AIS source's use, not its JSON form's
    await wb.page
      .getByRole('tab', { name: /^release_checker\.ais/ })
      .first()
      .waitFor({ timeout: 15_000 });
    await wb.page.mouse.move(900, 800); // no tooltip over the peek
    await wb.screenshot('find-uses');
    await wb.press('Escape');

    // F5 with a breakpoint past both INVs: the tree shows the session's catalogue with its calls
    await wb.openFile('release_checker.ais');
    await wb.waitForLanguageServer();
    await wb.setBreakpoint(8);
    await wb.press('F5');
    await wb.waitForStoppedAt(8, 60_000);
    await showExplorer(wb);
    const counted = await waitForRows(wb, 'the run’s calls', (r) =>
      ['changelog', 'ci_status'].every((t) => new RegExp(`^1 call · ${LATENCY}$`).test(r.find((x) => x.label === t)?.description ?? '')),
    );
    assert.equal(
      counted.find((r) => r.label === 'fetch_source')?.description,
      "Fetch the latest page from a named source; the 'wiki' source is down",
    );
    await wb.screenshot('session-stats');

    // an invocation from the explorer runs in the session and counts in its stats
    await openInvoke(wb, 'ci_status');
    await wb.answerInput('{"branch": "release"}');
    const inSession = await result(wb, 'ci_status', 2);
    assert.deepEqual(inSession.result, { branch: 'release', status: 'green', checks: 412, failed: 0 });
    await showExplorer(wb);
    await waitForRows(wb, 'the explorer’s call counted', (r) =>
      new RegExp(`^2 calls · ${LATENCY}$`).test(r.find((x) => x.label === 'ci_status')?.description ?? ''),
    );

    // a failing call: the error badge
    await openInvoke(wb, 'fetch_source');
    await wb.answerInput('{"source": "wiki"}');
    const failed = await result(wb, 'fetch_source', 3);
    assert.match(failed.error?.message ?? '', /wiki is unreachable \(503\)/, JSON.stringify(failed));
    await showExplorer(wb);
    await waitForRows(wb, 'the error badge', (r) =>
      new RegExp(`^1 error · 1 call · ${LATENCY}$`).test(r.find((x) => x.label === 'fetch_source')?.description ?? ''),
    );
    // the pointer is still on the row from its Invoke... button: away first, or no hover starts
    await wb.page.mouse.move(900, 800);
    await row(wb, 'fetch_source').hover();
    const stats = wb.page.locator('.monaco-hover:not(.hidden)', { hasText: 'this session' }).first();
    await stats.waitFor({ timeout: 15_000 });
    const statsTip = await stats.innerText();
    assert.match(statsTip, new RegExp(`this session: 1 error · 1 call · ${LATENCY} \\(1 from Invoke\\.\\.\\.\\)`), statsTip);
    assert.match(statsTip, /last error: .*wiki is unreachable \(503\)/, statsTip);
    assert.match(statsTip, /from Workspace — apxm\.capabilities\.mjs/, statsTip);
    await wb.screenshot('session-error');
    await wb.page.mouse.move(900, 800);

    // the end of the session: back to the declarations
    await wb.debugToolbar('Continue');
    await waitForRows(
      wb,
      'the declarations again',
      (r) => r.find((x) => x.label === 'changelog')?.description === 'List the changes that went into a release',
    );
    await wb.screenshot('after-session');
  },
};
