/** BRANCH_ON_VALUE, SWITCH, LOOP_START, LOOP_END, RETURN, JUMP, TRY_CATCH, ERR, GUARD. */
import { ApxmError } from '../errors.js';
import { LoopPlan } from '../scheduler/loopPlan.js';
import { textOf, type Value } from '../values/value.js';
import { evaluateCondition, truthy } from './conditions.js';
import { Routed, SkipDownstream, type OpContext, type OpHandler } from './opContext.js';

/** Routes to the edges labelled `true` or `false` (or the node's `true_label`/`false_label`). */
export const branchOnValue: OpHandler = (ctx) => {
  const subject = ctx.inputs.length ? ctx.inputs[0] : (ctx.attrs.raw('value') ?? null);
  const condition = ctx.attrs.string('condition');
  const equals = ctx.attrs.raw('equals');
  let taken: boolean;
  if (condition !== undefined) taken = evaluateCondition(condition, subject);
  else if (equals !== undefined) taken = textOf(subject).trim() === textOf(equals).trim();
  else taken = truthy(subject);
  const label = taken ? (ctx.attrs.string('true_label') ?? 'true') : (ctx.attrs.string('false_label') ?? 'false');
  return new Routed(taken, new Set([label]));
};

function normalise(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/^["'`*\s]+|["'`.!?*\s]+$/g, '');
}

/** Routes to the edges labelled with the matching case, else to `default`. */
export const switchOp: OpHandler = (ctx) => {
  if (ctx.attrs.has('case_regions')) {
    throw new ApxmError(
      'E_OP_NOT_SUPPORTED',
      `SWITCH node ${ctx.node.id} uses compiled "case_regions", which this runtime does not execute yet`,
      {
        hint: 'write the cases as labelled edges ("label": "<case>") in ApxmGraph JSON',
      },
    );
  }
  const d = ctx.inputs[0] ?? ctx.attrs.raw('discriminant') ?? null;
  const text = textOf(d);
  const labels = [...new Set([...(ctx.attrs.stringArray('case_labels') ?? []), ...outLabels(ctx)])].filter((l) => l !== 'default');
  const mode = ctx.attrs.string('match') ?? 'exact';
  let chosen = labels.find((l) => l === text) ?? labels.find((l) => normalise(l) === normalise(text));
  if (chosen === undefined && mode === 'contains') chosen = labels.find((l) => normalise(text).includes(normalise(l)));
  if (chosen === undefined) {
    if (!outLabels(ctx).includes('default')) {
      ctx.emit('warning', {
        runId: ctx.runId,
        nodeExecId: ctx.nodeExecId,
        message: `SWITCH node ${ctx.node.id}: ${JSON.stringify(text)} matches no case (${labels.join(', ')}) and there is no default; every case is skipped`,
      });
    }
    chosen = 'default';
  }
  return new Routed(chosen === 'default' && !labels.includes('default') ? d : chosen, new Set([chosen]));
};

function outLabels(ctx: OpContext): string[] {
  return ctx.outLabels;
}

/** Plans the iterations: over an input array, a count, or up to `max_iterations` with `while`/`until`. */
export const loopStart: OpHandler = (ctx) => {
  const max = ctx.attrs.number('max_iterations', { min: 0, integer: true, def: 100 }) as number;
  const whileCond = ctx.attrs.string('while');
  const untilCond = ctx.attrs.string('until');
  const input = ctx.inputs[0];
  let items: Value[];
  const listed = ctx.attrs.raw('items');
  if (Array.isArray(input)) items = input;
  else if (Array.isArray(listed)) items = listed;
  else if (typeof input === 'number') items = range(Math.floor(input));
  else if (ctx.attrs.has('count')) items = range(ctx.attrs.number('count', { min: 0, integer: true }) as number);
  else if (whileCond !== undefined || untilCond !== undefined) items = range(max);
  else if (typeof input === 'string' && input.trim() && Number.isFinite(Number(input))) items = range(Math.floor(Number(input)));
  else {
    throw new ApxmError('E_INPUT', `LOOP_START node ${ctx.node.id} needs something to loop over`, {
      hint: 'give it an array or a count as input, an "items" array or "count" attribute, or a "while"/"until" condition',
    });
  }
  if (items.length > max) {
    throw new ApxmError(
      'E_OP_FAILED',
      `LOOP_START node ${ctx.node.id} would run ${items.length} iterations, more than max_iterations (${max})`,
      {
        hint: `raise "max_iterations" to at least ${items.length} if that many are intended`,
      },
    );
  }
  return new LoopPlan(items, whileCond, untilCond);
};

function range(n: number): number[] {
  return Array.from({ length: Math.max(0, n) }, (_, i) => i);
}

/** Its input is the array of every iteration's value, collected by the scheduler. */
export const loopEnd: OpHandler = (ctx) => ctx.inputs[0] ?? [];

export const returnOp: OpHandler = (ctx) => (ctx.inputs.length ? ctx.inputs[0] : (ctx.attrs.raw('value') ?? null));

export const jump: OpHandler = (ctx) => ctx.inputs[0] ?? null;

/** Opens the try region; the scheduler runs the catch region if anything in it fails. */
export const tryCatch: OpHandler = (ctx) => ctx.inputs[0] ?? null;

/** Raises an error that an enclosing TRY_CATCH can catch (upstream returned a string instead). */
export const err: OpHandler = (ctx) => {
  const message =
    ctx.attrs.string(['message', 'error', 'recovery_template']) ?? (ctx.inputs.length ? textOf(ctx.inputs[0]) : 'error raised by ERR');
  throw new ApxmError('E_USER_ERROR', message, { nodeId: ctx.node.id, op: 'ERR' });
};

/** Passes its subject through when the condition holds; otherwise halts the run or skips downstream. */
export const guard: OpHandler = (ctx) => {
  const condition = ctx.attrs.string('condition', { required: true, hint: 'e.g. "not_empty" or "> 3"' }) as string;
  const subject = ctx.inputs[0] ?? null;
  if (evaluateCondition(condition, subject)) return subject;
  const onFail = (ctx.attrs.string('on_fail') ?? 'halt').toLowerCase();
  const message = ctx.attrs.string('error_message') ?? `GUARD condition failed: '${condition}' (value: ${JSON.stringify(subject)})`;
  if (onFail === 'skip') return new SkipDownstream(subject, message);
  throw new ApxmError('E_GUARD_HALT', message, { hint: 'set "on_fail": "skip" to skip what follows instead of halting' });
};
