/** The 32 AIS operations: names, families, latency classes, wire indices. */
import type { LatencyClass } from '../llm/types.js';

export const OP_NAMES = [
  'AGENT',
  'QMEM',
  'UMEM',
  'ASK',
  'THINK',
  'REASON',
  'PLAN',
  'REFLECT',
  'VERIFY',
  'INV',
  'EXC',
  'PRINT',
  'JUMP',
  'BRANCH_ON_VALUE',
  'LOOP_START',
  'LOOP_END',
  'RETURN',
  'SWITCH',
  'FLOW_CALL',
  'MERGE',
  'FENCE',
  'WAIT_ALL',
  'TRY_CATCH',
  'ERR',
  'COMMUNICATE',
  'UPDATE_GOAL',
  'GUARD',
  'CLAIM',
  'PAUSE',
  'RESUME',
  'CONST_STR',
  'YIELD',
] as const;

export type OpName = (typeof OP_NAMES)[number];

export type OpFamily = 'llm' | 'tools' | 'memory' | 'control' | 'sync' | 'multiAgent' | 'coordination' | 'basic';

export interface OpInfo {
  name: OpName;
  /** Rust variant name used in episodic event types (`operation_completed:QMem`). */
  debugName: string;
  family: OpFamily;
  latency: LatencyClass;
  /** Integer op code in compiled artifacts; undefined for ops without one. */
  wireIndex?: number;
  description: string;
}

const op = (
  name: OpName,
  debugName: string,
  family: OpFamily,
  latency: LatencyClass,
  wireIndex: number | undefined,
  description: string,
): OpInfo => ({ name, debugName, family, latency, wireIndex, description });

export const OP_CATALOGUE: Readonly<Record<OpName, OpInfo>> = {
  AGENT: op('AGENT', 'Agent', 'basic', 'None', undefined, 'Agent metadata (no-op at run time)'),
  QMEM: op('QMEM', 'QMem', 'memory', 'Low', 2, 'Query a memory tier by key or full text'),
  UMEM: op('UMEM', 'UMem', 'memory', 'Low', 3, 'Write a value to a memory tier'),
  ASK: op('ASK', 'Ask', 'llm', 'Medium', 1, 'Ask the LLM a question'),
  THINK: op('THINK', 'Think', 'llm', 'High', 23, 'Extended reasoning with the LLM'),
  REASON: op('REASON', 'Reason', 'llm', 'Medium', 24, 'Structured reasoning that may update beliefs and goals'),
  PLAN: op('PLAN', 'Plan', 'llm', 'High', 4, 'Decompose a goal into steps, optionally running a generated sub-graph'),
  REFLECT: op('REFLECT', 'Reflect', 'llm', 'Medium', 10, "Reflect on the run's own execution history"),
  VERIFY: op('VERIFY', 'Verify', 'llm', 'Medium', 11, 'Check a claim against evidence'),
  INV: op('INV', 'Inv', 'tools', 'Medium', 0, 'Invoke a registered capability (tool)'),
  EXC: op('EXC', 'Exc', 'tools', 'Low', 8, 'Run code in a sandbox'),
  PRINT: op('PRINT', 'Print', 'basic', 'None', 22, 'Print a message'),
  JUMP: op('JUMP', 'Jump', 'control', 'None', 14, 'Pass a value along an unconditional edge'),
  BRANCH_ON_VALUE: op('BRANCH_ON_VALUE', 'BranchOnValue', 'control', 'None', 15, 'Route to the true or false branch'),
  LOOP_START: op('LOOP_START', 'LoopStart', 'control', 'None', 16, 'Start a bounded loop'),
  LOOP_END: op('LOOP_END', 'LoopEnd', 'control', 'None', 17, "End of a loop body; collects each iteration's value"),
  RETURN: op('RETURN', 'Return', 'control', 'None', 13, "Return the flow's result"),
  SWITCH: op('SWITCH', 'Switch', 'control', 'None', 20, 'Route to the case matching a value'),
  FLOW_CALL: op('FLOW_CALL', 'FlowCall', 'multiAgent', 'High', 21, "Call another agent's flow"),
  MERGE: op('MERGE', 'Merge', 'sync', 'None', 6, 'Join values (also joins branches: skipped inputs are left out)'),
  FENCE: op('FENCE', 'Fence', 'sync', 'None', 7, 'Memory barrier: flushes pending memory writes'),
  WAIT_ALL: op('WAIT_ALL', 'WaitAll', 'sync', 'None', 5, 'Wait for all inputs'),
  TRY_CATCH: op('TRY_CATCH', 'TryCatch', 'control', 'None', 18, 'Run the catch region when the try region fails'),
  ERR: op('ERR', 'Err', 'control', 'Medium', 12, 'Raise an error'),
  COMMUNICATE: op('COMMUNICATE', 'Communicate', 'multiAgent', 'Medium', 9, 'Send a message to another agent'),
  UPDATE_GOAL: op('UPDATE_GOAL', 'UpdateGoal', 'coordination', 'None', undefined, "Set, remove or clear the agent's goals"),
  GUARD: op('GUARD', 'Guard', 'control', 'None', undefined, 'Check a condition: halt or skip when it fails'),
  CLAIM: op('CLAIM', 'Claim', 'coordination', 'Low', undefined, 'Claim a task from a work queue'),
  PAUSE: op('PAUSE', 'Pause', 'coordination', 'High', undefined, 'Pause for human input'),
  RESUME: op('RESUME', 'Resume', 'coordination', 'High', undefined, 'Resume from a checkpoint'),
  CONST_STR: op('CONST_STR', 'ConstStr', 'basic', 'None', 19, 'A constant string'),
  YIELD: op('YIELD', 'Yield', 'control', 'None', undefined, "Yield a region's value"),
};

export function isOpName(s: unknown): s is OpName {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(OP_CATALOGUE, s);
}

/** Weight of an op on the critical path, in milliseconds (the analyzer's latency model). */
export const LATENCY_WEIGHT_MS: Record<LatencyClass, number> = { None: 10, Low: 100, Medium: 1000, High: 5000 };

/** Ops that join: they run when at least one input is live and leave skipped inputs out. */
export const JOIN_OPS: ReadonlySet<OpName> = new Set<OpName>(['MERGE', 'WAIT_ALL']);

/** Closest op name for "did you mean" hints. */
export function suggestOp(name: string): OpName | undefined {
  const upper = name.toUpperCase().replace(/[-\s]/g, '_');
  if (isOpName(upper)) return upper;
  let best: OpName | undefined;
  let bestD = Infinity;
  for (const n of OP_NAMES) {
    const d = editDistance(upper, n);
    if (d < bestD) {
      bestD = d;
      best = n;
    }
  }
  return bestD <= 3 ? best : undefined;
}

/** Strings longer than this are never "close" to anything: suggestions stay O(1) per pair. */
const MAX_SUGGESTABLE = 64;

/** Levenshtein distance; for names too long to be a typo of anything it is just "far". */
export function editDistance(a: string, b: string): number {
  if (a.length > MAX_SUGGESTABLE || b.length > MAX_SUGGESTABLE) return Math.max(a.length, b.length);
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}
