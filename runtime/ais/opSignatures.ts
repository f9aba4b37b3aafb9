/**
 * What each built-in AIS call takes: positional arguments and named arguments
 * (an extension of upstream's AIS). The checker, the lowering, hover and completion in the
 * language server all read this one table.
 */
import type { OpName } from '../graph/opCatalogue.js';

export interface ArgSpec {
  name: string;
  /** 'text': a prompt or template (literal or `+` concatenation); 'value': any value; 'literal': a literal only. */
  kind: 'text' | 'value' | 'literal';
  optional?: boolean;
  /** Takes every remaining positional argument. */
  rest?: boolean;
  doc: string;
}

export interface NamedArgSpec {
  name: string;
  type: 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'any';
  doc: string;
}

export interface OpSignature {
  op: OpName;
  args: ArgSpec[];
  named: NamedArgSpec[];
  /** Whether the call yields a value worth binding (`print` yields its text, but nobody binds it). */
  producesValue: boolean;
  /** Runs a side effect: ordered after earlier side effects in source order. */
  effect: boolean;
}

const LLM_NAMED: NamedArgSpec[] = [
  { name: 'temperature', type: 'number', doc: 'sampling temperature, 0–2' },
  { name: 'model', type: 'string', doc: 'model name for this call (overrides the configured model)' },
  { name: 'max_tokens', type: 'integer', doc: 'upper bound on tokens in the reply' },
  { name: 'token_budget', type: 'integer', doc: 'fail the op when the run has used more tokens than this' },
  { name: 'system_prompt', type: 'string', doc: 'system prompt for this call (overrides the agent context)' },
];
const prompt: ArgSpec = { name: 'prompt', kind: 'text', doc: 'the prompt; `+` joins text and values' };
const context: ArgSpec = {
  name: 'context',
  kind: 'value',
  optional: true,
  rest: true,
  doc: 'values appended to the prompt as "Context N:" lines',
};
const tier: ArgSpec = { name: 'tier', kind: 'literal', optional: true, doc: 'memory tier: "stm" (default), "ltm" or "episodic"' };

