/**
 * The AIS syntax tree, named after upstream's grammar. Every node has `range`
 * (the whole construct, trailing `;` included for statements); declared names also carry the
 * range of the name itself, for "go to definition" and precise diagnostics. Types are free text.
 */
import type { AisRange } from './positions.js';

// ---------------------------------------------------------------- declarations

export interface Program {
  kind: 'Program';
  file?: string;
  agents: AgentDecl[];
  range: AisRange;
}

export interface AgentDecl {
  kind: 'Agent';
  name: string;
  nameRange: AisRange;
  memory: MemoryDecl[];
  beliefs: BeliefDecl[];
  goals: GoalDecl[];
  capabilities: CapabilityDecl[];
  flows: FlowDecl[];
  handlers: OnEventDecl[];
  /** `tools: [a, b]` (several `tools:` items accumulate). */
  tools: NameRef[];
  discoverable: NameRef[];
  /** `context: "..."` (the last one wins, as upstream). */
  context?: { value: string; range: AisRange };
  range: AisRange;
}

/** A name written in the source, with its place. */
export interface NameRef {
  name: string;
  range: AisRange;
}

export interface MemoryDecl {
  kind: 'Memory';
  name: string;
  nameRange: AisRange;
  /** As written: `STM`, `LTM`, `Episodic` or any identifier (checked later, not here). */
  tier: string;
  tierRange: AisRange;
  range: AisRange;
}

export interface BeliefDecl {
  kind: 'Belief';
  name: string;
  nameRange: AisRange;
  value: Expression;
  /** Written with `from` (`x: from expr`). */
  from: boolean;
  range: AisRange;
}

export interface GoalDecl {
  kind: 'Goal';
  name: string;
  nameRange: AisRange;
  /** '' when not given. */
  description: string;
  /** 1 when not given. */
  priority: number;
  range: AisRange;
}

export interface Param {
  kind: 'Param';
  name: string;
  nameRange: AisRange;
  /** Type text as written (`str`, `number`, ...). */
  type: string;
  typeRange: AisRange;
  range: AisRange;
}

export interface CapabilityDecl {
  kind: 'Capability';
  name: string;
  nameRange: AisRange;
  params: Param[];
  returnType: string;
  returnTypeRange: AisRange;
  range: AisRange;
}

export interface FlowDecl {
  kind: 'Flow';
  name: string;
  nameRange: AisRange;
  params: Param[];
  /** `void` when not written. */
  returnType: string;
  returnTypeRange?: AisRange;
  isEntry: boolean;
  /** The `@entry` annotation. */
  entryRange?: AisRange;
  body: Statement[];
  /** From `{` to `}`. */
  bodyRange: AisRange;
  range: AisRange;
}

export interface OnEventDecl {
  kind: 'OnEvent';
  /** Dotted event type, e.g. `Message.received`. */
  event: string;
  eventRange: AisRange;
  /** Field types default to `token`. */
  params: Param[];
  condition?: Expression;
  /** A bare `=> expr` body is stored as `[Return{expr}]`. */
  body: Statement[];
  range: AisRange;
}

// ---------------------------------------------------------------- statements

export type Statement = LetStmt | ReturnStmt | IfStmt | ParallelStmt | LoopStmt | TryCatchStmt | SwitchStmt | ExprStmt;

/** `let x: T = e` and its sugar `e -> x` (`form` tells which was written). */
export interface LetStmt {
  kind: 'Let';
  form: 'let' | 'arrow';
  name: string;
  nameRange: AisRange;
  type?: string;
  typeRange?: AisRange;
  init: Expression;
  range: AisRange;
}

export interface ReturnStmt {
  kind: 'Return';
  /** Absent for a bare `return;`. */
  value?: Expression;
  range: AisRange;
}

/** A statement list; `braced` is false for a single unbraced statement (`if (c) x()`). */
export interface Block {
  kind: 'Block';
  statements: Statement[];
  braced: boolean;
  range: AisRange;
}

export interface IfStmt {
  kind: 'If';
  condition: Expression;
  then: Block;
  /** `else if` is an else block holding one If. */
  else?: Block;
  range: AisRange;
}

export interface ParallelStmt {
  kind: 'Parallel';
  body: Block;
  range: AisRange;
}

export interface LoopStmt {
  kind: 'Loop';
  variable: string;
  variableRange: AisRange;
  collection: Expression;
  body: Block;
  range: AisRange;
}

export interface TryCatchStmt {
  kind: 'TryCatch';
  tryBlock: Block;
  catchBlock: Block;
  range: AisRange;
}

export interface SwitchCase {
  kind: 'Case';
  /** Label spelling between the quotes, escapes NOT processed (upstream parity). */
  label: string;
  /** The same label with escapes processed. Equal to `label` unless it contains a backslash. */
  labelValue: string;
  labelRange: AisRange;
  /** One statement, or several when written as `case "x" => { ... }` (an extension). */
  body: Statement[];
  range: AisRange;
}

