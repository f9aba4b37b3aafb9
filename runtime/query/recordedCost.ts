/**
 * What a recorded LLM call cost. Since costs are recorded, an `llm_call` event carries `cost`
 * (US dollars; `null` when its model had no price at the time); a recording made before that is
 * priced now by the built-in table, from the model and tokens it kept.
 */
import { BUILTIN_PRICES, callCost } from '../llm/prices.js';
import type { Value } from '../values/value.js';

/** The call's cost in US dollars, or undefined when it has none (a model without a price). */
export function recordedCallCost(payload: Value | undefined): number | undefined {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  if ('cost' in payload) return typeof payload.cost === 'number' && Number.isFinite(payload.cost) ? payload.cost : undefined;
  const { model, input_tokens: input, output_tokens: output } = payload;
  if (typeof model !== 'string' || typeof input !== 'number' || typeof output !== 'number') return undefined;
  return callCost(
    model,
    { inputTokens: input, outputTokens: output, totalTokens: input + output },
    payload.simulated === true,
    BUILTIN_PRICES,
  );
}

/** Sums calls' costs: one call without a price leaves the sum undefined (a partial sum would understate it). */
export class CostSum {
  private sum = 0;
  private unpriced = false;
  calls = 0;

  add(cost: number | undefined): void {
    this.calls++;
    if (cost === undefined) this.unpriced = true;
    else this.sum += cost;
  }

  /** The total, or undefined once a call had no price. */
  get total(): number | undefined {
    return this.unpriced ? undefined : this.sum;
  }

  get hasUnpriced(): boolean {
    return this.unpriced;
  }
}
