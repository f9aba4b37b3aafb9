/**
 * Checks one flow: names resolve in scope, calls exist and get the arguments they take, tiers and
 * prompts are valid, results and bindings are used, nothing follows a return. The scope rules are
 * the ones the lowering implements (aisScope.ts).
 */
import type { AgentDecl, Block, CallExpr, Expression, FlowCallExpr, FlowDecl, NamedArgument, Program, Statement } from './ast.js';
import { flattenAdd } from './ast.js';
import { typeOfName, compatible, type AisType } from './aisTypes.js';
import { joinArms, mergeBindings, Scope, type Binding, type Outcome } from './aisScope.js';
import { classifyCallExpr, didYouMeanText, resolveFlowCall, type CallMapping } from './classifyCall.js';
import type { DiagnosticSink } from './diagnostics.js';
import { ifCondition } from './ifCondition.js';
import { arity, formatSignature, OP_SIGNATURES } from './opSignatures.js';
import { isTier, TIERS } from '../memory/memorySystem.js';
import { editDistance, type OpName } from '../graph/opCatalogue.js';
import { unsafeNameProblem } from '../values/terminalSafe.js';
import { attributeRange, inRange, rangeText } from '../graph/attributeRanges.js';

export interface FlowCheckOptions {
  mapping?: CallMapping;
  hostCapabilities?: Set<string>;
}

const VALUE_OPS_WARN = new Set(['ASK', 'THINK', 'REASON', 'QMEM', 'PLAN', 'REFLECT', 'VERIFY', 'MERGE', 'WAIT_ALL']);

export function checkFlow(program: Program, agent: AgentDecl, flow: FlowDecl, sink: DiagnosticSink, options: FlowCheckOptions): void {
  new FlowChecker(program, agent, flow, sink, options).run();
}

class FlowChecker {
  private readonly declared: Set<string>;
  private loopDepth = 0;
  private parallelDepth = 0;

  constructor(
    private readonly program: Program,
    private readonly agent: AgentDecl,
    private readonly flow: FlowDecl,
    private readonly sink: DiagnosticSink,
    private readonly options: FlowCheckOptions,
  ) {
    this.declared = new Set([...agent.capabilities.map((c) => c.name), ...agent.tools.map((t) => t.name)]);
  }

  run(): void {
    const scope = new Scope();
    for (const p of this.flow.params)
      scope.bind(p.name, { name: p.name, range: p.nameRange, kind: 'param', type: typeOfName(p.type), used: true });
    const out = this.statements(this.flow.body, scope);
    if (!out.returns && this.flow.returnType !== 'void' && typeOfName(this.flow.returnType) !== 'unknown') {
      this.sink.warning(
        'AIS_MISSING_RETURN',
        `flow '${this.flow.name}' declares return type '${this.flow.returnType}' but not every path returns a value`,
        this.flow.returnTypeRange ?? this.flow.nameRange,
        'end the flow with `return <value>`; without one the flow yields its last results',
      );
    }
    for (const b of scope.created) {
      if (!b.used && b.kind !== 'param' && !b.name.startsWith('_')) {
        this.sink.warning(
          'AIS_UNUSED_BINDING',
          `'${b.name}' is bound but never used`,
          b.range,
          `use it, or drop '-> ${b.name}' (a name starting with '_' is not reported)`,
        );
      }
    }
  }

  // ------------------------------------------------------------------ statements