export interface SwitchStmt {
  kind: 'Switch';
  discriminant: Expression;
  cases: SwitchCase[];
  /** Statements of every `default =>` arm, accumulated; undefined when there is no default. */
  defaultBody?: Statement[];
  /** Ranges of the `default => ...` arms, in order. */
  defaultRanges: AisRange[];
  /** `switch ... { } -> name`. */
  result?: NameRef;
  range: AisRange;
}

export interface ExprStmt {
  kind: 'ExprStmt';
  expression: Expression;
  range: AisRange;
}

// ---------------------------------------------------------------- expressions

export type Expression =
  | StringLit
  | NumberLit
  | BoolLit
  | NullLit
  | VarExpr
  | CallExpr
  | FlowCallExpr
  | MemberAccessExpr
  | SubscriptExpr
  | ArrayExpr
  | BinaryExpr
  | UnaryExpr
  | AssignmentExpr
  | ErrorExpr;

export interface StringLit {
  kind: 'String';
  /** Unescaped text. */
  value: string;
  range: AisRange;
}

export interface NumberLit {
  kind: 'Number';
  value: number;
  /** Source spelling, e.g. `-2`, `1.` */
  raw: string;
  range: AisRange;
}

export interface BoolLit {
  kind: 'Bool';
  value: boolean;
  range: AisRange;
}

export interface NullLit {
  kind: 'Null';
  range: AisRange;
}

export interface VarExpr {
  kind: 'Var';
  name: string;
  range: AisRange;
}

export interface NamedArgument {
  name: string;
  nameRange: AisRange;
  value: Expression;
  range: AisRange;
}

/** `name(args)` — an op, a local flow or a capability; see classifyCall.ts. */
export interface CallExpr {
  kind: 'Call';
  callee: string;
  calleeRange: AisRange;
  /** Positional arguments in order (a piped value comes first). */
  args: Expression[];
  /** `name: value` arguments (an extension of upstream's AIS), in order. */
  namedArgs: NamedArgument[];
  /** Built from `value |> callee(...)`. */
  piped: boolean;
  range: AisRange;
}

/** `Agent.flow(args)`. */
export interface FlowCallExpr {
  kind: 'FlowCall';
  agent: string;
  agentRange: AisRange;
  flow: string;
  flowRange: AisRange;
  args: Expression[];
  namedArgs: NamedArgument[];
  range: AisRange;
}

export interface MemberAccessExpr {
  kind: 'MemberAccess';
  object: Expression;
  property: string;
  propertyRange: AisRange;
  range: AisRange;
}

export interface SubscriptExpr {
  kind: 'Subscript';
  object: Expression;
  index: Expression;
  range: AisRange;
}

export interface ArrayExpr {
  kind: 'Array';
  elements: Expression[];
  range: AisRange;
}

export type BinaryOp =
  'Add' | 'Sub' | 'Mul' | 'Div' | 'Mod' | 'And' | 'Or' | 'Equal' | 'NotEqual' | 'Less' | 'LessEqual' | 'Greater' | 'GreaterEqual';

export interface BinaryExpr {
  kind: 'Binary';
  op: BinaryOp;
  left: Expression;
  right: Expression;
  opRange: AisRange;
  /** Made from a `"... {{ name }} ..."` string (then `op` is always `Add`). */
  interpolated?: boolean;
  range: AisRange;
}

export interface UnaryExpr {
  kind: 'Unary';
  op: 'Negate' | 'Not';
  operand: Expression;
  range: AisRange;
}

export interface AssignmentExpr {
  kind: 'Assignment';
  target: Expression;
  value: Expression;
  range: AisRange;
}

/** Stands where a syntax error left no expression; only present when diagnostics have errors. */
export interface ErrorExpr {
  kind: 'Error';
  range: AisRange;
}

export const BINARY_OPS: Readonly<Record<string, BinaryOp>> = {
  '+': 'Add',
  '-': 'Sub',
  '*': 'Mul',
  '/': 'Div',
  '%': 'Mod',
  '&&': 'And',
  '||': 'Or',
  '==': 'Equal',
  '!=': 'NotEqual',
  '<': 'Less',
  '<=': 'LessEqual',
  '>': 'Greater',
  '>=': 'GreaterEqual',
};

/** The operands of a left-nested `+` chain, left to right (what template building walks). */
export function flattenAdd(e: Expression): Expression[] {
  const out: Expression[] = [];
  let cur: Expression = e;
  const rights: Expression[] = [];
  while (cur.kind === 'Binary' && cur.op === 'Add') {
    rights.push(cur.right);
    cur = cur.left;
  }
  out.push(cur);
  for (let i = rights.length - 1; i >= 0; i--) out.push(rights[i]);
  return out;
}
