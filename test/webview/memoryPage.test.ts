/**
 * The memory page (dist/media/memory.js) in headless Chromium under its real CSP. The host is played
 * by this test: each `call` the page posts is answered by the runtime's own query layer
 * (runtime/query/memoryPages.ts) over a real SQLite file of 20,000 LTM keys, an STM, beliefs and a
 * write log, so the pages it shows are the adapter's. Checked: only the rows in view are in the DOM,
 * scrolling asks for the next page, the search and sort reach the query, rows changed since the
 * previous stop are marked, an edit posts the typed text and a refusal shows the adapter's words,
 * delete asks first, a long value is paged in, provenance links post reveal/open, and screenshots in
 * a dark and a light theme (.e2e/output/webview/).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator } from 'playwright-core';
import type { MemoryCallName, MemoryCalls, HostMessage, PageMessage, SessionView } from '../../media/memory/protocol.js';
import { ROW_HEIGHT } from '../../media/memory/tableModel.js';
import { Aam } from '../../runtime/aam/aam.js';
import { openStorage } from '../../runtime/memory/openStorage.js';
import { ShortTermMemory } from '../../runtime/memory/shortTermMemory.js';
import type { StorageBackend } from '../../runtime/memory/storage.js';
import { MemoryChanges } from '../../runtime/query/memoryChanges.js';
import { memoryPage, memoryProvenance, ROW_PREVIEW_CHARS, type MemorySources } from '../../runtime/query/memoryPages.js';
import { PageStore, previewValue } from '../../runtime/query/nodeDetail.js';
import { MEMORY_WRITE } from '../../runtime/traceRecorder.js';
import { DARK, LIGHT, launchChromium, screenshotPath, type ThemeVars } from '../support/graphPageBrowser.js';
import { openMemoryPage, serveMemoryPage, type MemoryPage, type MemoryPageServer } from '../support/memoryPageBrowser.js';

const LTM_KEYS = 20_000;
const LONG = Array.from({ length: 400 }, (_, i) => `line ${i}: the quick brown fox`).join('\n');
const refused = (key: string) => `cannot set STM key '${key}': the run is not stopped: pause it or stop at a breakpoint first`;

/** The test themes, with the input, list and tab colours VS Code gives every webview (the controls read them). */
const MEMORY_LIGHT: ThemeVars = {
  kind: LIGHT.kind,
  vars: {
    ...LIGHT.vars,
    '--vscode-input-background': '#ffffff',
    '--vscode-input-foreground': '#3b3b3b',
    '--vscode-input-border': '#cecece',
    '--vscode-dropdown-background': '#ffffff',
    '--vscode-dropdown-foreground': '#3b3b3b',
    '--vscode-dropdown-border': '#cecece',
    '--vscode-button-secondaryBackground': '#e5e5e5',
    '--vscode-button-secondaryForeground': '#3b3b3b',
    '--vscode-panelTitle-activeForeground': '#3b3b3b',
    '--vscode-panelTitle-inactiveForeground': '#3b3b3b',
    '--vscode-panelTitle-activeBorder': '#005fb8',
    '--vscode-list-hoverBackground': '#f2f2f2',
    '--vscode-list-inactiveSelectionBackground': '#e4e6f1',
    '--vscode-list-activeSelectionBackground': '#e8e8e8',
    '--vscode-list-activeSelectionForeground': '#000000',
    '--vscode-textCodeBlock-background': '#f2f2f2',
    '--vscode-textLink-foreground': '#005fb8',
    '--vscode-errorForeground': '#f85149',
    '--vscode-diffEditor-insertedTextBackground': '#9ccc2c40',
    '--vscode-debugTokenExpression-name': '#9b46b0',
    '--vscode-debugTokenExpression-string': '#a31515',
    '--vscode-symbolIcon-variableForeground': '#007acc',
    '--vscode-inputValidation-errorBackground': '#f2dede',
    '--vscode-inputValidation-errorBorder': '#be1100',
  },
};