export const OP_SIGNATURES: Readonly<Partial<Record<OpName, OpSignature>>> = {
  ASK: { op: 'ASK', args: [prompt, context], named: LLM_NAMED, producesValue: true, effect: false },
  THINK: {
    op: 'THINK',
    args: [prompt, context],
    named: [...LLM_NAMED, { name: 'budget', type: 'integer', doc: 'reasoning token budget' }],
    producesValue: true,
    effect: false,
  },
  REASON: { op: 'REASON', args: [prompt, context], named: LLM_NAMED, producesValue: true, effect: false },
  PLAN: {
    op: 'PLAN',
    args: [{ name: 'goal', kind: 'text', doc: 'what the plan must achieve' }, context],
    named: [...LLM_NAMED, { name: 'enable_inner_plan', type: 'boolean', doc: 'splice the generated subgraph into the running program' }],
    producesValue: true,
    effect: false,
  },
  REFLECT: {
    op: 'REFLECT',
    args: [{ name: 'subject', kind: 'value', optional: true, doc: 'the result to reflect on' }, context],
    named: [
      ...LLM_NAMED,
      { name: 'history_limit', type: 'integer', doc: 'how many recent episodic events to read' },
      { name: 'prompt', type: 'string', doc: 'extra instructions' },
    ],
    producesValue: true,
    effect: false,
  },
  VERIFY: {
    op: 'VERIFY',
    args: [
      { name: 'claim', kind: 'value', doc: 'the claim to check' },
      { name: 'evidence', kind: 'value', rest: true, doc: 'the evidence' },
    ],
    named: [...LLM_NAMED, { name: 'detailed', type: 'boolean', doc: 'return { verified, reason } instead of true/false' }],
    producesValue: true,
    effect: false,
  },
  QMEM: {
    op: 'QMEM',
    args: [{ name: 'query', kind: 'text', doc: 'key substring or search words' }, tier],
    named: [
      { name: 'k', type: 'integer', doc: 'how many entries at most (default 10)' },
      { name: 'mode', type: 'string', doc: '"auto", "key" or "text"' },
    ],
    producesValue: true,
    effect: false,
  },
  UMEM: {
    op: 'UMEM',
    args: [{ name: 'value', kind: 'value', doc: 'what to store' }, tier],
    named: [{ name: 'key', type: 'string', doc: "the memory key (default: the variable's name)" }],
    producesValue: false,
    effect: true,
  },
  INV: {
    op: 'INV',
    args: [
      { name: 'capability', kind: 'literal', doc: 'a registered capability (tool) name' },
      { name: 'params', kind: 'text', optional: true, doc: 'JSON object text with the parameters' },
    ],
    named: [{ name: 'timeout_ms', type: 'integer', doc: 'tool timeout in milliseconds' }],
    producesValue: true,
    effect: true,
  },
  EXC: {
    op: 'EXC',
    args: [
      { name: 'code', kind: 'text', doc: 'JavaScript run in the sandbox; `return` gives the result' },
      { name: 'input', kind: 'value', optional: true, rest: true, doc: 'values visible to the code as `inputs`' },
    ],
    named: [
      { name: 'timeout_ms', type: 'integer', doc: 'time limit' },
      { name: 'memory_mb', type: 'integer', doc: 'memory limit' },
    ],
    producesValue: true,
    effect: true,
  },
  PRINT: {
    op: 'PRINT',
    args: [
      { name: 'message', kind: 'text', doc: 'text for the console' },
      { name: 'value', kind: 'value', optional: true, rest: true, doc: 'values printed after it' },
    ],
    named: [],
    producesValue: false,
    effect: true,
  },
  COMMUNICATE: {
    op: 'COMMUNICATE',
    args: [
      { name: 'recipient', kind: 'literal', doc: 'agent name or URL' },
      { name: 'message', kind: 'value', doc: 'what to send' },
    ],
    named: [
      { name: 'protocol', type: 'string', doc: '"local", "http" or "broadcast"' },
      { name: 'timeout_ms', type: 'integer', doc: 'HTTP timeout' },
    ],
    producesValue: true,
    effect: true,
  },
  MERGE: {
    op: 'MERGE',
    args: [{ name: 'value', kind: 'value', rest: true, doc: 'values to combine' }],
    named: [
      { name: 'strategy', type: 'string', doc: '"array" (default), "first", "concat", "sum" or "object"' },
      { name: 'separator', type: 'string', doc: 'for "concat"' },
    ],
    producesValue: true,
    effect: false,
  },
  WAIT_ALL: {
    op: 'WAIT_ALL',
    args: [{ name: 'value', kind: 'value', rest: true, doc: 'values to wait for' }],
    named: [],
    producesValue: true,
    effect: false,
  },
  FENCE: { op: 'FENCE', args: [], named: [], producesValue: false, effect: true },
  PAUSE: {
    op: 'PAUSE',
    args: [
      { name: 'message', kind: 'text', doc: 'what the human should do' },
      { name: 'data', kind: 'value', optional: true, doc: 'shown with the message' },
    ],
    named: [
      { name: 'timeout_ms', type: 'integer', doc: 'give up after this long (0: wait forever)' },
      { name: 'checkpoint_id', type: 'string', doc: 'stable id of the checkpoint' },
    ],
    producesValue: true,
    effect: true,
  },
  RESUME: {
    op: 'RESUME',
    args: [{ name: 'checkpoint', kind: 'literal', doc: 'the PAUSE checkpoint id' }],
    named: [
      { name: 'poll_interval_ms', type: 'integer', doc: 'poll interval' },
      { name: 'poll_max_attempts', type: 'integer', doc: 'poll attempts' },
    ],
    producesValue: true,
    effect: true,
  },
  CLAIM: {
    op: 'CLAIM',
    args: [{ name: 'queue', kind: 'literal', doc: 'queue to take work from' }],
    named: [
      { name: 'lease_ms', type: 'integer', doc: 'lease length' },
      { name: 'max_wait_ms', type: 'integer', doc: 'how long to wait for work' },
      { name: 'agent_id', type: 'string', doc: 'who claims' },
    ],
    producesValue: true,
    effect: true,
  },
  UPDATE_GOAL: {
    op: 'UPDATE_GOAL',
    args: [
      { name: 'goal_id', kind: 'literal', doc: 'stable key of the goal' },
      { name: 'description', kind: 'text', optional: true, doc: 'what the goal is' },
    ],
    named: [
      { name: 'action', type: 'string', doc: '"set" (default), "complete", "remove" or "priority"' },
      { name: 'priority', type: 'integer', doc: '0–100' },
    ],
    producesValue: true,
    effect: true,
  },
  GUARD: {
    op: 'GUARD',
    args: [
      { name: 'value', kind: 'value', doc: 'the value to check' },
      { name: 'condition', kind: 'literal', doc: 'e.g. "not_empty", "> 3", "== \\"done\\""' },
    ],
    named: [
      { name: 'on_fail', type: 'string', doc: '"halt" (default) or "skip"' },
      { name: 'error_message', type: 'string', doc: 'message when it halts' },
    ],
    producesValue: true,
    effect: false,
  },
  ERR: { op: 'ERR', args: [{ name: 'message', kind: 'text', doc: 'the error message' }], named: [], producesValue: false, effect: true },
};

/** Positional argument count bounds of a signature. */
export function arity(sig: OpSignature): { min: number; max: number } {
  let min = 0;
  let max = 0;
  for (const a of sig.args) {
    if (a.rest) {
      max = Infinity;
      if (!a.optional) min++;
      continue;
    }
    max++;
    if (!a.optional) min++;
  }
  return { min, max };
}

/** `prompt`, `tier?`, `context...` */
export function argumentLabel(a: ArgSpec): string {
  return `${a.name}${a.optional && !a.rest ? '?' : ''}${a.rest ? '...' : ''}`;
}

/** `model: string` */
export function namedArgumentLabel(a: NamedArgSpec): string {
  return `${a.name}: ${a.type}`;
}

/** `ask(prompt, context...)` — how hover and messages show a call. */
export function formatSignature(callee: string, sig: OpSignature): string {
  return `${callee}(${[...sig.args.map(argumentLabel), ...sig.named.map(namedArgumentLabel)].join(', ')})`;
}
