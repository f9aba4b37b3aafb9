/**
 * Breakpoints on DAG operations: source lines map to the operations written there; function
 * breakpoints name a node, an op type (`ASK`) or a capability (`inv:search`). Each carries an
 * optional condition, hit condition and log message, evaluated by the session when a node is
 * about to start.
 */
import path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { isOpName } from '../runtime/graph/opCatalogue.js';
import type { OpNode, Program } from '../runtime/graph/types.js';
import { ExpressionError, parseExpression, type Expr } from './expressions.js';

export interface BreakpointEntry {
  id: number;
  kind: 'source' | 'function';
  condition?: string;
  /** The condition, parsed once (on first use). */
  compiled?: Expr;
  hitCondition?: string;
  logMessage?: string;
  hits: number;
  /** Nodes it stops at: `Agent.flow#id`. Empty for function breakpoints (matched by `matches`). */
  nodes: Set<string>;
  matches?: (flow: string, node: OpNode) => boolean;
}

export const nodeKey = (flow: string, nodeId: number): string => `${flow}#${nodeId}`;

/** Nodes the compiler made for joins and parameters: real, but not where anyone wants to stop. */
export function isGenerated(n: OpNode): boolean {
  return n.attributes.compiler_generated === true;
}

export class BreakpointStore {
  private nextId = 1;
  private readonly bySource = new Map<string, BreakpointEntry[]>();
  private functionBps: BreakpointEntry[] = [];

  constructor(private readonly program: () => Program | undefined) {}

  /** Operations written on each line of a file: what `breakpointLocations` offers. */
  linesOf(file: string): Map<number, { flow: string; node: OpNode }[]> {
    const out = new Map<number, { flow: string; node: OpNode }[]>();
    const want = normalise(file);
    for (const flow of this.program()?.flows ?? []) {
      for (const node of flow.nodes) {
        if (!node.source || isGenerated(node) || normalise(node.source.file) !== want) continue;
        const list = out.get(node.source.line) ?? [];
        list.push({ flow: flow.qualifiedName, node });
        out.set(node.source.line, list);
      }
    }
    return out;
  }

  setSource(file: string, requested: DebugProtocol.SourceBreakpoint[]): DebugProtocol.Breakpoint[] {
    return this.setLines(normalise(file), this.linesOf(file), requested);
  }

  /** Breakpoints of one source (`key`) whose lines hold the given operations (a file, or the generated DAG listing). */
  setLines(
    key: string,
    lines: Map<number, { flow: string; node: OpNode }[]>,
    requested: DebugProtocol.SourceBreakpoint[],
  ): DebugProtocol.Breakpoint[] {
    const entries: BreakpointEntry[] = [];
    const replies = requested.map((bp): DebugProtocol.Breakpoint => {
      const problem = checkExpressions(bp.condition, bp.hitCondition);
      const entry: BreakpointEntry = { id: this.nextId++, kind: 'source', hits: 0, nodes: new Set(), ...pick(bp) };
      if (!this.program())
        return {
          id: entry.id,
          verified: false,
          line: bp.line,
          message: 'the program is not loaded yet',
          reason: 'pending',
        } as DebugProtocol.Breakpoint;
      // the operations on that line, else the closest line after it within a few lines that has some
      let line = bp.line;
      let at = lines.get(line);
      for (let d = 1; !at && d <= 3; d++) if (lines.get(bp.line + d)) at = lines.get((line = bp.line + d));
      if (!at || problem) {
        return { id: entry.id, verified: false, line: bp.line, message: problem ?? `no operation on line ${bp.line}` };
      }
      for (const x of at) entry.nodes.add(nodeKey(x.flow, x.node.id));
      entries.push(entry);
      const first = at[0].node.source;
      return {
        id: entry.id,
        verified: true,
        line,
        column: first?.column,
        endLine: first?.endLine,
        endColumn: first?.endColumn,
        message: at.map((x) => `${x.node.op} ${x.node.name}`).join(', '),
      };
    });
    this.bySource.set(key, entries);
    return replies;
  }