  private statements(list: Statement[], scope: Scope): Outcome {
    let cur = scope;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      const out = this.statement(s, cur, false);
      cur = out.scope;
      if (out.returns) {
        if (i + 1 < list.length) {
          this.sink.warning(
            'AIS_UNREACHABLE',
            'unreachable code: every path before it returns',
            list[i + 1].range,
            'remove it, or move it before the return',
          );
        }
        return { scope: cur, returns: true };
      }
    }
    return { scope: cur, returns: false };
  }

  private block(b: Block, scope: Scope): Outcome {
    return this.statements(b.statements, scope.child());
  }

  /** `armValue`: the statement is the value of a switch arm bound with `-> r`. */
  private statement(s: Statement, scope: Scope, armValue: boolean): Outcome {
    switch (s.kind) {
      case 'Let': {
        const type = this.expression(s.init, scope);
        const declared = typeOfName(s.type);
        if (s.type && !compatible(type, declared) && s.typeRange) {
          this.sink.error(
            'AIS_TYPE_MISMATCH',
            `'${s.name}' is declared '${s.type}' but gets a ${type}`,
            s.typeRange,
            `change the declared type to ${type}, or bind a ${declared}`,
          );
        }
        scope.bind(s.name, { name: s.name, range: s.nameRange, kind: 'let', type: s.type ? declared : type, used: false });
        return { scope, returns: false };
      }
      case 'ExprStmt':
        this.expression(s.expression, scope);
        this.unusedResult(s.expression, armValue);
        return { scope, returns: false };
      case 'Return':
        if (this.loopDepth > 0) {
          this.sink.error(
            'AIS_UNSUPPORTED',
            'return inside a loop is not supported: the body runs once per item',
            s.range,
            'collect what you need after the loop, or move the loop into a flow of its own',
          );
        } else if (this.parallelDepth > 0) {
          this.sink.error('AIS_UNSUPPORTED', 'return inside parallel is not supported', s.range, 'return after the parallel block');
        }
        if (s.value) this.expression(s.value, scope);
        else if (this.flow.returnType !== 'void')
          this.sink.error(
            'AIS_UNSUPPORTED',
            `a bare \`return\` in a flow that returns ${this.flow.returnType}: there is no value to return`,
            s.range,
            'write `return <value>`, or declare the flow `-> void`',
          );
        return { scope, returns: true };
      case 'If': {
        const c = ifCondition(s.condition);
        if ('unsupported' in c) this.sink.error('AIS_UNSUPPORTED', 'this if condition is not supported', s.condition.range, c.unsupported);
        else this.expression(c.subject, scope);
        const a = this.block(s.then, scope);
        const b = s.else ? this.block(s.else, scope) : { scope: scope.child(), returns: false };
        return this.join(scope, [a, b], 'if');
      }
      case 'TryCatch': {
        const t = this.block(s.tryBlock, scope);
        const c = this.block(s.catchBlock, scope);
        if (c.returns && !t.returns) {
          this.sink.error(
            'AIS_UNSUPPORTED',
            'a return in catch but not in try is not supported',
            s.catchBlock.range,
            'return in both, or set a value in both and return after the try/catch',
          );
        }
        return this.join(scope, [t, c], 'try');
      }
      case 'Switch':
        return this.switchStatement(s, scope);
      case 'Loop': {
        this.expression(s.collection, scope);
        const body = scope.child();
        body.bind(s.variable, { name: s.variable, range: s.variableRange, kind: 'loop', type: 'unknown', used: false });
        this.loopDepth++;
        const inner = this.statements(s.body.statements, body);
        this.loopDepth--;
        scope.hideFrom(inner.scope, 'loop');
        return { scope, returns: false };
      }
      case 'Parallel': {
        this.parallelDepth++;
        const out = this.statements(s.body.statements, scope);
        this.parallelDepth--;
        return { scope: out.scope, returns: false };
      }
    }
  }

  private switchStatement(s: Extract<Statement, { kind: 'Switch' }>, scope: Scope): Outcome {
    this.expression(s.discriminant, scope);
    if (s.cases.length === 0) {
      this.sink.error(
        'AIS_EMPTY_SWITCH',
        'switch must have at least one case label',
        s.range,
        'add `case "label" => ...` arms, or replace the switch by its default body',
      );
    }
    const seen = new Map<string, boolean>();
    const arms: Outcome[] = [];
    for (const c of s.cases) {
      if (seen.has(c.labelValue))
        this.sink.warning(
          'AIS_UNREACHABLE',
          `duplicate case "${c.labelValue}": only the first one can run`,
          c.labelRange,
          'remove or rename this case',
        );
      seen.set(c.labelValue, true);
      arms.push(this.armWithValue(c.body, scope, s.result !== undefined, c.labelRange));
    }
    if (s.defaultBody) arms.push(this.armWithValue(s.defaultBody, scope, s.result !== undefined, s.defaultRanges[0] ?? s.range));
    else arms.push({ scope: scope.child(), returns: false });
    const out = this.join(scope, arms, 'switch');
    if (s.result) out.scope.bind(s.result.name, { name: s.result.name, range: s.result.range, kind: 'let', type: 'unknown', used: false });
    return out;
  }

  private armWithValue(body: Statement[], scope: Scope, needsValue: boolean, where: Expression['range']): Outcome {
    const inner = scope.child();
    let cur = inner;
    let returns = false;
    for (let i = 0; i < body.length && !returns; i++) {
      const lastOfArm = i === body.length - 1;
      const out = this.statement(body[i], cur, lastOfArm && needsValue);
      cur = out.scope;
      returns = out.returns;
    }
    const lastStmt = body.at(-1);
    if (needsValue && !returns && !(lastStmt && (lastStmt.kind === 'ExprStmt' || lastStmt.kind === 'Let'))) {
      this.sink.error(
        'AIS_UNSUPPORTED',
        'switch result binding requires each case to produce a value',
        where,
        'end the arm with an expression such as ask(...)',
      );
    }
    return { scope: cur, returns };
  }

  /** After an if/try/switch: names bound in every arm that goes on (or existing before) stay visible. */
  private join(before: Scope, arms: Outcome[], construct: string): Outcome {
    return joinArms(before, arms, construct, mergeBindings);
  }

  // ------------------------------------------------------------------ expressions

  /** Checks an expression and gives its type. */
  private expression(e: Expression, scope: Scope): AisType {
    switch (e.kind) {
      case 'String':
        return 'str';
      case 'Number':
        return 'number';
      case 'Bool':
        return 'bool';
      case 'Null':
        return 'unknown';
      case 'Var':
        return this.variable(e.name, e.range, scope);
      case 'Call':
        return this.call(e, scope);
      case 'FlowCall':
        return this.flowCall(e, scope);
      case 'Array':
        for (const el of e.elements) this.expression(el, scope);
        return 'array';
      case 'Binary':
        if (e.op === 'Add') {
          for (const part of flattenAdd(e)) this.expression(part, scope);
          return 'str';
        }
        this.expression(e.left, scope);
        this.expression(e.right, scope);
        this.sink.error(
          'AIS_UNSUPPORTED',
          'only + (joining text) is supported between values; AIS has no arithmetic or comparison outside an if condition',
          e.opRange,
          'compute with exc("...") or ask(...), or compare in an if condition',
        );
        return 'unknown';
      case 'Unary':
      case 'MemberAccess':
      case 'Subscript':
      case 'Assignment':
        this.sink.error(
          'AIS_UNSUPPORTED',
          `${e.kind === 'Unary' ? 'an operator before a value (! or -)' : e.kind === 'MemberAccess' ? 'member access (a.b)' : e.kind === 'Subscript' ? 'indexing (a[i])' : 'assignment (x = ...)'} is not supported in AIS`,
          e.range,
          e.kind === 'Assignment'
            ? 'bind a new value with `let x = ...` or `... -> x`'
            : 'pass the whole value to ask(...) or exc("...") and extract there',
        );
        return 'unknown';
      case 'Error':
        return 'unknown';
    }
  }

  private variable(name: string, range: Expression['range'], scope: Scope): AisType {
    const b = scope.lookup(name);
    if (b) {
      markUsed(b);
      return b.type;
    }
    const hidden = scope.hiddenWhere(name);
    const near = scope
      .names()
      .map((n) => ({ n, d: editDistance(name, n) }))
      .filter((x) => x.d <= Math.max(1, Math.floor(name.length / 3)))
      .sort((a, b) => a.d - b.d)[0];
    const hint = hidden
      ? `'${name}' is bound only inside the ${hidden}; bind it in every branch, or before it`
      : near
        ? `did you mean '${near.n}'?`
        : `bind it first with \`let ${name} = ...\` or \`... -> ${name}\`, or add it as a flow parameter`;
    this.sink.error('AIS_UNDEFINED_VARIABLE', `undefined variable '${name}': nothing of that name is bound here`, range, hint);
    return 'unknown';
  }

  private call(e: CallExpr, scope: Scope): AisType {
    const c = classifyCallExpr(e, this.program, this.agent, this.options.mapping);
    if (c.kind === 'flow') return this.flowTarget(e, c.flowDecl, `${this.agent.name}.${c.flow}`, scope);
    if (c.kind === 'capability') {
      this.capabilityCall(e.callee, e.calleeRange, c.suggestions.length ? didYouMeanText(c.suggestions) : undefined);
      for (const a of e.args) this.expression(a, scope);
      for (const n of e.namedArgs) this.expression(n.value, scope);
      return 'unknown';
    }
    const sig = OP_SIGNATURES[c.op];
    for (const a of e.args) this.expression(a, scope);
    for (const n of e.namedArgs) this.expression(n.value, scope);
    if (!sig) return 'unknown';
    const { min, max } = arity(sig);
    if (e.args.length < min) {
      const text =
        c.op === 'VERIFY'
          ? 'verify requires at least two arguments'
          : `${e.callee} takes at least ${min} argument${min === 1 ? '' : 's'}, got ${e.args.length}`;
      this.sink.error('AIS_ARITY', text, e.range, `write ${formatSignature(e.callee, sig)}`);
    } else if (e.args.length > max) {
      this.sink.error(
        'AIS_ARITY',
        `${e.callee} takes at most ${max} argument${max === 1 ? '' : 's'}, got ${e.args.length}`,
        e.args[max].range,
        `write ${formatSignature(e.callee, sig)}`,
      );
    }
    // inv's other named arguments are the tool's parameters
    if (!(c.op === 'INV' && !c.capability))
      this.namedArgs(
        e.callee,
        e.namedArgs,
        sig.named.map((n) => n.name),
      );
    for (const n of e.namedArgs) this.rangedArg(e.callee, c.op, n);
    this.opSpecifics(e, c.op, c.capability);
    return c.op === 'QMEM' || c.op === 'MERGE' || c.op === 'WAIT_ALL' ? 'array' : 'unknown';
  }

  private opSpecifics(e: CallExpr, op: string, fixedCapability?: string): void {
    const sig = OP_SIGNATURES[op as keyof typeof OP_SIGNATURES];
    if (!sig) return;
    // memory tier argument
    const tierIdx = sig.args.findIndex((a) => a.name === 'tier');
    const tierArg = tierIdx >= 0 ? e.args[tierIdx] : undefined;
    if (tierArg) {
      if (tierArg.kind !== 'String')
        this.sink.error('AIS_INVALID_TIER', 'the memory tier must be a string literal', tierArg.range, 'write "stm", "ltm" or "episodic"');
      else if (!isTier(tierArg.value.trim().toLowerCase())) {
        this.sink.error(
          'AIS_INVALID_TIER',
          `space must be 'stm', 'ltm', or 'episodic' (got "${tierArg.value}")`,
          tierArg.range,
          tierHint(tierArg.value),
        );
      }
    }
    // prompts
    if (sig.args[0]?.kind === 'text' && sig.args[0].name !== 'params') {
      const first = e.args[0];
      const empty = !first || (first.kind === 'String' && first.value.trim() === '');
      if (empty && e.args.length <= 1 && ['ASK', 'THINK', 'REASON', 'PLAN', 'PRINT', 'ERR', 'PAUSE', 'EXC', 'QMEM'].includes(op)) {
        const what =
          op === 'PLAN'
            ? 'goal'
            : op === 'EXC'
              ? 'code'
              : op === 'QMEM'
                ? 'query'
                : op === 'PRINT' || op === 'ERR' || op === 'PAUSE'
                  ? 'message'
                  : 'prompt';
        this.sink.error(
          'AIS_EMPTY_PROMPT',
          `${e.callee} operation requires a template or context operands: the ${what} is empty`,
          first?.range ?? e.range,
          `write the ${what}, e.g. ${e.callee}("...")`,
        );
      }
    }
    // literal-only arguments
    sig.args.forEach((a, i) => {
      const arg = e.args[i];
      if (a.kind === 'literal' && a.name !== 'tier' && arg && arg.kind !== 'String' && !(op === 'INV' && fixedCapability)) {
        this.sink.error(
          'AIS_UNSUPPORTED',
          `the ${a.name} of ${e.callee} must be a string literal`,
          arg.range,
          `write it in quotes, e.g. ${e.callee}("...")`,
        );
      }
    });
    if (op === 'INV' && !fixedCapability) {
      const cap = e.args[0];
      if (cap?.kind === 'String') {
        const unsafe = unsafeNameProblem('capability name', cap.value);
        if (!cap.value.trim())
          this.sink.error(
            'AIS_EMPTY_CAPABILITY',
            'capability name cannot be empty',
            cap.range,
            'write the name of a registered capability, e.g. inv("search", ...)',
          );
        else if (unsafe) this.sink.error('AIS_INVALID_NAME', unsafe.message, cap.range, unsafe.hint);
        else this.capabilityCall(cap.value, cap.range);
      }
      const params = e.args[1];
      if (params && params.kind === 'String') {
        try {
          const v = JSON.parse(params.value) as unknown;
          if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
        } catch {
          this.sink.error(
            'AIS_INVALID_PARAMS',
            'the parameters of inv must be a JSON object',
            params.range,
            'write e.g. inv("search", "{\\"query\\": \\"weather\\"}"), or use named arguments: inv("search", query: "weather")',
          );
        }
      }
    }
  }

  /**
   * Host capabilities (when the caller knows them) close the set: anything else is an error.
   * Without them, the agent's `capability`/`tools:` declarations are a promise, not a list of
   * everything the workspace registers: an undeclared name is a warning, and only a misspelt
   * operation is an error.
   */
  private capabilityCall(name: string, range: Expression['range'], didYouMean?: string): void {
    if (this.declared.has(name) || this.options.hostCapabilities?.has(name)) return;
    const known = [...this.declared, ...(this.options.hostCapabilities ?? [])];
    const near = known
      .map((n) => ({ n, d: editDistance(name, n) }))
      .filter((x) => x.d <= 2)
      .sort((a, b) => a.d - b.d)[0];
    if (this.options.hostCapabilities) {
      this.sink.error(
        'AIS_UNKNOWN_CALL',
        `unknown capability '${name}'`,
        range,
        near
          ? `did you mean '${near.n}'?`
          : (didYouMean ??
              `registered capabilities: ${known.sort().join(', ') || '(none)'}; register it in apxm.capabilities.mjs or an MCP server`),
      );
    } else if (didYouMean) {
      this.sink.error(
        'AIS_UNKNOWN_CALL',
        `unknown operation '${name}'`,
        range,
        `${didYouMean} To call a tool of this name, declare it in the agent: \`capability ${name}(...) -> str\``,
      );
    } else if (this.declared.size) {
      this.sink.warning(
        'AIS_UNKNOWN_CALL',
        `capability '${name}' is not declared in agent '${this.agent.name}'`,
        range,
        near
          ? `did you mean '${near.n}'?`
          : `declare it (\`capability ${name}(...) -> str\` or tools: [${name}]) or make sure the host registers it`,
      );
    }
  }

  /** A literal named argument with a fixed range (timeout_ms, memory_mb), as graph JSON checks it. */
  private rangedArg(callee: string, op: OpName, n: NamedArgument): void {
    const range = attributeRange(op, n.name);
    const x = n.value;
    const v =
      x.kind === 'Number' ? x.value : x.kind === 'Unary' && x.op === 'Negate' && x.operand.kind === 'Number' ? -x.operand.value : undefined;
    if (range === undefined || v === undefined || inRange(v, range)) return;
    this.sink.error(
      'AIS_ARGUMENT_OUT_OF_RANGE',
      `${n.name} of ${callee} must be ${rangeText(range)}, got ${JSON.stringify(v)}`,
      x.range,
      `give ${n.name} ${rangeText(range)}`,
    );
  }

  private namedArgs(callee: string, named: NamedArgument[], allowed: string[]): void {
    const seen = new Set<string>();
    for (const n of named) {
      if (seen.has(n.name))
        this.sink.error('AIS_UNKNOWN_ARGUMENT', `argument '${n.name}' is given twice`, n.nameRange, 'remove one of them');
      seen.add(n.name);
      if (!allowed.includes(n.name)) {
        const near = allowed.map((a) => ({ a, d: editDistance(n.name, a) })).sort((x, y) => x.d - y.d)[0];
        this.sink.error(
          'AIS_UNKNOWN_ARGUMENT',
          `${callee} has no argument named '${n.name}'`,
          n.nameRange,
          near && near.d <= 2
            ? `did you mean '${near.a}'?`
            : allowed.length
              ? `its named arguments: ${allowed.join(', ')}`
              : `${callee} takes no named arguments`,
        );
      }
    }
  }

  private flowCall(e: FlowCallExpr, scope: Scope): AisType {
    const r = resolveFlowCall(this.program, e.agent, e.flow);
    if (!r.flowDecl) {
      for (const a of e.args) this.expression(a, scope);
      this.sink.error(
        'AIS_UNKNOWN_FLOW',
        `unknown flow target: ${e.agent}.${e.flow}`,
        r.agentDecl ? e.flowRange : e.agentRange,
        r.suggestions.length
          ? `did you mean ${r.suggestions.map((s) => `'${s}'`).join(' or ')}?`
          : r.agentDecl
            ? `agent '${e.agent}' has flows: ${
                namesForHint(
                  r.agentDecl.flows.slice(0, 20).map((f) => f.name),
                  r.agentDecl.flows.length,
                ) || '(none)'
              }`
            : `no agent named '${e.agent}' in this file`,
      );
      return 'unknown';
    }
    return this.flowTarget(e, r.flowDecl, `${e.agent}.${e.flow}`, scope);
  }

  private flowTarget(e: CallExpr | FlowCallExpr, target: FlowDecl | undefined, qualified: string, scope: Scope): AisType {
    const types = e.args.map((a) => this.expression(a, scope));
    for (const n of e.namedArgs) this.expression(n.value, scope);
    if (!target) return 'unknown';
    const params = target.params;
    const given = e.args.length + e.namedArgs.length;
    const range = e.kind === 'Call' ? e.calleeRange : e.flowRange;
    const sig = `${qualified}(${params.map((p) => `${p.name}: ${p.type}`).join(', ')})`;
    if (e.args.length > params.length) {
      this.sink.error(
        'AIS_ARITY',
        `Incorrect number of arguments for flow '${target.name}': it takes ${params.length}, got ${given}`,
        e.args[params.length].range,
        `call it as ${sig}`,
      );
    }
    const bound = new Set(params.slice(0, e.args.length).map((p) => p.name));
    for (const n of e.namedArgs) {
      if (!params.some((p) => p.name === n.name))
        this.sink.error('AIS_UNKNOWN_ARGUMENT', `flow '${target.name}' has no parameter '${n.name}'`, n.nameRange, `call it as ${sig}`);
      else if (bound.has(n.name))
        this.sink.error(
          'AIS_UNKNOWN_ARGUMENT',
          `parameter '${n.name}' is given twice`,
          n.nameRange,
          'pass it either by position or by name',
        );
      bound.add(n.name);
    }
    const missing = params.filter((p) => !bound.has(p.name));
    if (missing.length) {
      this.sink.error(
        'AIS_MISSING_ARGUMENT',
        `missing argument${missing.length > 1 ? 's' : ''} for flow '${target.name}': ${missing.map((p) => p.name).join(', ')}`,
        range,
        `call it as ${sig}`,
      );
    }
    e.args.forEach((a, i) => {
      const p = params[i];
      if (p && !compatible(types[i], typeOfName(p.type))) {
        this.sink.error(
          'AIS_TYPE_MISMATCH',
          `argument ${i + 1} of '${target.name}' is a ${types[i]}, but parameter '${p.name}' is '${p.type}'`,
          a.range,
          `pass a ${typeOfName(p.type)}, or change the parameter's type`,
        );
      }
    });
    return typeOfName(target.returnType);
  }

  private unusedResult(e: Expression, lastInArmWithValue: boolean): void {
    if (lastInArmWithValue || e.kind !== 'Call') return;
    const c = classifyCallExpr(e, this.program, this.agent, this.options.mapping);
    if (c.kind === 'op' && VALUE_OPS_WARN.has(c.op)) {
      this.sink.warning(
        'AIS_UNUSED_RESULT',
        `result of ${e.callee} operation is not consumed; consider binding with '-> name' or removing if unused`,
        e.range,
        `bind it: ${e.callee}(...) -> name`,
      );
    }
  }
}

export function tierHint(written: string): string {
  const best = TIERS.map((t) => ({ t, d: editDistance(written.toLowerCase(), t) })).sort((a, b) => a.d - b.d)[0];
  return best.d <= 3
    ? `did you mean '${best.t}'? Tiers are "stm" (working memory), "ltm" (persistent) and "episodic" (the run's trace)`
    : 'use "stm" (working memory), "ltm" (persistent) or "episodic" (the run\'s trace)';
}

function markUsed(b: Binding): void {
  b.used = true;
  for (const s of b.sources ?? []) markUsed(s);
}

/** The first names of `total` for a hint, so a hint stays a line however many flows an agent has. */
function namesForHint(first: readonly string[], total: number): string {
  return total <= first.length ? first.join(', ') : `${first.join(', ')} … (${total - first.length} more)`;
}
