/** What LOOP_START's handler returns: the items its iterations run over, and an optional condition. */
import type { Value } from '../values/value.js';

export class LoopPlan {
  constructor(
    /** One entry per iteration (the item bound to edges out of LOOP_START). */
    readonly items: Value[],
    /** `while` condition on each iteration's value (GUARD syntax); the loop stops when it fails. */
    readonly whileCondition?: string,
    readonly untilCondition?: string,
  ) {}
}
