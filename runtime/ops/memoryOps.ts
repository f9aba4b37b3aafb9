/** QMEM and UMEM, with real full-text search for LTM. */
import type { Value } from '../values/value.js';
import { parseTier, searchMemory, writeMemory } from './memoryAccess.js';
import type { OpHandler } from './opContext.js';
import { fillString, interpolate, templateVars } from './templateVars.js';

export const qmem: OpHandler = (ctx) => {
  const raw = ctx.attrs.string('query', { required: true, hint: 'set "query" to a key substring or search words' }) as string;
  const query = fillString(ctx, raw);
  const tier = parseTier(ctx.attrs.string(['memory_tier', 'space']));
  const limit = ctx.attrs.number('limit', { min: 0, integer: true }) ?? ctx.attrs.number('k', { min: 0, integer: true }) ?? 10;
  const modeRaw = ctx.attrs.string('mode') ?? 'auto';
  const mode = modeRaw === 'key' || modeRaw === 'text' ? modeRaw : 'auto';
  const hits = searchMemory(ctx, tier, query, limit, mode);
  const out: Value = hits.map((h) => ({ key: h.key, value: h.value, score: h.score }));
  const stagingId = ctx.attrs.string('staging_id') ?? `${ctx.runId}:${ctx.node.id}`;
  ctx.services.aam.setBelief(`_stage:${stagingId}`, out, 'QMem', ctx.node.id);
  return out;
};

export const umem: OpHandler = (ctx) => {
  const rawKey = ctx.attrs.string('key', { required: true, hint: 'set "key" to the memory key to write' }) as string;
  const key = fillString(ctx, rawKey);
  const tier = parseTier(ctx.attrs.string(['memory_tier', 'space']));
  let value: Value;
  if (ctx.inputs.length) value = ctx.inputs[0];
  else {
    const v = ctx.attrs.raw('value') ?? null;
    value = typeof v === 'string' && v.includes('{{') ? interpolate(v, templateVars(ctx, v)) : v;
  }
  writeMemory(ctx, tier, key, value);
  ctx.services.aam.setBelief(key, value, 'UMem', ctx.node.id);
  return value;
};
