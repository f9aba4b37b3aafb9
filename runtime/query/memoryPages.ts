/**
 * The memory inspector's rows: one page of STM, LTM, Episodic, Beliefs or Goals at a time, never
 * every row. LTM pages come from the storage backend's indexes (by key, under a key prefix, most
 * recently updated first, or its full-text search); values are short previews whose rest is read
 * with `apxm/valuePage`. Also where a key came from: which op wrote it and when.
 */
import type { Aam } from '../aam/aam.js';
import { ApxmError } from '../errors.js';
import type { ShortTermMemory } from '../memory/shortTermMemory.js';
import type { EpisodicEvent, StorageBackend } from '../memory/storage.js';
import { MEMORY_WRITE } from '../traceRecorder.js';
import type { Value } from '../values/value.js';
import type { MemoryChanges } from './memoryChanges.js';
import { previewValue, valueText, type PageStore, type ValuePreview } from './nodeDetail.js';

export type MemoryTab = 'stm' | 'ltm' | 'episodic' | 'beliefs' | 'goals';
export const MEMORY_TABS: readonly MemoryTab[] = ['stm', 'ltm', 'episodic', 'beliefs', 'goals'];
export type MemorySort = 'key' | 'updated';

/** The most rows one page holds. */
export const MAX_PAGE_ROWS = 500;
/** A word search returns at most this many rows in all (best first); `capped` says when there were more. */
export const SEARCH_CAP = 1000;
/** Characters of a row's value preview; the rest is paged. */
export const ROW_PREVIEW_CHARS = 240;

export interface MemoryPageQuery {
  tab: MemoryTab;
  offset: number;
  limit: number;
  /** Keys starting with this (episodic: event types starting with it). */
  prefix?: string;
  /** Words. LTM: the runtime's full-text search, best first. Elsewhere: rows whose key or value holds every word (any case). */
  search?: string;
  /** `key` (default; episodic: newest first) or `updated` (LTM: last update; STM: most recently used first). Word searches rank by relevance. */
  sort?: MemorySort;
}

export interface MemoryRow {
  key: string;
  value: ValuePreview;
  /** Milliseconds since the epoch: LTM updated_at, an episodic event's time, an STM key's last write in this run. */
  updatedAt?: number;
  createdAt?: number;
  /** Written since the debugger's previous stop. */
  changed?: boolean;
  /** Full-text search relevance in (0, 1]. */
  score?: number;
  /** Episodic rows: the event. */
  event?: { seq: number; eventType: string; frameId: number | null; nodeId: number | null };
}

export interface MemoryPage {
  tab: MemoryTab;
  rows: MemoryRow[];
  /** Rows in the whole listing (with its prefix or search). */
  total: number;
  offset: number;
  /** A word search stopped at SEARCH_CAP rows: there may be more matches. */
  capped?: boolean;
  /** The debugger's stops so far in this run: a client compares it to know a page is from an older stop. */
  stop: number;
}

/** A run's memory, as the inspector reads it. */
export interface MemorySources {
  runId: string;
  stm: ShortTermMemory;
  aam: Aam;
  storage: StorageBackend;
  changes?: MemoryChanges;
}

