/**
 * MemorySystem: the three AAM memory tiers of one run behind one object. STM is the run's
 * working set, LTM and Episodic live in the storage backend (shared by every run of a runtime).
 * Ops reach memory through it (ops/memoryAccess.ts adds the events); the debugger's memory
 * inspector reads through it too.
 */
import { ApxmError } from '../errors.js';
import type { Value } from '../values/value.js';
import type { EpisodicRecorder } from './episodicRecorder.js';
import type { ShortTermMemory } from './shortTermMemory.js';
import type { EpisodicEvent, EpisodicQuery, SearchHit, StorageBackend } from './storage.js';

export type Tier = 'stm' | 'ltm' | 'episodic';
export type SearchMode = 'auto' | 'key' | 'text';

export const TIERS: readonly Tier[] = ['stm', 'ltm', 'episodic'];

export function isTier(s: string): s is Tier {
  return (TIERS as readonly string[]).includes(s);
}

export function parseTier(raw: string | undefined): Tier {
  const t = (raw ?? 'stm').toLowerCase();
  if (isTier(t)) return t;
  throw new ApxmError('E_MEMORY_TIER', `unknown memory tier "${raw}"`, {
    hint: 'use "stm" (working memory), "ltm" (persistent) or "episodic" (the execution log)',
  });
}

export class MemorySystem {
  constructor(
    readonly runId: string,
    readonly stm: ShortTermMemory,
    readonly storage: StorageBackend,
    private readonly recorder?: EpisodicRecorder,
    private readonly now: () => number = Date.now,
  ) {}

  read(tier: Exclude<Tier, 'episodic'>, key: string): Value | undefined {
    return tier === 'stm' ? this.stm.get(key) : this.storage.ltmGet(key)?.value;
  }

  /** STM and LTM upsert by key; on the episodic tier the key is the event type and the value is appended. */
  write(tier: Tier, key: string, value: Value, node?: { frameId: number; nodeId: number }): void {
    if (key === '') throw new ApxmError('E_MEMORY', 'memory key must not be empty', { hint: 'give UMEM a non-empty `key` attribute' });
    if (tier === 'stm') this.stm.set(key, value);
    else if (tier === 'ltm') this.storage.ltmPut(key, value, this.now());
    else
      this.append({
        runId: this.runId,
        frameId: node?.frameId ?? null,
        nodeId: node?.nodeId ?? null,
        eventType: key,
        payload: value,
        timestamp: this.now(),
      });
  }

  append(event: EpisodicEvent): void {
    if (this.recorder) this.recorder.record(event);
    else this.storage.episodicAppend([event]);
  }

  /** This run's episodic events (pending batched writes are flushed first). */
  episodes(query: Omit<EpisodicQuery, 'runId'> = {}): EpisodicEvent[] {
    this.recorder?.flush();
    return this.storage.episodicQuery({ ...query, runId: this.runId });
  }

  /**
   * STM: key substring. LTM: exact/prefix/substring key hits first, then full-text (FTS5) hits,
   * best first (`mode` narrows to one). Episodic: this run's events whose type contains the
   * query, newest first.
   */
  search(tier: Tier, query: string, limit: number, mode: SearchMode = 'auto'): SearchHit[] {
    if (limit <= 0) return [];
    if (tier === 'stm') return this.stm.search(query, limit);
    if (tier === 'ltm') {
      const hits = mode === 'text' ? [] : this.storage.ltmSearchKeys(query, limit);
      if (mode !== 'key' && hits.length < limit && query.trim()) {
        const seen = new Set(hits.map((h) => h.key));
        for (const h of this.storage.ltmSearchText(query, limit)) {
          if (hits.length >= limit) break;
          if (!seen.has(h.key)) hits.push(h);
        }
      }
      return hits;
    }
    return this.episodes({ eventType: query, limit, order: 'desc' }).map((e) => ({
      key: `${e.eventType}#${e.seq}`,
      value: { event_type: e.eventType, node_id: e.nodeId, payload: e.payload, timestamp: e.timestamp },
      score: 1,
    }));
  }

  flush(): void {
    this.recorder?.flush();
  }
}
