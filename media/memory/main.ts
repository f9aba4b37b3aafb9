/**
 * The memory inspector's page: tabs for STM, LTM, Episodic, Beliefs and Goals over one virtualised
 * table (fixed row height; only the rows in view are in the DOM; pages are asked for as the user
 * scrolls), a search box (key prefix or words), the tab's sort, rows changed since the previous stop
 * marked, and, while the debugger is stopped, inline edits and deletes. The selected row's detail
 * (its whole value, paged; which op wrote it) is in a pane below. Every adapter request goes through
 * the host as a `call` (protocol.ts); the table's bookkeeping is tableModel.ts.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import './memory.css';
import type { MemoryRow, MemoryTab } from '../../debug-adapter/protocol/memoryProtocol.js';
import { custom, el } from '../graph/page/dom.js';
import { DetailPane } from './page/detailPane.js';
import { loadState, post, saveState } from './page/vscodeApi.js';
import type { HostMessage, MemoryCallName, MemoryCalls, MemoryPageState, SessionView } from './protocol.js';
import {
  MemoryTable,
  ROW_HEIGHT,
  TABS,
  canDelete,
  canEdit,
  editText,
  formatTime,
  previewLine,
  sortsOf,
  type PageWant,
  type SearchMode,
  type TabQuery,
} from './tableModel.js';
import type { HookRow, MemoryHookState, MemoryTestHook } from './testHook.js';

/** Two clicks on one row within this are a double click. */
const DOUBLE_CLICK_MS = 500;
/** A changed row's marker and tooltip: changed since the previous stop. */
const CHANGED_LABEL = 'Changed since the previous stop';

type Field = HTMLElement & { value: string };
type Reply = { resolve: (body: unknown) => void; reject: (e: Error) => void };

/** What a row is doing beyond being shown: its value in an edit box, or its delete awaiting a yes. */
type RowMode =
  { key: string; kind: 'edit'; text: string; error?: string; busy?: boolean } | { key: string; kind: 'delete'; error?: string };

class MemoryApp {
  private tab: MemoryTab = 'stm';
  private readonly tables = new Map<MemoryTab, MemoryTable>();
  private session: SessionView | undefined;
  private sessionId: string | undefined;
  private selected: string | undefined;
  private mode: RowMode | undefined;
  private error: string | undefined;
  private readonly replies = new Map<number, Reply>();
  private nextRequest = 1;
  private version = 0;
  private frame = 0;
  private lastClick: { key: string; at: number } | undefined;

  private readonly tabs: HTMLElement;
  private readonly search: Field;
  private readonly searchMode: Field;
  private readonly sort: Field;
  private readonly status: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rowsHost: HTMLElement;
  private readonly detail: DetailPane;