const MEMORY_HIGH_CONTRAST: ThemeVars = {
  kind: 'vscode-high-contrast',
  vars: {
    '--vscode-editor-background': '#000000',
    '--vscode-foreground': '#ffffff',
    '--vscode-descriptionForeground': '#ffffff',
    '--vscode-contrastBorder': '#6fc3df',
    '--vscode-panel-border': '#6fc3df',
    '--vscode-focusBorder': '#f38518',
    '--vscode-diffEditor-insertedTextBorder': '#33ff2e',
    '--vscode-debugTokenExpression-string': '#ce9178',
  },
};

/** How a row of the table is drawn: its background and its value's colour. */
const rowLook = (mp: MemoryPage, key: string) =>
  // runs in the page (this file compiles without DOM types)
  mp.page.locator(`.row[data-key="${key}"]`).evaluate((r: any) => {
    const style = (e: unknown) => (globalThis as any).getComputedStyle(e);
    const row = style(r);
    return {
      background: row.backgroundColor as string,
      value: style(r.querySelector('.cell.value')).color as string,
      outline: row.outlineStyle as string,
    };
  });

type Call = Extract<PageMessage, { type: 'call' }>['body'];

/** The adapter's side, answered by the runtime's query layer; `stopped` decides whether edits go through. */
class FakeAdapter {
  readonly pages = new PageStore();
  readonly changes = new MemoryChanges();
  stopped = true;
  watching: string[] = [];
  constructor(readonly src: MemorySources) {}

  answer(c: Call): unknown {
    const { src, pages } = this;
    switch (c.name) {
      case 'apxm/memoryPage':
        return memoryPage({ ...src, changes: this.changes }, c.args, pages);
      case 'apxm/valuePage': {
        const p = pages.page(c.args.pageRef, c.args.offset, c.args.length);
        if (!p) throw new Error('that value is no longer available');
        return p;
      }
      case 'apxm/memoryProvenance':
        return memoryProvenance(src, c.args.tab, c.args.key, c.args.limit);
      case 'apxm/memorySet': {
        if (!this.stopped) throw new Error(refused('count'));
        let v: unknown;
        try {
          v = JSON.parse(c.args.value);
        } catch {
          v = c.args.value;
        }
        src.stm.set(c.args.key, v as never);
        this.changes.wrote('stm', c.args.key);
        return { row: { key: c.args.key, value: previewValue(v as never, pages, undefined, ROW_PREVIEW_CHARS), changed: true } };
      }
      case 'apxm/memoryDelete':
        return { deleted: c.args.tab === 'ltm' ? src.storage.ltmDelete(c.args.key) : src.stm.delete(c.args.key) };
      case 'apxm/watchKey': {
        const id = `${c.args.tier}:${c.args.key}`;
        this.watching = c.args.watch ? [...new Set([...this.watching, id])] : this.watching.filter((w) => w !== id);
        return { dataId: id, watching: this.watching };
      }
    }
  }

  /** The host: a `call` is answered with the adapter's body or its error message. */
  host(m: PageMessage): HostMessage[] {
    if (m.type !== 'call') return [];
    try {
      return [{ type: 'memory/reply', body: { requestId: m.body.requestId, body: this.answer(m.body) } }];
    } catch (e) {
      return [{ type: 'memory/reply', body: { requestId: m.body.requestId, error: (e as Error).message } }];
    }
  }
}

const calls = <K extends MemoryCallName>(mp: MemoryPage, name: K) =>
  mp.posted
    .filter((m): m is Extract<PageMessage, { type: 'call' }> => m.type === 'call' && m.body.name === name)
    .map((m) => m.body.args as MemoryCalls[K]['arguments']);

const session = (over: Partial<SessionView> = {}): HostMessage => ({
  type: 'memory/session',
  body: { session: { id: 's1', name: 'Notes', replay: false, stopped: true, stops: 1, ...over } },
});

