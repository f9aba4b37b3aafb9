/**
 * The runs recorded in a database as a listing shows them (`apxm runs --json`, the extension's
 * Runs tree): program, entry flow, start, status (`interrupted` for a running run whose owner is
 * gone), duration, tokens and cost. Reads only: never takes a lease, never writes.
 */
import { displayStatus, type RunDisplayStatus } from '../memory/runLease.js';
import type { RunRecord, StorageBackend } from '../memory/storage.js';
import type { Value } from '../values/value.js';
import { CostSum, recordedCallCost } from './recordedCost.js';

export interface RunOwner {
  host: string;
  pid: number;
  startedAt: number;
  heartbeatAt: number;
  expiresAt: number;
}

export interface RunSummary {
  runId: string;
  program: string;
  entryFlow: string;
  status: RunDisplayStatus;
  startedAt: number;
  finishedAt?: number;
  /** finishedAt - startedAt, once the run has finished. */
  durationMs?: number;
  /** LLM tokens of the whole run (so far, while it runs). */
  tokens: number;
  llmCalls: number;
  /** US dollars of the LLM calls; absent when one call's model had no price. */
  cost?: number;
  args: Value;
  result?: Value;
  error?: Value;
  /** Who runs it, without the lease token. */
  owner?: RunOwner;
}

export interface RunListOptions {
  limit?: number;
  offset?: number;
  now?: number;
}

/** Rows read per page when totals are summed from the LLM calls (recordings older than run_end's totals, or a run still going). */
const PAGE = 1000;

export function runList(storage: StorageBackend, options: RunListOptions = {}): RunSummary[] {
  const now = options.now ?? Date.now();
  return storage.runList(options.limit ?? 20, options.offset ?? 0).map((r) => runSummary(storage, r, now));
}

/** One run's summary, or undefined when the database has no such run. */
export function runSummaryOf(storage: StorageBackend, runId: string, now = Date.now()): RunSummary | undefined {
  const r = storage.runGet(runId);
  return r && runSummary(storage, r, now);
}

function runSummary(storage: StorageBackend, r: RunRecord, now: number): RunSummary {
  const { lease, status: _, ...rest } = r;
  const totals = runTotals(storage, r.runId);
  return {
    ...rest,
    status: displayStatus(r, now),
    ...(r.finishedAt !== undefined ? { durationMs: Math.max(0, r.finishedAt - r.startedAt) } : {}),
    ...totals,
    ...(lease
      ? {
          owner: {
            host: lease.host,
            pid: lease.pid,
            startedAt: lease.startedAt,
            heartbeatAt: lease.heartbeatAt,
            expiresAt: lease.expiresAt,
          },
        }
      : {}),
  };
}

/** From the run_end event's totals (one row, read from the end); else the sum of the recorded LLM calls. */
function runTotals(storage: StorageBackend, runId: string): { tokens: number; llmCalls: number; cost?: number } {
  const [end] = storage.episodicQuery({ runId, eventType: 'run_end', order: 'desc', limit: 1 });
  const p = end?.payload;
  // run_end has had a cost since costs were recorded; before that, the calls are summed for it
  if (isObject(p) && typeof p.tokens === 'number' && typeof p.llm_calls === 'number' && 'cost' in p)
    return { tokens: p.tokens, llmCalls: p.llm_calls, ...(typeof p.cost === 'number' ? { cost: p.cost } : {}) };
  let tokens = 0;
  const cost = new CostSum();
  for (let page = storage.episodicQuery({ runId, eventType: 'llm_call', order: 'asc', limit: PAGE }); ;) {
    for (const e of page) {
      if (e.eventType !== 'llm_call') continue;
      cost.add(recordedCallCost(e.payload));
      const t = isObject(e.payload) ? e.payload.total_tokens : undefined;
      if (typeof t === 'number') tokens += t;
    }
    if (page.length < PAGE) break;
    page = storage.episodicQuery({ runId, eventType: 'llm_call', order: 'asc', limit: PAGE, afterSeq: page[page.length - 1].seq });
  }
  const total = cost.total;
  return { tokens, llmCalls: cost.calls, ...(total !== undefined ? { cost: total } : {}) };
}

const isObject = (v: Value | undefined): v is Record<string, Value> => v !== null && typeof v === 'object' && !Array.isArray(v);
