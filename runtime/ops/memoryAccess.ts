/** Reads, writes and searches of the three tiers, each reported as a memory event. */
import { ApxmError } from '../errors.js';
import type { SearchHit } from '../memory/storage.js';
import type { Value } from '../values/value.js';
import type { OpContext } from './opContext.js';

export type Tier = 'stm' | 'ltm' | 'episodic';

export function parseTier(raw: string | undefined): Tier {
  const t = (raw ?? 'stm').toLowerCase();
  if (t === 'stm' || t === 'ltm' || t === 'episodic') return t;
  throw new ApxmError('E_MEMORY_TIER', `unknown memory tier "${raw}"`, { hint: 'use "stm" (working memory), "ltm" (persistent) or "episodic" (the execution log)' });
}

export function writeMemory(ctx: OpContext, tier: Tier, key: string, value: Value): void {
  const s = ctx.services;
  if (tier === 'stm') s.stm.set(key, value);
  else if (tier === 'ltm') s.storage.ltmPut(key, value, s.now());
  else recordEpisode(ctx, key, value);
  if (ctx.emit && tier !== 'episodic') ctx.emit('memory:write', { runId: ctx.runId, nodeExecId: ctx.nodeExecId, tier, key, value });
}

export function readMemory(ctx: OpContext, tier: Exclude<Tier, 'episodic'>, key: string): Value | undefined {
  const s = ctx.services;
  const v = tier === 'stm' ? s.stm.get(key) : s.storage.ltmGet(key)?.value;
  ctx.emit('memory:read', { runId: ctx.runId, nodeExecId: ctx.nodeExecId, tier, key, hits: v === undefined ? 0 : 1 });
  return v;
}

/** Appends to the episodic log (batched when the recorder is on). */
export function recordEpisode(ctx: OpContext, eventType: string, payload: Value): void {
  const s = ctx.services;
  const ev = { runId: ctx.runId, nodeExecId: ctx.nodeExecId, nodeId: ctx.node.id, eventType, payload, timestamp: s.now() };
  if (s.recorder) s.recorder.record(ev);
  else s.storage.episodicAppend([ev]);
  ctx.emit('memory:write', { runId: ctx.runId, nodeExecId: ctx.nodeExecId, tier: 'episodic', key: eventType, value: payload });
}

/**
 * STM: key substring. LTM: key substring first, then full-text (FTS5) hits, best first.
 * Episodic: events of this run whose type contains the query, newest first.
 */
export function searchMemory(ctx: OpContext, tier: Tier, query: string, limit: number, mode: 'auto' | 'key' | 'text' = 'auto'): SearchHit[] {
  const s = ctx.services;
  let hits: SearchHit[];
  if (limit <= 0) hits = [];
  else if (tier === 'stm') hits = s.stm.search(query, limit);
  else if (tier === 'ltm') {
    hits = mode === 'text' ? [] : s.storage.ltmSearchKeys(query, limit);
    if (mode !== 'key' && hits.length < limit && query.trim()) {
      const seen = new Set(hits.map((h) => h.key));
      for (const h of s.storage.ltmSearchText(query, limit)) {
        if (hits.length >= limit) break;
        if (!seen.has(h.key)) hits.push(h);
      }
    }
  } else {
    s.recorder?.flush();
    hits = s.storage
      .episodicQuery({ runId: ctx.runId, eventType: query, limit, order: 'desc' })
      .map((e) => ({ key: `${e.eventType}#${e.seq}`, value: { event_type: e.eventType, node_id: e.nodeId, payload: e.payload, timestamp: e.timestamp }, score: 1 }));
  }
  ctx.emit('memory:read', { runId: ctx.runId, nodeExecId: ctx.nodeExecId, tier, query, hits: hits.length });
  return hits;
}
