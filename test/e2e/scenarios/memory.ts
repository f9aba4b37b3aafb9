/**
 * The memory inspector: F5 on a program that writes a fact to LTM and the city to STM, stopped at a
 * breakpoint after both writes; the debug toolbar's "Show Memory" button (APXM sessions only) opens
 * the inspector, whose LTM tab shows the fact the run wrote (marked changed) with the op that wrote it; on the STM tab the city is edited
 * inline while stopped, the table shows the new value, and the op after the breakpoint reads it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import type { MemoryHookState, MemoryTestHook } from '../../../media/memory/testHook.js';
import type { Scenario } from '../scenario.js';
import { writeLaunchJson, type Workbench } from '../workbench.js';

const PROGRAM = `// A fact to long-term memory, the city to short-term memory, a checkpoint to stop at after both
// writes, then the STM key read back and printed.

agent MemoryDemo {
    memory {
        working: STM
        knowledge: LTM
    }

    @entry flow main(city: str) -> str {
        ask("Name one fact about the city.", city) -> fact
        umem(fact, "ltm")
        umem(city, "stm")
        print("checkpoint")
        qmem("city", "stm") -> recalled
        print(recalled)
        return recalled
    }
}
`;
const CHECKPOINT_LINE = 14;

/** The memory page's frame (VS Code nests it in an iframe within an iframe): the one with the page's test hook. */
async function memoryFrame(wb: Workbench): Promise<Frame | undefined> {
  for (const f of wb.page.frames()) {
    const has = await f.evaluate(() => '__apxmMemory' in globalThis).catch(() => false);
    if (has) return f;
  }
  return undefined;
}

async function waitForMemory(
  wb: Workbench,
  what: string,
  ok: (s: MemoryHookState) => boolean,
  timeoutMs = 30_000,
): Promise<{ frame: Frame; state: MemoryHookState }> {
  const deadline = Date.now() + timeoutMs;
  let last: MemoryHookState | undefined;
  while (Date.now() < deadline) {
    const frame = await memoryFrame(wb);
    last = frame
      ? await frame.evaluate(() => (globalThis as unknown as { __apxmMemory: MemoryTestHook }).__apxmMemory.state()).catch(() => undefined)
      : undefined;
    if (frame && last && ok(last)) return { frame, state: last };
    await wb.page.waitForTimeout(250);
  }
  throw new Error(`the memory page never showed ${what}; last: ${JSON.stringify(last)?.slice(0, 2000)}`);
}

export const scenario: Scenario = {
  name: 'memory',
  title: 'The memory inspector shows the LTM row a stopped run wrote, and an STM value edited inline is what the next op reads',
  timeoutMs: 240_000,
  // only the memory panel's webview: the graph would open beside it on F5
  settings: { 'apxm.graph.openOnDebug': false },
  workspace(dir) {
    writeFileSync(path.join(dir, 'memory_demo.ais'), PROGRAM);
    writeLaunchJson(dir, [
      { type: 'apxm', request: 'launch', name: 'Memory demo', program: '${workspaceFolder}/memory_demo.ais', args: { city: 'Lisbon' } },
    ]);
  },
  async run(wb) {
    await wb.openFile('memory_demo.ais');
    await wb.waitForLanguageServer();
    await wb.setBreakpoint(CHECKPOINT_LINE);
    await wb.press('F5');
    await wb.waitForStoppedAt(CHECKPOINT_LINE, 60_000);

    // the debug toolbar's button, shown in APXM sessions only (package.json menus "debug/toolBar")
    await wb.screenshot('debug-toolbar');
    await wb.debugToolbar('Show Memory');
    await wb.page
      .getByRole('tab', { name: /^APXM Memory/ })
      .first()
      .waitFor({ timeout: 30_000 });
    let { frame, state } = await waitForMemory(wb, 'the stopped session', (s) => s.session?.stopped === true && s.total !== undefined);
    assert.equal(state.tab, 'stm');

    // LTM: the fact the run wrote, changed since the previous stop, and the op that wrote it
    await frame.locator('vscode-tab-header', { hasText: 'LTM' }).click();
    ({ frame, state } = await waitForMemory(wb, 'the LTM row', (s) => s.tab === 'ltm' && s.rows.some((r) => r.key === 'fact')));
    const fact = state.rows.find((r) => r.key === 'fact')!;
    assert.ok(fact.value.length > 0, 'the fact has a value');
    assert.equal(fact.changed, true, 'written since the run started');
    await frame.locator('.row[data-key="fact"]').click();
    ({ frame, state } = await waitForMemory(wb, 'its writer', (s) => (s.detail?.writes.length ?? 0) > 0));
    assert.match(state.detail!.writes[0], /^UMem umem \(MemoryDemo\.main#3\) at \d\d:\d\d:\d\d, line 12$/);
    await wb.screenshot('ltm-row');

    // STM: the city, edited inline while stopped
    await frame.locator('vscode-tab-header', { hasText: 'STM' }).click();
    ({ frame, state } = await waitForMemory(wb, 'the STM city', (s) => s.tab === 'stm' && s.rows.some((r) => r.key === 'city')));
    assert.equal(state.rows.find((r) => r.key === 'city')?.value, 'Lisbon');
    await frame.locator('.row[data-key="city"]').dblclick();
    const input = frame.locator('.row[data-key="city"] input.edit');
    await input.fill('Oslo');
    await input.press('Enter');
    ({ frame } = await waitForMemory(wb, 'the edited city', (s) => s.rows.some((r) => r.key === 'city' && r.value === 'Oslo') && !s.error));
    // read again from the adapter (Refresh), not only the edit's answer
    await frame.locator('vscode-button', { hasText: 'Refresh' }).click();
    await waitForMemory(wb, 'the city after a refresh', (s) => s.rows.some((r) => r.key === 'city' && r.value === 'Oslo'));
    await wb.screenshot('stm-edited');

    // the next op reads the edited value
    await wb.debugToolbar('Continue');
    await wb.waitForDebugConsole(/Oslo/, 30_000);
    await waitForMemory(wb, 'the session over', (s) => s.session === undefined);
    await wb.screenshot('ended');
  },
};