/** The row previews of one page; their long values' full texts go to `pages` for `apxm/valuePage`. */
export function memoryPage(src: MemorySources, q: MemoryPageQuery, pages: PageStore): MemoryPage {
  const limit = Math.min(Math.max(0, q.limit), MAX_PAGE_ROWS);
  const offset = Math.max(0, q.offset);
  const prefix = q.prefix ?? '';
  const words = wordsOf(q.search);
  const preview = (v: Value | undefined, key: string) => previewValue(v, pages, `mem/${q.tab}/${key}`, ROW_PREVIEW_CHARS);
  const stop = src.changes?.stopCount ?? 0;
  const page = (rows: MemoryRow[], total: number, capped = false): MemoryPage => ({
    tab: q.tab,
    rows,
    total,
    offset,
    ...(capped ? { capped } : {}),
    stop,
  });
  switch (q.tab) {
    case 'ltm': {
      const changed = (key: string) => src.changes?.changed('ltm', key) === true;
      if (words.length) {
        // FTS ranks best first and has no offset: the page is cut from the first offset+limit hits
        const n = Math.min(offset + limit, SEARCH_CAP);
        const hits = src.storage.ltmSearchText(q.search ?? '', SEARCH_CAP).filter((h) => h.key.startsWith(prefix));
        const rows = hits.slice(offset, n).map((h) => ({
          key: h.key,
          value: preview(h.value, h.key),
          score: h.score,
          ...(changed(h.key) ? { changed: true } : {}),
        }));
        return page(rows, hits.length, hits.length >= SEARCH_CAP);
      }
      const rows = src.storage.ltmList(offset, limit, prefix || undefined, q.sort ?? 'key').map((e) => ({
        key: e.key,
        value: preview(e.value, e.key),
        createdAt: e.createdAt,
        updatedAt: e.updatedAt,
        ...(changed(e.key) ? { changed: true } : {}),
      }));
      return page(rows, src.storage.ltmCount(prefix || undefined));
    }
    case 'stm': {
      // Map order is recency: the most recently used key last
      let entries = src.stm.entries().filter(([k, v]) => k.startsWith(prefix) && matches(k, v, words));
      if (q.sort === 'updated') entries.reverse();
      else entries = entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const rows = entries.slice(offset, offset + limit).map(([key, v]) => {
        const at = src.changes?.writtenAt('stm', key);
        return {
          key,
          value: preview(v, key),
          ...(at !== undefined ? { updatedAt: at } : {}),
          ...(src.changes?.changed('stm', key) ? { changed: true } : {}),
        };
      });
      return page(rows, entries.length);
    }
    case 'episodic': {
      const row = (e: EpisodicEvent): MemoryRow => ({
        key: `#${e.seq} ${e.eventType}`,
        value: preview(e.payload, String(e.seq)),
        updatedAt: e.timestamp,
        event: { seq: e.seq ?? 0, eventType: e.eventType, frameId: e.frameId, nodeId: e.nodeId },
      });
      if (!prefix && !words.length) {
        const rows = src.storage.episodicQuery({ runId: src.runId, offset, limit, order: 'desc' }).map(row);
        return page(rows, src.storage.episodicCount(src.runId));
      }
      // filtered: the newest SEARCH_CAP matches of this run (the log has no index on payloads)
      const found: EpisodicEvent[] = [];
      const batch = 2000;
      for (let at = 0; found.length < SEARCH_CAP; at += batch) {
        const events = src.storage.episodicQuery({
          runId: src.runId,
          offset: at,
          limit: batch,
          order: 'desc',
          ...(prefix ? { eventType: prefix } : {}),
        });
        for (const e of events)
          if (e.eventType.startsWith(prefix) && matches(e.eventType, e.payload, words) && found.length < SEARCH_CAP) found.push(e);
        if (events.length < batch) break;
      }
      return page(found.slice(offset, offset + limit).map(row), found.length, found.length >= SEARCH_CAP);
    }
    case 'beliefs': {
      const changed = src.changes?.aamChanges(src.aam).beliefs;
      const entries = Object.entries(src.aam.beliefs())
        .filter(([k, v]) => k.startsWith(prefix) && matches(k, v, words))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const rows = entries
        .slice(offset, offset + limit)
        .map(([key, v]) => ({ key, value: preview(v, key), ...(changed?.has(key) ? { changed: true } : {}) }));
      return page(rows, entries.length);
    }
    case 'goals': {
      const changed = src.changes?.aamChanges(src.aam).goals;
      // highest priority first, as the AAM orders them
      const goals = src.aam
        .goals()
        .map((g) => [g.key, { id: g.id, description: g.description, priority: g.priority, status: g.status }] as const)
        .filter(([k, v]) => k.startsWith(prefix) && matches(k, v, words));
      if (q.sort === 'key') goals.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const rows = goals
        .slice(offset, offset + limit)
        .map(([key, v]) => ({ key, value: preview(v, key), ...(changed?.has(key) ? { changed: true } : {}) }));
      return page(rows, goals.length);
    }
  }
}

/** One write of a key: the op that wrote it and when. */
export interface MemoryWrite {
  runId: string;
  /** Written by the run the debugger shows now. */
  thisRun: boolean;
  /** Milliseconds since the epoch. */
  time: number;
  frameId?: number;
  nodeId?: number;
  nodeExecId?: string;
  flow?: string;
  op?: string;
  name?: string;
  /** Where the op is in the program's source (the file as the program named it). */
  source?: { path: string; line: number };
  /** Beliefs and goals: the AAM transition's label. */
  label?: string;
}