  constructor() {
    const stored = loadState();
    for (const { tab } of TABS) {
      const q = stored?.queries?.[tab];
      this.tables.set(
        tab,
        new MemoryTable(tab, q ? { text: q.text, mode: q.mode, ...(q.sort ? { sort: q.sort as TabQuery['sort'] } : {}) } : undefined),
      );
    }
    if (stored && TABS.some((t) => t.tab === stored.tab)) this.tab = stored.tab as MemoryTab;
    if (stored?.selected?.tab === this.tab) this.selected = stored.selected.key;

    this.tabs = custom(
      'vscode-tabs',
      { 'selected-index': String(TABS.findIndex((t) => t.tab === this.tab)), class: 'tabs' },
      ...TABS.flatMap(({ tab, label }) => [
        custom('vscode-tab-header', { slot: 'header', id: `tab-${tab}` }, label),
        custom('vscode-tab-panel', { class: 'tab-panel' }),
      ]),
    );
    this.tabs.addEventListener('vsc-tabs-select', (e) => {
      const i = (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
      if (TABS[i] && TABS[i].tab !== this.tab) this.switchTab(TABS[i].tab);
    });

    this.search = custom('vscode-textfield', {
      placeholder: 'Filter by key prefix',
      'aria-label': 'Search memory',
      class: 'search',
    }) as Field;
    this.search.addEventListener('input', () => this.searchChanged());
    this.searchMode = custom(
      'vscode-single-select',
      { 'aria-label': 'Search by', title: 'Search by key prefix, or by words (LTM: the full-text index)', class: 'mode' },
      custom('vscode-option', { value: 'prefix' }, 'Key prefix'),
      custom('vscode-option', { value: 'words' }, 'Words'),
    ) as Field;
    this.searchMode.addEventListener('change', () => this.searchChanged());
    this.sort = custom('vscode-single-select', { 'aria-label': 'Sort', class: 'sort' }) as Field;
    this.sort.addEventListener('change', () => this.searchChanged());
    const refresh = custom(
      'vscode-button',
      { secondary: '', title: 'Read the rows again (they refresh by themselves at each stop)' },
      'Refresh',
    );
    refresh.addEventListener('click', () => this.refreshAll());
    this.status = el('span', { className: 'status', attrs: { role: 'status', 'aria-live': 'polite' } });
    const toolbar = el(
      'div',
      { className: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Memory' } },
      this.search,
      this.searchMode,
      this.sort,
      refresh,
      this.status,
    );
    this.notice = el('div', { className: 'notice', attrs: { role: 'status' } });

    const head = el(
      'div',
      { className: 'thead', attrs: { role: 'row' } },
      el('span', { className: 'cell key', text: 'Key', attrs: { role: 'columnheader' } }),
      el('span', { className: 'cell value', text: 'Value', attrs: { role: 'columnheader' } }),
      el('span', { className: 'cell updated', text: 'Updated', attrs: { role: 'columnheader' } }),
      el('span', { className: 'cell actions', attrs: { role: 'columnheader', 'aria-label': 'Actions' } }),
    );
    this.spacer = el('div', { className: 'spacer' });
    this.rowsHost = el('div', { className: 'rows', attrs: { role: 'rowgroup' } });
    this.scroller = el(
      'div',
      { className: 'scroller', attrs: { tabindex: '0', role: 'grid', 'aria-label': 'Memory rows' } },
      this.spacer,
      this.rowsHost,
    );
    this.scroller.addEventListener('scroll', () => this.schedule());
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.schedule()).observe(this.scroller);

    this.detail = new DetailPane({
      call: (name, args) => this.call(name, args),
      session: () => this.session,
      edit: (row) => void this.startEdit(row),
      remove: (row) => this.askDelete(row),
      close: () => this.select(undefined),
    });
    document.body.append(
      el(
        'div',
        { className: 'app' },
        this.tabs,
        toolbar,
        this.notice,
        el('div', { className: 'table' }, head, this.scroller),
        this.detail.root,
      ),
    );

    window.addEventListener('message', (e: MessageEvent<unknown>) => this.receive(e.data));
    window.addEventListener('error', (e) => post('pageError', { message: e.message }));
    this.showControls();
    this.exposeHook();
    post('ready', {});
  }

  private get table(): MemoryTable {
    return this.tables.get(this.tab)!;
  }

  // ---- messages and requests --------------------------------------------------------------------

  private receive(data: unknown): void {
    if (!data || typeof data !== 'object' || typeof (data as { type?: unknown }).type !== 'string') return;
    const m = data as HostMessage;
    try {
      if (m.type === 'memory/reply') {
        const reply = this.replies.get(m.body.requestId);
        this.replies.delete(m.body.requestId);
        if (m.body.error !== undefined) reply?.reject(new Error(m.body.error));
        else reply?.resolve(m.body.body);
      } else if (m.type === 'memory/session') this.sessionChanged(m.body.session);
    } catch (err) {
      post('pageError', { message: `${m.type}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` });
    }
    this.version++;
  }

  private call<K extends MemoryCallName>(name: K, args: MemoryCalls[K]['arguments']): Promise<MemoryCalls[K]['body']> {
    const requestId = this.nextRequest++;
    return new Promise((resolve, reject) => {
      this.replies.set(requestId, { resolve: resolve as (b: unknown) => void, reject });
      post('call', { requestId, name, args } as never);
    });
  }

  private sessionChanged(s: SessionView | undefined): void {
    const before = this.session;
    this.session = s;
    if (s && s.id !== this.sessionId) {
      // another session (or the first): its rows, from the top
      this.sessionId = s.id;
      for (const t of this.tables.values()) t.setQuery(t.query);
      this.mode = undefined;
      this.error = undefined;
      this.selected = undefined;
      this.detail.newSession();
      this.scroller.scrollTop = 0;
    } else if (s && before && s.stops !== before.stops) {
      // a new stop: every tab's rows are read again (the ones in view at once), and so is the detail
      for (const t of this.tables.values()) t.invalidate();
      if (this.mode?.kind === 'delete') this.mode = undefined;
      this.detail.refresh();
    }
    if (!s?.stopped && this.mode && !(this.mode.kind === 'edit' && this.mode.busy)) this.mode = undefined;
    this.showControls();
    this.schedule();
  }

  private refreshAll(): void {
    for (const t of this.tables.values()) t.invalidate();
    this.detail.refresh();
    this.schedule();
  }

  private fetch(want: PageWant, table: MemoryTable): void {
    this.call('apxm/memoryPage', want.query).then(
      (page) => {
        if (table.accept(want.ticket, page)) {
          if (table === this.table && this.error?.startsWith('rows: ')) this.error = undefined;
          this.schedule();
        }
      },
      (e: Error) => {
        table.failed(want.ticket);
        if (table === this.table) {
          this.error = `rows: ${e.message}`;
          this.schedule();
        }
      },
    );
  }

  // ---- controls ----------------------------------------------------------------------------------

  private switchTab(tab: MemoryTab): void {
    this.tab = tab;
    this.selected = undefined;
    this.mode = undefined;
    this.error = undefined;
    this.detail.reset();
    this.scroller.scrollTop = 0;
    this.showControls();
    this.save();
    this.schedule();
  }

  /** The toolbar shows the current tab's search and sort. */
  private showControls(): void {
    const q = this.table.query;
    this.search.value = q.text;
    this.searchMode.value = q.mode;
    this.search.setAttribute(
      'placeholder',
      q.mode === 'prefix' ? 'Filter by key prefix' : this.tab === 'ltm' ? 'Search words (full text)' : 'Search words in keys and values',
    );
    this.sort.replaceChildren(...sortsOf(this.tab).map((s) => custom('vscode-option', { value: s.sort ?? '' }, s.label)));
    this.sort.value = q.sort ?? '';
    this.sort.toggleAttribute('disabled', sortsOf(this.tab).length < 2);
    const s = this.session;
    this.notice.textContent = !s
      ? 'No APXM debug session: start debugging a program to see its memory.'
      : s.replay
        ? `${s.name}: a replay. Memory follows the recording; it cannot be edited.`
        : s.stopped
          ? ''
          : `${s.name} is running: rows refresh at each stop; stop it (a breakpoint, or Pause) to edit or delete.`;
    this.notice.hidden = this.notice.textContent === '';
  }

  private searchChanged(): void {
    const mode = (this.searchMode.value === 'words' ? 'words' : 'prefix') as SearchMode;
    const sort = this.sort.value ? (this.sort.value as TabQuery['sort']) : undefined;
    const q: TabQuery = { text: this.search.value, mode, ...(sort ? { sort } : {}) };
    const old = this.table.query;
    if (old.text === q.text && old.mode === q.mode && old.sort === q.sort) return;
    this.search.setAttribute(
      'placeholder',
      mode === 'prefix' ? 'Filter by key prefix' : this.tab === 'ltm' ? 'Search words (full text)' : 'Search words in keys and values',
    );
    this.table.setQuery(q);
    this.scroller.scrollTop = 0;
    this.save();
    this.schedule();
  }

  private save(): void {
    const queries: NonNullable<MemoryPageState['queries']> = {};
    for (const [tab, t] of this.tables)
      queries[tab] = { text: t.query.text, mode: t.query.mode, ...(t.query.sort ? { sort: t.query.sort } : {}) };
    saveState({ tab: this.tab, queries, ...(this.selected !== undefined ? { selected: { tab: this.tab, key: this.selected } } : {}) });
  }

  // ---- the table ---------------------------------------------------------------------------------

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const table = this.table;
    if (this.session) for (const w of table.wanted(this.scroller.scrollTop, this.scroller.clientHeight)) this.fetch(w, table);
    this.spacer.style.height = `${table.contentHeight()}px`;
    const { first, end } = table.visibleRange(this.scroller.scrollTop, this.scroller.clientHeight);
    const rows: HTMLElement[] = [];
    for (let i = first; i < Math.min(end, table.total ?? 0); i++) rows.push(this.rowElement(i, table.rowAt(i)));
    // an edit box keeps its focus and caret: its row is kept, not rebuilt
    const editing = this.rowsHost.querySelector<HTMLInputElement>('input.edit');
    const keep = editing && this.mode?.kind === 'edit' ? editing : undefined;
    if (keep) {
      const slot = rows.find((r) => r.dataset.key === this.mode?.key)?.querySelector('input.edit');
      slot?.replaceWith(keep);
    }
    this.rowsHost.replaceChildren(...rows);
    const chosen = this.selected !== undefined ? table.indexOf(this.selected) : -1;
    if (chosen >= 0) this.detail.update(table.rowAt(chosen)!);
    if (keep && keep.isConnected && document.activeElement !== keep) keep.focus();
    const total = table.total;
    const s = this.session;
    const where = !s ? 'no session' : s.replay ? 'replay' : s.stopped ? `stopped (stop ${s.stops})` : 'running';
    const count =
      total === undefined
        ? s
          ? 'loading…'
          : ''
        : `${total.toLocaleString('en-US')}${table.capped ? '+' : ''} row${total === 1 ? '' : 's'}`;
    this.status.textContent = [count, where].filter(Boolean).join(' · ');
    this.status.classList.toggle('error', this.error !== undefined);
    if (this.error && !this.mode?.error) this.status.textContent = this.error;
    if (total === 0)
      this.rowsHost.replaceChildren(el('div', { className: 'empty', text: table.query.text ? 'No rows match.' : 'No rows.' }));
  }

