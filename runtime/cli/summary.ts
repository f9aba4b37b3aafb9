/** The one-screen run summary and result printing of `apxm run`. */
import type { RunStats } from '../events.js';
import { formatCost } from '../llm/costText.js';
import { PRICES_AS_OF } from '../llm/prices.js';
import { durationText } from '../query/durationText.js';
import { display, type Value } from '../values/value.js';

export function formatResult(v: Value | undefined): string {
  if (v === undefined) return '(no result)';
  return typeof v === 'string' ? v : display(v);
}

export function formatSummary(s: RunStats, status: string, provider: string): string {
  const lines = [
    `── run ${status} in ${durationText(s.durationMs)}`,
    `   nodes      ${s.nodesExecuted} executed, ${s.nodesSkipped} skipped, ${s.nodesFailed} failed (of ${s.nodesTotal} in ${s.frames} frame${s.frames === 1 ? '' : 's'})`,
    `   parallel   max ${s.maxParallelism}, average ${s.avgParallelism.toFixed(2)}`,
    `   llm        ${s.llmCalls} call${s.llmCalls === 1 ? '' : 's'} (${provider}), ${s.totalTokens} tokens (${s.inputTokens} in / ${s.outputTokens} out)${s.retries ? `, ${s.retries} retries` : ''}`,
  ];
  // no line when a call's model had no price: a partial sum would understate what the run cost
  if (s.cost !== undefined && s.llmCalls > 0)
    lines.push(`   cost       ${formatCost(s.cost)} (price table of ${PRICES_AS_OF}, or llm.prices)`);
  return lines.join('\n');
}
