/**
 * The run's token and cost limits: exception filters with a condition (the limit), as the Breakpoints
 * view offers them. Each stops the run once, after the LLM reply that takes its total past the limit;
 * the totals are summed here from `llm:response`, so no limit costs anything while none is set.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { RuntimeEvents } from '../runtime/events.js';
import { formatCost } from '../runtime/llm/costText.js';

export const LIMIT_FILTERS: DebugProtocol.ExceptionBreakpointsFilter[] = [
  {
    filter: 'tokenLimit',
    label: 'Run tokens over a limit',
    default: false,
    supportsCondition: true,
    conditionDescription: 'the most tokens the run may use before it stops, e.g. 50000 or 50k',
    description: 'stop once, after the LLM reply that takes the run past this many tokens (Edit Condition sets the limit)',
  },
  {
    filter: 'costLimit',
    label: 'Run cost over a limit',
    default: false,
    supportsCondition: true,
    conditionDescription: 'the most US dollars the run may cost before it stops, e.g. 0.50',
    description: 'stop once, after the LLM reply that takes the run past this cost, by the price table and apxm.llm.prices',
  },
];

export type LimitFilter = 'tokenLimit' | 'costLimit';

export const isLimitFilter = (id: string): id is LimitFilter => id === 'tokenLimit' || id === 'costLimit';

/** A limit as typed in the condition box: `50000`, `50,000`, `50k`, `1.5M` tokens; `0.5`, `$0.50` dollars. */
export function parseLimit(filter: LimitFilter, condition: string | undefined): number | string {
  const text = (condition ?? '').trim();
  const what = filter === 'tokenLimit' ? 'a number of tokens, e.g. 50000 or 50k' : 'a number of US dollars, e.g. 0.50';
  if (!text) return `set the limit with Edit Condition: ${what}`;
  const m = filter === 'tokenLimit' ? /^(\d[\d,_]*(?:\.\d+)?)\s*([kKmM]?)$/.exec(text) : /^\$?\s*(\d[\d,_]*(?:\.\d+)?|\.\d+)()$/.exec(text);
  const n = m ? Number(m[1].replace(/[,_]/g, '')) * (m[2].toLowerCase() === 'k' ? 1e3 : m[2].toLowerCase() === 'm' ? 1e6 : 1) : NaN;
  if (!Number.isFinite(n)) return `'${text}' is not a limit: write ${what}`;
  return n;
}

/** What a limit's stop says: the total and the limit. */
export interface LimitStop {
  filter: LimitFilter;
  message: string;
}

/** A limit as the user wrote it: `$0.50`, `$2`, `$0.125`. */
const dollars = (n: number): string => `$${Number.isInteger(n * 100) && !Number.isInteger(n) ? n.toFixed(2) : String(n)}`;

export class RunLimits {
  private limits = new Map<LimitFilter, number>();
  private tokens = 0;
  private cost = 0;
  private readonly fired = new Set<LimitFilter>();
  /** Models with no price, said once each while the cost limit is on. */
  private readonly unpriced = new Set<string>();

  /** The limits in force; what was wrong with each option, by position (undefined: accepted). */
  set(options: { filterId: LimitFilter; condition?: string }[]): (string | undefined)[] {
    this.limits = new Map();
    return options.map((o) => {
      const limit = parseLimit(o.filterId, o.condition);
      if (typeof limit === 'string') return limit;
      this.limits.set(o.filterId, limit);
      return undefined;
    });
  }

  get active(): boolean {
    return this.limits.size > 0;
  }

  /** A new run: its totals start from 0, and each limit may stop it again. */
  reset(): void {
    this.tokens = this.cost = 0;
    this.fired.clear();
    this.unpriced.clear();
  }

  /**
   * One LLM reply: adds it to the totals and answers the limit it takes the run past (the first not
   * yet passed), and a note when the cost limit cannot count it (a model with no price).
   */
  onResponse(e: RuntimeEvents['llm:response']): { stop?: LimitStop; note?: string } {
    this.tokens += e.usage.totalTokens;
    if (e.cost !== undefined) this.cost += e.cost;
    if (!this.active) return {};
    let note: string | undefined;
    if (e.cost === undefined && this.limits.has('costLimit') && !this.unpriced.has(e.model)) {
      this.unpriced.add(e.model);
      note = `cost limit: model '${e.model}' has no price, so its calls count as $0 (add it to apxm.llm.prices)`;
    }
    const tokenLimit = this.limits.get('tokenLimit');
    if (tokenLimit !== undefined && !this.fired.has('tokenLimit') && this.tokens > tokenLimit) {
      this.fired.add('tokenLimit');
      const n = (x: number) => x.toLocaleString('en-US');
      return {
        stop: { filter: 'tokenLimit', message: `the run has used ${n(this.tokens)} tokens, over its limit of ${n(tokenLimit)}` },
        note,
      };
    }
    const costLimit = this.limits.get('costLimit');
    if (costLimit !== undefined && !this.fired.has('costLimit') && this.cost > costLimit) {
      this.fired.add('costLimit');
      return {
        stop: { filter: 'costLimit', message: `the run has cost ${formatCost(this.cost)}, over its limit of ${dollars(costLimit)}` },
        note,
      };
    }
    return { note };
  }
}