export interface MemoryProvenance {
  tab: MemoryTab;
  key: string;
  /** Newest first. */
  writes: MemoryWrite[];
  /** Why there are none, when there are none. */
  note?: string;
}

/** The newest writes of one key (at most `limit`): STM and LTM from the episodic log, beliefs and goals from the AAM's log. */
export function memoryProvenance(src: MemorySources, tab: MemoryTab, key: string, limit = 10): MemoryProvenance {
  const out: MemoryProvenance = { tab, key, writes: [] };
  if (tab === 'stm' || tab === 'ltm') {
    const batch = 200;
    const isThisKey = (e: EpisodicEvent) => {
      const p = e.payload as Record<string, Value> | null;
      return e.eventType === MEMORY_WRITE && p?.tier === tab && p.key === key;
    };
    // an STM key lives in this run; an LTM key may have been written by any run in the database
    for (let at = 0; out.writes.length < limit && at < 50 * batch; at += batch) {
      const events = src.storage.episodicQuery({
        ...(tab === 'stm' ? { runId: src.runId } : {}),
        eventType: MEMORY_WRITE, // a substring match: every write comes, of this key or another
        order: 'desc',
        offset: at,
        limit: batch,
      });
      for (const e of events) if (isThisKey(e) && out.writes.length < limit) out.writes.push(writeOf(e, src.runId));
      if (events.length < batch) break;
    }
    if (!out.writes.length)
      out.note =
        tab === 'ltm'
          ? `no recorded write of LTM key '${key}': it was written by a run whose trace is not in this database, or before memory writes were recorded`
          : `no recorded write of STM key '${key}' in this run`;
    return out;
  }
  if (tab === 'beliefs' || tab === 'goals') {
    const transitions = src.aam.transitions();
    for (let i = transitions.length - 1; i >= 0 && out.writes.length < limit; i--) {
      const t = transitions[i];
      const hit = tab === 'beliefs' ? t.beliefs?.some((b) => b.key === key) : t.goals?.some((g) => g.goal.key === key);
      if (hit)
        out.writes.push({
          runId: src.runId,
          thisRun: true,
          time: t.timestamp,
          label: t.label,
          ...(t.nodeId !== undefined ? { nodeId: t.nodeId } : {}),
        });
    }
    if (!out.writes.length)
      out.note = `no change of ${tab === 'beliefs' ? 'belief' : 'goal'} '${key}' in this run's AAM log (it keeps the latest 1,000)`;
    return out;
  }
  throw new ApxmError('E_MEMORY_TIER', `provenance is for STM, LTM, belief and goal keys, not '${tab}'`, {
    hint: 'an episodic row names its op itself (its node and time)',
  });
}

function writeOf(e: EpisodicEvent, runId: string): MemoryWrite {
  const p = (e.payload ?? {}) as Record<string, Value>;
  const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
  const file = str('file');
  const line = typeof p.line === 'number' ? p.line : undefined;
  return {
    runId: e.runId,
    thisRun: e.runId === runId,
    time: e.timestamp,
    ...(e.frameId !== null ? { frameId: e.frameId } : {}),
    ...(e.nodeId !== null ? { nodeId: e.nodeId } : {}),
    ...(e.frameId !== null && e.nodeId !== null ? { nodeExecId: `${e.runId}:${e.frameId}:${e.nodeId}` } : {}),
    ...(str('flow') ? { flow: str('flow') } : {}),
    ...(str('op') ? { op: str('op') } : {}),
    ...(str('name') ? { name: str('name') } : {}),
    ...(file && line !== undefined ? { source: { path: file, line } } : {}),
  };
}

/** Lower-case words of a search. */
function wordsOf(search: string | undefined): string[] {
  return (search ?? '')
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w.length > 0);
}

/** Every word is in the key or the value's text (any case). */
function matches(key: string, v: Value, words: string[]): boolean {
  if (!words.length) return true;
  const text = `${key}\n${valueText(v)}`.toLowerCase();
  return words.every((w) => text.includes(w));
}