  setFunction(requested: DebugProtocol.FunctionBreakpoint[]): DebugProtocol.Breakpoint[] {
    this.functionBps = [];
    return requested.map((bp) => {
      const entry: BreakpointEntry = { id: this.nextId++, kind: 'function', hits: 0, nodes: new Set(), ...pick(bp) };
      const name = bp.name.trim();
      const cap = /^inv:(.+)$/i.exec(name);
      if (cap) entry.matches = (_f, n) => n.op === 'INV' && n.attributes.capability === cap[1];
      else if (isOpName(name.toUpperCase()) && name === name.toUpperCase()) entry.matches = (_f, n) => n.op === name;
      else if (name.includes('#')) entry.matches = (f, n) => nodeKey(f, n.id) === name;
      else entry.matches = (f, n) => n.name === name || `${f}.${n.name}` === name;
      const problem = checkExpressions(bp.condition, bp.hitCondition);
      const count = this.countMatches(entry);
      if (problem || count === 0) {
        return {
          id: entry.id,
          verified: false,
          message: problem ?? `no operation named '${name}' (use a node name, an op type such as ASK, or inv:<capability>)`,
        };
      }
      this.functionBps.push(entry);
      return { id: entry.id, verified: true, message: `${count} operation${count === 1 ? '' : 's'}` };
    });
  }

  private countMatches(entry: BreakpointEntry): number {
    let n = 0;
    for (const f of this.program()?.flows ?? []) for (const node of f.nodes) if (entry.matches?.(f.qualifiedName, node)) n++;
    return n;
  }

  /** Breakpoints that apply to a node about to start. */
  at(flow: string, node: OpNode): BreakpointEntry[] {
    const key = nodeKey(flow, node.id);
    const out: BreakpointEntry[] = [];
    for (const list of this.bySource.values()) for (const e of list) if (e.nodes.has(key)) out.push(e);
    for (const e of this.functionBps) if (e.matches?.(flow, node)) out.push(e);
    return out;
  }

  /** A restarted run counts hits from zero. */
  resetHits(): void {
    for (const list of this.bySource.values()) for (const e of list) e.hits = 0;
    for (const e of this.functionBps) e.hits = 0;
  }

  get isEmpty(): boolean {
    return this.functionBps.length === 0 && [...this.bySource.values()].every((l) => l.length === 0);
  }
}

function pick(bp: { condition?: string; hitCondition?: string; logMessage?: string }): Partial<BreakpointEntry> {
  return {
    ...(bp.condition?.trim() ? { condition: bp.condition } : {}),
    ...(bp.hitCondition?.trim() ? { hitCondition: bp.hitCondition } : {}),
    ...(bp.logMessage ? { logMessage: bp.logMessage } : {}),
  };
}

/** A hit condition: `3`, `> 3`, `>= 3`, `== 3`, `< 3`, `<= 3` or `% 2`. */
const HIT_CONDITION = /^\s*(>=|>|==|%|<=|<)?\s*(\d+)\s*$/;

/** What is wrong with a breakpoint's condition or hit count, or undefined. */
export function checkExpressions(condition?: string, hitCondition?: string): string | undefined {
  try {
    if (condition?.trim()) parseExpression(condition);
  } catch (e) {
    return `invalid condition: ${(e as ExpressionError).message}`;
  }
  if (hitCondition?.trim() && !HIT_CONDITION.test(hitCondition)) {
    return `invalid hit count "${hitCondition}": write a number (stop on that hit), "> 3", ">= 3" or "% 2"`;
  }
  return undefined;
}

/** Whether the n-th hit (1-based) satisfies a hit condition such as `3`, `>= 2`, `% 2`. */
export function hitConditionMet(hitCondition: string | undefined, n: number): boolean {
  if (!hitCondition?.trim()) return true;
  const m = HIT_CONDITION.exec(hitCondition);
  if (!m) return false;
  const k = Number(m[2]);
  switch (m[1]) {
    case '>':
      return n > k;
    case '>=':
      return n >= k;
    case '<':
      return n < k;
    case '<=':
      return n <= k;
    case '%':
      return k > 0 && n % k === 0;
    default:
      return n === k;
  }
}

function normalise(file: string): string {
  return path.resolve(file);
}