async function clickTab(mp: MemoryPage, label: string): Promise<void> {
  await mp.page.locator('vscode-tab-header', { hasText: label }).click();
}

/**
 * Opens a row's inline editor with a double click as VS Code's webview sees it: the first click
 * selects (and redraws) the row, the second edits it. The page counts two clicks within 500 ms as
 * one double click; a machine too loaded to click twice that fast has the second select again, and
 * then F2 (the same edit, on the selected row) opens the editor.
 */
async function editRow(mp: MemoryPage, key: string): Promise<Locator> {
  const row = mp.page.locator(`.row[data-key="${key}"]`);
  await row.click();
  await mp.waitFor(`${key} selected`, (x) => x.selected === key);
  await row.click();
  const input = row.locator('input.edit');
  const opened = await input.waitFor({ timeout: 3_000 }).then(
    () => true,
    () => false,
  );
  if (!opened) {
    await mp.page.locator('.scroller').focus();
    await mp.page.keyboard.press('F2');
  }
  return input;
}

describe('the memory page in headless Chromium', { timeout: 180_000 }, () => {
  let server: MemoryPageServer | undefined;
  let browser: Browser | undefined;
  let storage: StorageBackend | undefined;
  let adapter: FakeAdapter;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-memory-page-test-'));

  before(async () => {
    storage = await openStorage(path.join(dir, 'mem.db'));
    storage.ltmPutMany(
      Array.from({ length: LTM_KEYS }, (_, i) => ({
        key: `doc:${String(i).padStart(5, '0')}`,
        value: `note ${i} about ${i % 7 === 0 ? 'norway' : 'lisbon'}`,
      })),
      Date.UTC(2024, 0, 1),
    );
    storage.episodicAppend([
      {
        runId: 'run-1',
        frameId: 0,
        nodeId: 3,
        eventType: MEMORY_WRITE,
        payload: {
          tier: 'ltm',
          key: 'doc:00002',
          flow: 'Notes.main',
          op: 'UMEM',
          name: 'remember',
          file: path.join(dir, 'notes.ais'),
          line: 12,
        },
        timestamp: Date.now(),
      },
    ]);
    const stm = new ShortTermMemory();
    stm.set('topic', 'norway');
    stm.set('count', 3);
    stm.set('essay', LONG);
    stm.set('mood', 'calm');
    const aam = new Aam();
    aam.setBelief('user_mood', 'curious', 'UMem', 2);
    adapter = new FakeAdapter({ runId: 'run-1', stm, aam, storage });
    // written before the latest stop: changed since the previous one
    adapter.changes.wrote('ltm', 'doc:00001');
    adapter.changes.wrote('stm', 'topic');
    adapter.changes.stopped(0);
    server = await serveMemoryPage();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async (theme = DARK) => {
    const mp = await openMemoryPage(browser as Browser, server as MemoryPageServer, (m) => adapter.host(m), theme);
    await mp.waitFor('the ready message', () => mp.posted.some((m) => m.type === 'ready'));
    return mp;
  };

  it(
    'LTM: 20,000 keys a page at a time, only the rows in view in the DOM; scrolling asks for the next page',
    { timeout: 60_000 },
    async () => {
      const mp = await open();
      try {
        assert.equal(calls(mp, 'apxm/memoryPage').length, 0, 'no session, no request');
        await mp.send(session());
        await clickTab(mp, 'LTM');
        // the LTM's own first row: the hook's tab changes a frame before the rows are redrawn (a bare rows.length > 0 once saw another total)
        let s = await mp.waitFor('the first LTM rows', (x) => x.tab === 'ltm' && x.rows.some((r) => r.key === 'doc:00000'));
        assert.equal(s.total, LTM_KEYS);
        assert.equal(s.rows[0].key, 'doc:00000');
        assert.match(s.rows[0].value, /^note 0 about norway/);
        assert.equal(s.rows.find((r) => r.key === 'doc:00001')?.changed, true, 'written since the previous stop');
        assert.equal(s.rows.find((r) => r.key === 'doc:00002')?.changed, false);
        // marked by a named dot, not by colour alone
        assert.equal(s.rows.find((r) => r.key === 'doc:00001')?.marker, 'Changed since the previous stop');
        assert.equal(s.rows.find((r) => r.key === 'doc:00002')?.marker, undefined);
        assert.ok(s.rowsInDom < 50, `${s.rowsInDom} rows in the DOM`);
        const ltm = calls(mp, 'apxm/memoryPage').filter((q) => q.tab === 'ltm');
        assert.deepEqual(ltm, [{ tab: 'ltm', offset: 0, limit: 100, sort: 'key' }]);
        assert.deepEqual(await mp.page.evaluate(() => (globalThis as any).__cspViolations), [], 'nothing the CSP refused');
        await mp.page.screenshot({ path: screenshotPath('memory-ltm-dark.png') });

        // scrolled to row 12,345: that page is asked for, and shown
        await mp.page.locator('.scroller').evaluate((e, top) => {
          e.scrollTop = top;
        }, 12_345 * ROW_HEIGHT);
        s = await mp.waitFor('row 12,345', (x) => x.rows.some((r) => r.key === 'doc:12345'));
        const asked = calls(mp, 'apxm/memoryPage')
          .filter((q) => q.tab === 'ltm')
          .slice(ltm.length);
        assert.ok(
          asked.some((q) => q.offset === 12_300 && q.limit === 100),
          `asked ${JSON.stringify(asked)}`,
        );
        assert.ok(
          asked.every((q) => q.offset >= 12_200),
          'nothing between the top and there',
        );
        assert.ok(s.rowsInDom < 50, `${s.rowsInDom} rows in the DOM`);
        assert.ok(s.rowsHeld <= 400, `${s.rowsHeld} rows held`);
        assert.equal(s.rows[0].index * ROW_HEIGHT >= 12_000 * ROW_HEIGHT, true);

        await mp.setTheme(MEMORY_LIGHT);
        await mp.page.locator('.scroller').evaluate((e) => {
          e.scrollTop = 0;
        });
        await mp.waitFor('the top again', (x) => x.rows.some((r) => r.key === 'doc:00001'));
        await mp.page.screenshot({ path: screenshotPath('memory-ltm-light.png') });
        // a tint behind the changed row; its value in the colour every value has (red would read as an error)
        const changed = await rowLook(mp, 'doc:00001');
        const plain = await rowLook(mp, 'doc:00002');
        assert.equal(changed.background, 'rgba(156, 204, 44, 0.25)', "the diff editor's inserted-text tint");
        assert.equal(changed.value, plain.value);

        await mp.setTheme(MEMORY_HIGH_CONTRAST);
        assert.equal((await rowLook(mp, 'doc:00001')).outline, 'dashed', 'no tint in high contrast: an outline');
        assert.equal((await rowLook(mp, 'doc:00002')).outline, 'none');
        await mp.page.screenshot({ path: screenshotPath('memory-ltm-high-contrast.png') });
      } finally {
        await mp.page.close();
      }
    },
  );

  it('the search box sends a prefix or words, the sort its order; the answer is what is shown', { timeout: 60_000 }, async () => {
    const mp = await open();
    try {
      await mp.send(session());
      await clickTab(mp, 'LTM');
      await mp.waitFor('LTM rows', (x) => x.tab === 'ltm' && x.rows.length > 0);
      const field = mp.page.locator('vscode-textfield.search input');
      await field.fill('doc:1999');
      const s = await mp.waitFor('the prefix', (x) => x.total === 10);
      assert.ok(s.rows.every((r) => r.key.startsWith('doc:1999')));
      assert.deepEqual(calls(mp, 'apxm/memoryPage').at(-1), { tab: 'ltm', offset: 0, limit: 100, prefix: 'doc:1999', sort: 'key' });

      await mp.page.locator('vscode-single-select.mode').evaluate((e: any) => {
        e.value = 'words';
        e.dispatchEvent(new Event('change'));
      });
      await field.fill('norway 7');
      // the answer to the words (every row about norway), not the prefix's rows still shown, or none, while it is asked
      await mp.waitFor(
        'the words',
        (x) =>
          calls(mp, 'apxm/memoryPage').at(-1)?.search === 'norway 7' && x.rows.length > 0 && x.rows.every((r) => /norway/.test(r.value)),
      );

      await field.fill('');
      await mp.page.locator('vscode-single-select.sort').evaluate((e: any) => {
        e.value = 'updated';
        e.dispatchEvent(new Event('change'));
      });
      await mp.waitFor('sorted by update', () => calls(mp, 'apxm/memoryPage').at(-1)?.sort === 'updated');
      assert.deepEqual(calls(mp, 'apxm/memoryPage').at(-1), { tab: 'ltm', offset: 0, limit: 100, sort: 'updated' });
    } finally {
      await mp.page.close();
    }
  });

  it(
    'while stopped: an inline edit posts the typed text and shows the new value; a refusal shows the adapter message; delete asks first',
    { timeout: 60_000 },
    async () => {
      const mp = await open();
      try {
        await mp.send(session());
        let s = await mp.waitFor('the STM rows', (x) => x.tab === 'stm' && x.rows.length === 4);
        assert.deepEqual(
          s.rows.map((r) => [r.key, r.changed]),
          [
            ['count', false],
            ['essay', false],
            ['mood', false],
            ['topic', true],
          ],
        );
        const input = await editRow(mp, 'mood');
        assert.equal(await input.inputValue(), 'calm');
        await input.fill('{"level": 3}');
        await input.press('Enter');
        s = await mp.waitFor('the new value', (x) => x.rows.find((r) => r.key === 'mood')?.value === '{ "level": 3 }');
        assert.equal(s.rows.find((r) => r.key === 'mood')?.changed, true, 'an edit is a change');
        assert.deepEqual(calls(mp, 'apxm/memorySet').at(-1), { tab: 'stm', key: 'mood', value: '{"level": 3}' });
        assert.deepEqual(adapter.src.stm.get('mood'), { level: 3 });

        // the run went on meanwhile: the adapter refuses, and its message is shown under the row
        adapter.stopped = false;
        await editRow(mp, 'count');
        await mp.page.locator('.row[data-key="count"] input.edit').fill('4');
        await mp.page.locator('.row[data-key="count"] input.edit').press('Enter');
        s = await mp.waitFor('the refusal', (x) => x.error === refused('count'));
        assert.equal(await mp.page.locator('.row-error').textContent(), refused('count'));
        await mp.page.screenshot({ path: screenshotPath('memory-edit-refused-dark.png') });
        await mp.page.locator('.row[data-key="count"] input.edit').press('Escape');
        adapter.stopped = true;

        // delete: a yes first, then the key is gone
        await mp.page.locator('.row[data-key="count"]').hover();
        await mp.page.locator('.row[data-key="count"] button', { hasText: 'Delete' }).click();
        assert.match((await mp.page.locator('.row[data-key="count"] .confirm').textContent()) ?? '', /Delete 'count' from STM\?/);
        assert.equal(calls(mp, 'apxm/memoryDelete').length, 0, 'nothing deleted before the yes');
        await mp.page.locator('.row[data-key="count"] button.danger').click();
        s = await mp.waitFor('the key gone', (x) => x.total === 3 && !x.rows.some((r) => r.key === 'count'));
        assert.deepEqual(calls(mp, 'apxm/memoryDelete'), [{ tab: 'stm', key: 'count' }]);

        // running: no edit or delete is offered
        await mp.send(session({ stopped: false, stops: 1 }));
        await mp.waitFor('running', (x) => x.session?.stopped === false);
        // the hook's state changes before the next frame redraws the rows
        await mp.page.locator('.row button', { hasText: 'Edit' }).first().waitFor({ state: 'detached', timeout: 5_000 });
        assert.equal(await mp.page.locator('.row button', { hasText: 'Edit' }).count(), 0);
        assert.match((await mp.page.locator('.notice').textContent()) ?? '', /is running/);
      } finally {
        await mp.page.close();
      }
    },
  );

  it(
    'a new stop reads the rows again and marks what changed; the detail pages a long value in and links its writer',
    { timeout: 60_000 },
    async () => {
      const mp = await open();
      try {
        await mp.send(session());
        await mp.waitFor('the STM rows', (x) => x.rows.length >= 2);
        const before = calls(mp, 'apxm/memoryPage').length;
        // the program wrote a key, and stopped again
        adapter.src.stm.set('fresh', 'new');
        adapter.changes.wrote('stm', 'fresh');
        adapter.changes.stopped(0);
        await mp.send(session({ stops: 2 }));
        let s = await mp.waitFor('the fresh key', (x) => x.rows.some((r) => r.key === 'fresh' && r.changed));
        assert.ok(calls(mp, 'apxm/memoryPage').length > before, 'asked again at the stop');
        assert.equal(s.rows.find((r) => r.key === 'topic')?.changed, false, 'changed before the previous stop, not since');

        // a long value: its first part, then the rest a page at a time
        await mp.page.locator('.row[data-key="essay"]').click();
        s = await mp.waitFor('the essay detail', (x) => x.detail?.key === 'essay');
        assert.equal(s.detail?.complete, false);
        assert.equal(s.detail?.value.length, ROW_PREVIEW_CHARS);
        await mp.page.locator('.detail button', { hasText: /^Show more/ }).click();
        s = await mp.waitFor('the whole essay', (x) => x.detail?.complete === true);
        assert.equal(s.detail?.value, LONG);
        assert.ok(calls(mp, 'apxm/valuePage').length >= 1);

        // LTM: which op wrote the key, and the links to it
        await clickTab(mp, 'LTM');
        await mp.waitFor('LTM rows', (x) => x.tab === 'ltm' && x.rows.some((r) => r.key === 'doc:00002'));
        await mp.page.locator('.row[data-key="doc:00002"]').click();
        s = await mp.waitFor('its writer', (x) => (x.detail?.writes.length ?? 0) > 0);
        assert.match(s.detail!.writes[0], /^UMEM remember \(Notes\.main#3\) at \d\d:\d\d:\d\d, line 12$/);
        await mp.page.locator('.detail button', { hasText: 'Reveal in Graph' }).click();
        await mp.page.locator('.detail button', { hasText: 'Go to Source' }).click();
        await mp.page.locator('.detail button', { hasText: 'Watch Key' }).click();
        await mp.waitFor('watched', () => mp.posted.some((m) => m.type === 'openSource'));
        await mp.page.locator('.detail button', { hasText: 'Unwatch Key' }).waitFor({ timeout: 5_000 });
        assert.deepEqual(
          mp.posted.filter((m) => m.type === 'revealInGraph' || m.type === 'openSource'),
          [
            { type: 'revealInGraph', body: { flow: 'Notes.main', nodeId: 3 } },
            { type: 'openSource', body: { path: path.join(dir, 'notes.ais'), line: 12 } },
          ],
        );
        assert.deepEqual(calls(mp, 'apxm/watchKey'), [{ tier: 'ltm', key: 'doc:00002', watch: true }]);
        await mp.page.screenshot({ path: screenshotPath('memory-provenance-dark.png') });
        await mp.setTheme(MEMORY_LIGHT);
        await mp.page.screenshot({ path: screenshotPath('memory-provenance-light.png') });
      } finally {
        await mp.page.close();
      }
    },
  );
});
