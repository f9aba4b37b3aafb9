/**
 * The allowed ranges of numeric attributes whose runtime limits are fixed: checked when a program
 * loads (graph JSON in validateFlow, AIS named arguments in the checker) and again when an op
 * reads them, so an out-of-range value is an error naming the range, never silently clamped.
 */
import type { OpName } from './opCatalogue.js';

/** The longest delay Node's timers take: a longer one fires at once (with a TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface NumberRange {
  min: number;
  max: number;
  integer?: boolean;
}

/** `timeout_ms` of any node: the scheduler's per-node timer. */
export const TIMEOUT_MS_RANGE: NumberRange = { min: 1, max: MAX_TIMER_MS };
/** EXC's `memory_mb`: the sandbox's memory limit. */
export const EXC_MEMORY_MB_RANGE: NumberRange = { min: 1, max: 1024 };

/** The range of `key` on an `op` node, when it has a fixed one. */
export function attributeRange(op: OpName, key: string): NumberRange | undefined {
  if (key === 'timeout_ms') return TIMEOUT_MS_RANGE;
  if (op === 'EXC' && key === 'memory_mb') return EXC_MEMORY_MB_RANGE;
  return undefined;
}

/** "from 1 to 1024": the range as a message and a hint say it. */
export function rangeText(r: NumberRange): string {
  return `${r.integer ? 'an integer' : 'a number'} from ${r.min} to ${r.max}`;
}

export function inRange(v: unknown, r: NumberRange): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= r.min && v <= r.max && (!r.integer || Number.isInteger(v));
}
