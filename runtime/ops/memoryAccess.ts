/** Reads, writes and searches of the three tiers through the run's MemorySystem, each reported as a memory event. */
import { parseTier, type SearchMode, type Tier } from '../memory/memorySystem.js';
import type { SearchHit } from '../memory/storage.js';
import type { Value } from '../values/value.js';
import type { OpContext } from './opContext.js';

export { parseTier, type Tier };

export function writeMemory(ctx: OpContext, tier: Tier, key: string, value: Value): void {
  ctx.services.memory.write(tier, key, value, { frameId: ctx.frameId, nodeId: ctx.node.id });
  ctx.emit('memory:write', { runId: ctx.runId, nodeExecId: ctx.nodeExecId, tier, key, value });
}

export function readMemory(ctx: OpContext, tier: Exclude<Tier, 'episodic'>, key: string): Value | undefined {
  const v = ctx.services.memory.read(tier, key);
  ctx.emit('memory:read', { runId: ctx.runId, nodeExecId: ctx.nodeExecId, tier, key, hits: v === undefined ? 0 : 1 });
  return v;
}

/** Appends to the episodic log (batched when the recorder is on). */
export function recordEpisode(ctx: OpContext, eventType: string, payload: Value): void {
  writeMemory(ctx, 'episodic', eventType, payload);
}

export function searchMemory(ctx: OpContext, tier: Tier, query: string, limit: number, mode: SearchMode = 'auto'): SearchHit[] {
  const hits = ctx.services.memory.search(tier, query, limit, mode);
  ctx.emit('memory:read', { runId: ctx.runId, nodeExecId: ctx.nodeExecId, tier, query, hits: hits.length });
  return hits;
}