  private rowElement(i: number, row: MemoryRow | undefined): HTMLElement {
    const top = `${i * ROW_HEIGHT}px`;
    if (!row) {
      const r = el(
        'div',
        { className: 'row loading', attrs: { role: 'row', 'aria-rowindex': String(i + 1) } },
        el('span', { className: 'cell key', text: '…' }),
      );
      r.style.top = top;
      return r;
    }
    const selected = row.key === this.selected;
    const mode = this.mode?.key === row.key ? this.mode : undefined;
    const r = el('div', {
      className: `row${row.changed ? ' changed' : ''}${selected ? ' selected' : ''}${mode ? ` ${mode.kind}` : ''}`,
      attrs: {
        role: 'row',
        'aria-rowindex': String(i + 1),
        'aria-selected': String(selected),
        'data-key': row.key,
        title: row.changed ? CHANGED_LABEL : '',
      },
    });
    r.style.top = top;
    r.addEventListener('click', (e) => {
      if ((e.target as HTMLElement).closest('input, button, vscode-button')) return;
      // a second click on the same row edits it: rows are rebuilt on each render, so the browser's dblclick
      // (which needs one element under both clicks) would not fire after the first click selected the row
      const now = performance.now();
      const again = this.lastClick?.key === row.key && now - this.lastClick.at < DOUBLE_CLICK_MS;
      this.lastClick = again ? undefined : { key: row.key, at: now };
      if (again && canEdit(this.tab) && this.session?.stopped) void this.startEdit(row);
      else if (!again) this.select(row);
    });
    const key = el('span', { className: 'cell key', text: row.key });
    const updated = el('span', { className: 'cell updated', text: formatTime(row.updatedAt) });
    const actions = el('span', { className: 'cell actions' });
    let value: HTMLElement;
    if (mode?.kind === 'edit') {
      const input = el('input', { className: 'edit', attrs: { 'aria-label': `New value of ${row.key}`, spellcheck: 'false' } });
      input.value = mode.text;
      input.addEventListener('input', () => {
        if (this.mode?.kind === 'edit') {
          this.mode.text = input.value;
          this.mode.error = undefined;
          input.classList.remove('invalid');
          r.querySelector('.row-error')?.remove();
        }
      });
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') void this.commitEdit(row, input.value);
        else if (e.key === 'Escape') this.cancelMode();
        e.stopPropagation();
      });
      input.classList.toggle('invalid', mode.error !== undefined);
      value = el('span', { className: 'cell value' }, input);
      actions.append(
        this.action('Save', 'Set the value (Enter)', () => void this.commitEdit(row, input.value)),
        this.action('Cancel', 'Escape', () => this.cancelMode()),
      );
    } else if (mode?.kind === 'delete') {
      value = el('span', { className: 'cell value confirm', text: `Delete '${row.key}' from ${this.tabLabel()}?` });
      actions.append(
        this.action('Delete', 'Delete the key now', () => void this.commitDelete(row), 'danger'),
        this.action('Cancel', 'Keep it', () => this.cancelMode()),
      );
    } else {
      value = el('span', { className: 'cell value', text: previewLine(row.value) });
      value.title = row.value.type;
      const stopped = this.session?.stopped === true;
      if (canEdit(this.tab) && stopped) actions.append(this.action('Edit', 'Edit the value (F2)', () => void this.startEdit(row)));
      if (canDelete(this.tab) && stopped) actions.append(this.action('Delete', 'Delete the key (Delete)', () => this.askDelete(row)));
    }
    // a changed row's mark is a dot with a name, not a colour alone (screen readers and colour-blind users see it too)
    const mark = el('span', {
      className: 'mark',
      attrs: row.changed ? { role: 'img', 'aria-label': CHANGED_LABEL } : { 'aria-hidden': 'true' },
    });
    r.append(mark, key, value, updated, actions);
    if (mode?.error) r.append(el('div', { className: 'row-error', text: mode.error, attrs: { role: 'alert' } }));
    return r;
  }

  private action(label: string, title: string, run: () => void, kind = ''): HTMLElement {
    const b = el('button', { className: `link ${kind}`, text: label, attrs: { title, type: 'button' } });
    b.addEventListener('click', (e) => {
      e.stopPropagation();
      run();
    });
    return b;
  }

  private tabLabel(): string {
    return TABS.find((t) => t.tab === this.tab)?.label ?? this.tab;
  }

  private select(row: MemoryRow | undefined): void {
    this.selected = row?.key;
    if (row) this.detail.show(this.tab, row);
    else this.detail.reset();
    this.save();
    this.schedule();
  }

  private onKey(e: KeyboardEvent): void {
    const t = this.table;
    const at = this.selected !== undefined ? t.indexOf(this.selected) : -1;
    const move = (to: number) => {
      const row = t.rowAt(Math.max(0, Math.min((t.total ?? 1) - 1, to)));
      if (!row) return;
      this.select(row);
      const i = t.indexOf(row.key);
      const top = i * ROW_HEIGHT;
      if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
      else if (top + ROW_HEIGHT > this.scroller.scrollTop + this.scroller.clientHeight)
        this.scroller.scrollTop = top + ROW_HEIGHT - this.scroller.clientHeight;
    };
    const row = at >= 0 ? t.rowAt(at) : undefined;
    if (e.key === 'ArrowDown') move(at + 1);
    else if (e.key === 'ArrowUp') move(at - 1);
    else if (e.key === 'F2' && row && canEdit(this.tab)) void this.startEdit(row);
    else if (e.key === 'Delete' && row && canDelete(this.tab)) this.askDelete(row);
    else return;
    e.preventDefault();
  }

  // ---- edits -------------------------------------------------------------------------------------

  private async startEdit(row: MemoryRow): Promise<void> {
    if (!canEdit(this.tab)) return;
    let text = row.value.text;
    if (row.value.pageRef) {
      // a long value is edited whole: read the rest first
      try {
        text = await this.detail.wholeValue(row.value);
      } catch (e) {
        this.mode = { key: row.key, kind: 'edit', text: row.value.text, error: (e as Error).message };
        this.schedule();
        return;
      }
    }
    this.selected = row.key;
    this.mode = { key: row.key, kind: 'edit', text: editText(row.value, text) };
    this.render();
    const input = this.rowsHost.querySelector<HTMLInputElement>('input.edit');
    input?.focus();
    input?.select();
  }

  private async commitEdit(row: MemoryRow, text: string): Promise<void> {
    const tab = this.tab;
    if (!canEdit(tab) || this.mode?.kind !== 'edit' || this.mode.busy) return;
    this.mode.busy = true;
    try {
      const { row: now } = await this.call('apxm/memorySet', { tab, key: row.key, value: text });
      this.mode = undefined;
      const t = this.tables.get(tab)!;
      t.replaceRow(now);
      // other rows (and other tabs: a belief is also STM's, an STM write is logged) may follow from it
      for (const other of this.tables.values()) other.invalidate();
      this.detail.refresh();
    } catch (e) {
      // the adapter's own words: not stopped, a replay, a value nested too deep
      if (this.mode?.kind === 'edit') this.mode = { ...this.mode, busy: false, error: (e as Error).message };
    }
    this.schedule();
    if (!this.mode) this.scroller.focus();
  }

  private askDelete(row: MemoryRow): void {
    if (!canDelete(this.tab)) return;
    this.selected = row.key;
    this.mode = { key: row.key, kind: 'delete' };
    this.schedule();
  }

  private async commitDelete(row: MemoryRow): Promise<void> {
    const tab = this.tab;
    if (!canDelete(tab)) return;
    try {
      await this.call('apxm/memoryDelete', { tab, key: row.key });
      this.mode = undefined;
      if (this.selected === row.key) this.select(undefined);
      for (const t of this.tables.values()) t.invalidate();
    } catch (e) {
      this.mode = { key: row.key, kind: 'delete', error: (e as Error).message };
    }
    this.schedule();
  }

  private cancelMode(): void {
    this.mode = undefined;
    this.schedule();
    this.scroller.focus();
  }

  // ---- test hook ---------------------------------------------------------------------------------

  private exposeHook(): void {
    const hook: MemoryTestHook = {
      get version() {
        return app.version;
      },
      state: () => this.hookState(),
    };
    const app = this;
    (window as unknown as { __apxmMemory: MemoryTestHook }).__apxmMemory = hook;
  }

  private hookState(): MemoryHookState {
    const rows: HookRow[] = [...this.rowsHost.querySelectorAll<HTMLElement>('.row:not(.loading)')].map((r) => ({
      index: Number(r.getAttribute('aria-rowindex')) - 1,
      key: r.dataset.key ?? '',
      value: r.querySelector('input.edit')
        ? (r.querySelector<HTMLInputElement>('input.edit')?.value ?? '')
        : (r.querySelector('.cell.value')?.textContent ?? ''),
      updated: r.querySelector('.cell.updated')?.textContent ?? '',
      changed: r.classList.contains('changed'),
      marker: r.querySelector('.mark[role="img"]')?.getAttribute('aria-label') ?? undefined,
    }));
    const s = this.session;
    const error = this.mode?.error ?? this.error;
    const detail = this.detail.hookState();
    return {
      tab: this.tab,
      total: this.table.total,
      rowsInDom: this.rowsHost.querySelectorAll('.row').length,
      rowsHeld: this.table.rowsHeld,
      rows,
      ...(s ? { session: { name: s.name, stopped: s.stopped, replay: s.replay, stops: s.stops } } : {}),
      ...(this.selected !== undefined ? { selected: this.selected } : {}),
      ...(detail ? { detail } : {}),
      ...(error !== undefined ? { error } : {}),
    };
  }
}

new MemoryApp();
