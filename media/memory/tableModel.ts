/**
 * The memory page's table, without the DOM: which rows of a tab are in view, which pages of rows to
 * ask the adapter for as the user scrolls (never every row), which answers are stale (the search or
 * the tab changed while a page was on its way), and what a stop makes stale. Rows have a fixed
 * height, so the scroll position alone says which rows are visible.
 */
import type { MemoryPage, MemoryPageQuery, MemoryRow, MemorySort, MemoryTab } from '../../debug-adapter/protocol/memoryProtocol.js';
import type { ValuePreview } from '../../debug-adapter/customProtocol.js';

/** Height of one table row in CSS px (the page's stylesheet uses the same). */
export const ROW_HEIGHT = 24;
/** Rows asked for in one `apxm/memoryPage`: a few screens. */
export const BLOCK_ROWS = 100;
/** Rows drawn beyond each edge of the viewport, so a short scroll shows no gap. */
export const OVERSCAN_ROWS = 10;

export const TABS: readonly { tab: MemoryTab; label: string }[] = [
  { tab: 'stm', label: 'STM' },
  { tab: 'ltm', label: 'LTM' },
  { tab: 'episodic', label: 'Episodic' },
  { tab: 'beliefs', label: 'Beliefs' },
  { tab: 'goals', label: 'Goals' },
];

export type SearchMode = 'prefix' | 'words';

export interface TabQuery {
  text: string;
  mode: SearchMode;
  /** Undefined: the tab's own order (episodic newest first, goals by priority). */
  sort?: MemorySort;
}

/** The orders a tab offers, first the default. */
export function sortsOf(tab: MemoryTab): { sort?: MemorySort; label: string }[] {
  switch (tab) {
    case 'stm':
      return [
        { sort: 'key', label: 'Sort: key' },
        { sort: 'updated', label: 'Sort: recently used' },
      ];
    case 'ltm':
      return [
        { sort: 'key', label: 'Sort: key' },
        { sort: 'updated', label: 'Sort: recently updated' },
      ];
    case 'goals':
      return [{ label: 'Sort: priority' }, { sort: 'key', label: 'Sort: key' }];
    default:
      return [{ label: tab === 'episodic' ? 'Newest first' : 'Sort: key' }];
  }
}

/** What a tab lets the user do to a row while stopped, and what it can tell about a row. */
export const canEdit = (tab: MemoryTab): tab is 'stm' | 'beliefs' => tab === 'stm' || tab === 'beliefs';
export const canDelete = (tab: MemoryTab): tab is 'stm' | 'ltm' | 'beliefs' => tab === 'stm' || tab === 'ltm' || tab === 'beliefs';
export const canWatch = (tab: MemoryTab): tab is 'stm' | 'ltm' => tab === 'stm' || tab === 'ltm';
export const hasProvenance = (tab: MemoryTab): boolean => tab !== 'episodic';

/** The adapter's query for rows [offset, offset+limit) of a tab under a search. */
export function pageQuery(tab: MemoryTab, q: TabQuery, offset: number, limit: number): MemoryPageQuery {
  const text = q.mode === 'prefix' ? q.text : q.text.trim();
  return {
    tab,
    offset,
    limit,
    ...(text && q.mode === 'prefix' ? { prefix: text } : {}),
    ...(text && q.mode === 'words' ? { search: text } : {}),
    ...(q.sort ? { sort: q.sort } : {}),
  };
}

/** A page the table wants: ask the adapter with `query`, then hand the answer to `accept` with `ticket`. */
export interface PageWant {
  query: MemoryPageQuery;
  ticket: { generation: number; block: number; stamp: number };
}

interface Block {
  rows: MemoryRow[];
  /** The stop stamp it was fetched at: older than the table's, it is shown until its refresh arrives. */
  stamp: number;
}

/** One tab's rows: the blocks fetched so far for its current search and sort. */
export class MemoryTable {
  query: TabQuery;
  /** Rows in the whole listing; undefined until the first page arrives. */
  total: number | undefined;
  /** A word search stopped at the adapter's cap. */
  capped = false;
  /** The adapter's stop count in the latest page (changed flags are relative to it). */
  stop: number | undefined;
  private blocks = new Map<number, Block>();
  /** Blocks asked for and not answered: block → the stamp asked at. */
  private pending = new Map<number, number>();
  /** Bumps when the search or sort changes: answers to an older generation are dropped. */
  private generation = 0;
  /** Bumps on each stop: blocks fetched before are refreshed when in view. */
  private stamp = 0;

  constructor(
    readonly tab: MemoryTab,
    query?: TabQuery,
  ) {
    this.query = query ?? { text: '', mode: 'prefix', ...(sortsOf(tab)[0].sort ? { sort: sortsOf(tab)[0].sort } : {}) };
  }

  /** A new search or sort: every row is forgotten and asked for again. */
  setQuery(q: TabQuery): void {
    this.query = q;
    this.generation++;
    this.blocks.clear();
    this.pending.clear();
    this.total = undefined;
    this.capped = false;
  }

  /** The debugger stopped again (or an edit changed rows): rows are asked for again as they come into view, shown as they were meanwhile. */
  invalidate(): void {
    this.stamp++;
    this.pending.clear();
  }

