/**
 * What an `if` condition means as a BRANCH_ON_VALUE condition (runtime conditions.ts): one value
 * tested against a literal or for emptiness. `x != null` means "x has something" (an empty
 * memory query or reply counts as nothing), which is what agent code means by it.
 */
import type { BinaryOp, Expression } from './ast.js';

export type IfCondition = { subject: Expression; condition: string } | { unsupported: string };

const FLIP: Partial<Record<BinaryOp, BinaryOp>> = {
  Less: 'Greater',
  LessEqual: 'GreaterEqual',
  Greater: 'Less',
  GreaterEqual: 'LessEqual',
  Equal: 'Equal',
  NotEqual: 'NotEqual',
};
const SYMBOL: Partial<Record<BinaryOp, string>> = {
  Equal: '==',
  NotEqual: '!=',
  Less: '<',
  LessEqual: '<=',
  Greater: '>',
  GreaterEqual: '>=',
};

function isLiteral(e: Expression): boolean {
  return e.kind === 'String' || e.kind === 'Number' || e.kind === 'Bool' || e.kind === 'Null';
}

function literalText(e: Expression): string {
  switch (e.kind) {
    case 'String':
      return JSON.stringify(e.value);
    case 'Number':
      return String(e.value);
    case 'Bool':
      return String(e.value);
    default:
      return 'null';
  }
}

export function ifCondition(e: Expression): IfCondition {
  if (e.kind === 'Unary' && e.op === 'Not') {
    const inner = ifCondition(e.operand);
    if ('unsupported' in inner) return inner;
    if (inner.condition === 'truthy') return { subject: inner.subject, condition: 'falsy' };
    return { unsupported: 'only a value can be negated with ! (write the opposite comparison instead)' };
  }
  if (e.kind === 'Binary' && SYMBOL[e.op]) {
    let [subject, lit, op] = [e.left, e.right, e.op];
    if (isLiteral(subject) && !isLiteral(lit)) [subject, lit, op] = [e.right, e.left, FLIP[e.op] as BinaryOp];
    if (!isLiteral(lit) || isLiteral(subject)) {
      return {
        unsupported:
          'a condition compares one value with a literal, e.g. `if (kind == "bug")` or `if (score > 3)`; compare two values with verify(...) or ask(...)',
      };
    }
    if (lit.kind === 'Null') {
      if (op === 'Equal') return { subject, condition: 'is_empty' };
      if (op === 'NotEqual') return { subject, condition: 'not_empty' };
      return { unsupported: 'null can only be compared with == or !=' };
    }
    return { subject, condition: `${SYMBOL[op]} ${literalText(lit)}` };
  }
  if (e.kind === 'Binary' && (e.op === 'And' || e.op === 'Or')) {
    return { unsupported: '&& and || are not supported in conditions; nest two ifs, or decide with verify(...) and test its result' };
  }
  if (e.kind === 'Binary' && e.op !== 'Add') return { unsupported: 'arithmetic is not supported in conditions' };
  if (isLiteral(e)) return { unsupported: 'the condition is a constant; test a value instead' };
  return { subject: e, condition: 'truthy' };
}