  /** Rows [first, end) that a viewport at `scrollTop` of `height` px shows, overscan included. */
  visibleRange(scrollTop: number, height: number): { first: number; end: number } {
    const total = this.total ?? BLOCK_ROWS;
    const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN_ROWS);
    const end = Math.min(total, Math.ceil((scrollTop + Math.max(0, height)) / ROW_HEIGHT) + OVERSCAN_ROWS);
    return { first: Math.min(first, end), end };
  }

  /** The pages to ask for so the viewport's rows are there and current; each is asked for once until answered. */
  wanted(scrollTop: number, height: number): PageWant[] {
    const { first, end } = this.visibleRange(scrollTop, height);
    const out: PageWant[] = [];
    const last = Math.max(first, end - 1);
    for (let b = Math.floor(first / BLOCK_ROWS); b <= Math.floor(last / BLOCK_ROWS); b++) {
      const have = this.blocks.get(b);
      if (have && have.stamp === this.stamp) continue;
      if (this.pending.get(b) === this.stamp) continue;
      this.pending.set(b, this.stamp);
      out.push({
        query: pageQuery(this.tab, this.query, b * BLOCK_ROWS, BLOCK_ROWS),
        ticket: { generation: this.generation, block: b, stamp: this.stamp },
      });
    }
    return out;
  }

  /** An answer arrived: false (and dropped) when it belongs to an older search or sort. */
  accept(ticket: PageWant['ticket'], page: MemoryPage): boolean {
    if (ticket.generation !== this.generation) return false;
    if (this.pending.get(ticket.block) === ticket.stamp) this.pending.delete(ticket.block);
    const had = this.blocks.get(ticket.block);
    if (had && had.stamp > ticket.stamp) return false;
    // the listing's length changed (rows written or deleted): blocks past the new end are gone
    if (this.total !== undefined && page.total !== this.total)
      for (const b of [...this.blocks.keys()]) if (b * BLOCK_ROWS >= page.total) this.blocks.delete(b);
    this.blocks.set(ticket.block, { rows: page.rows, stamp: ticket.stamp });
    this.total = page.total;
    this.capped = page.capped === true;
    this.stop = page.stop;
    return true;
  }

  /** A request failed: the block may be asked for again. */
  failed(ticket: PageWant['ticket']): void {
    if (ticket.generation === this.generation && this.pending.get(ticket.block) === ticket.stamp) this.pending.delete(ticket.block);
  }

  /** Row `i` of the listing, or undefined while its page is on its way. */
  rowAt(i: number): MemoryRow | undefined {
    return this.blocks.get(Math.floor(i / BLOCK_ROWS))?.rows[i % BLOCK_ROWS];
  }

  /** Where a key is among the rows fetched, or -1. */
  indexOf(key: string): number {
    for (const [b, block] of this.blocks) {
      const i = block.rows.findIndex((r) => r.key === key);
      if (i >= 0) return b * BLOCK_ROWS + i;
    }
    return -1;
  }

  /** An edit's answer: the row shows the new value at once (its refresh follows). */
  replaceRow(row: MemoryRow): boolean {
    const i = this.indexOf(row.key);
    if (i < 0) return false;
    const block = this.blocks.get(Math.floor(i / BLOCK_ROWS))!;
    const old = block.rows[i % BLOCK_ROWS];
    block.rows[i % BLOCK_ROWS] = { ...old, ...row };
    return true;
  }

  /** Height of the whole listing in px (the scroller's content). */
  contentHeight(): number {
    return (this.total ?? 0) * ROW_HEIGHT;
  }

  /** Rows fetched and kept (for tests: never every row of a big tab). */
  get rowsHeld(): number {
    let n = 0;
    for (const b of this.blocks.values()) n += b.rows.length;
    return n;
  }
}

/** The text an edit box starts with: what parses back to the same value (a string that would read as JSON is quoted). */
export function editText(value: ValuePreview, fullText: string): string {
  if (value.type !== 'str') return fullText;
  try {
    JSON.parse(fullText);
    return JSON.stringify(fullText);
  } catch {
    return fullText;
  }
}

/** Characters asked for in one `apxm/valuePage` when a preview is expanded. */
export const VALUE_PAGE_CHARS = 16_384;

/** A value being read in full, a page at a time (`apxm/valuePage`). */
export class ExpandedValue {
  text: string;

  constructor(readonly value: ValuePreview) {
    this.text = value.text;
  }

  get complete(): boolean {
    return this.text.length >= this.value.length || this.value.pageRef === undefined;
  }

  /** The next page to ask for, or undefined when the whole value is here. */
  next(chars = VALUE_PAGE_CHARS): { pageRef: string; offset: number; length: number } | undefined {
    if (this.complete || !this.value.pageRef) return undefined;
    return { pageRef: this.value.pageRef, offset: this.text.length, length: Math.min(chars, this.value.length - this.text.length) };
  }

  /** A page arrived; one for another offset (a repeated click) is ignored. */
  append(page: { text: string; offset: number }): boolean {
    if (page.offset !== this.text.length) return false;
    this.text += page.text;
    return true;
  }
}

/** When a row was written, for its column: a time today, else a date and time. */
export function formatTime(ms: number | undefined, now = Date.now()): string {
  if (ms === undefined) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const today = new Date(now);
  if (d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate()) return time;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** A value's one-line preview for its cell. */
export function previewLine(v: ValuePreview): string {
  const line = v.text.replace(/\s+/g, ' ');
  return v.pageRef ? `${line}… (${v.length.toLocaleString('en-US')} chars)` : line;
}
