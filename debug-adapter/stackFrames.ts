/**
 * What a stopped run shows the client, request by request: threads (one per flow activation),
 * call stacks, scopes and variables, Debug Console and hover evaluation, edits of values, and
 * completions. The values themselves come from the RunInspector.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { Source, StackFrame, Thread } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ApxmError } from '../runtime/errors.js';
import type { Value } from '../runtime/values/value.js';
import { evaluate, parseExpression } from './expressions.js';
import type { FrameHandle, RunInspector } from './inspector.js';
import { inlineValues } from './inlineValues.js';
import type { InlineValue } from './protocol/inlineProtocol.js';
import { listingSource } from './listingSources.js';
import type { SessionRun } from './sessionState.js';
import type { Stepping } from './stepping.js';
import { parseEditedValue, type VariableStore } from './variables.js';

type Body<R extends DebugProtocol.Response> = NonNullable<R['body']>;

export class StackFrames {
  private readonly frameHandles = new Map<number, FrameHandle>();
  private nextFrameHandle = 1;

  constructor(
    private readonly run: SessionRun,
    private readonly inspector: RunInspector,
    private readonly vars: VariableStore,
    private readonly stepping: Pick<Stepping, 'currentNode'>,
  ) {}

  /** The run stopped again: variables and frames the client holds are stale. */
  forget(): void {
    this.vars.reset();
    this.frameHandles.clear();
  }

  threads(): DebugProtocol.Thread[] {
    const acts = this.run.view?.activations() ?? [];
    return acts.length
      ? acts.map(
          (f) => new Thread(f.frameId, f.parentFrameId === undefined ? f.label : `${f.label} (called from frame ${f.parentFrameId})`),
        )
      : [new Thread(1, this.run.program?.entry.qualifiedName ?? 'run')];
  }

  stackTrace(args: DebugProtocol.StackTraceArguments): Body<DebugProtocol.StackTraceResponse> {
    const exec = this.run.handle?.execution.control;
    const view = this.run.view;
    const frames: DebugProtocol.StackFrame[] = [];
    const current = this.stepping.currentNode(args.threadId);
    if (exec && current) {
      const chain = exec.frameChain(current.frameId);
      chain.forEach((link, k) => {
        const nodeId = k === 0 ? current.nodeId : chain[k - 1].callerNodeId;
        if (nodeId === undefined) return;
        frames.push(this.stackFrame(link.frameId, link.flow, link.label, nodeId));
      });
    } else if (view?.frames.get(args.threadId)) {
      const f = view.frames.get(args.threadId);
      const id = this.nextFrameHandle++;
      this.frameHandles.set(id, { frameId: args.threadId, flow: f?.flow ?? '' });
      frames.push(new StackFrame(id, `${f?.label} (waiting)`));
    }
    const start = args.startFrame ?? 0;
    const levels = args.levels || frames.length;
    return { stackFrames: frames.slice(start, start + levels), totalFrames: frames.length };
  }

  private stackFrame(frameId: number, flow: string, label: string, nodeId: number): DebugProtocol.StackFrame {
    const node = this.inspector.opNode(flow, nodeId);
    const id = this.nextFrameHandle++;
    this.frameHandles.set(id, { frameId, nodeId, flow });
    const src = node?.source;
    const file = src?.file ? path.resolve(src.file) : undefined;
    const name = `${node?.op ?? '?'} ${node?.name ?? nodeId} — ${label}`;
    if (file && existsSync(file) && src) {
      const sf = new StackFrame(id, name, new Source(path.basename(file), file), src.line, src.column) as DebugProtocol.StackFrame;
      if (src.endLine !== undefined) sf.endLine = src.endLine;
      if (src.endColumn !== undefined) sf.endColumn = src.endColumn;
      return sf;
    }
    const line = this.run.listing?.lineOf(flow, nodeId);
    return new StackFrame(id, name, line !== undefined ? listingSource(this.run) : undefined, line ?? 0, line !== undefined ? 1 : 0);
  }

  scopes(frameId: number): DebugProtocol.Scope[] {
    const h = this.frameHandles.get(frameId);
    return h ? this.inspector.scopes(h) : [];
  }

  /** `apxm/inlineValues`: the outputs of the frame's ops at their source lines (none for a frame not known). */
  inlineValues(frameId: number): InlineValue[] {
    const h = this.frameHandles.get(frameId);
    return h ? inlineValues(this.inspector.outputs(h)) : [];
  }

  variables(args: DebugProtocol.VariablesArguments): DebugProtocol.Variable[] {
    return this.vars.children(args.variablesReference, args.start ?? 0, args.count ?? 0) ?? [];
  }

  /** Evaluates an expression (invoke("tool", {...}) runs a tool, from the Debug Console only); throws what is wrong. */
  async evaluate(args: DebugProtocol.EvaluateArguments): Promise<Body<DebugProtocol.EvaluateResponse>> {
    const stopped = this.run.stopped;
    const h = args.frameId !== undefined ? this.frameHandles.get(args.frameId) : undefined;
    const node = h?.nodeId !== undefined ? this.inspector.refOf(h) : stopped?.node;
    const scope = this.inspector.exprScope(node, node && stopped?.node?.nodeExecId === node.nodeExecId ? stopped?.inputs : undefined);
    const expr = parseExpression(args.expression);
    // invoke("tool", {...}) calls a capability now (only from the Debug Console: hovers must not have effects)
    const value =
      expr.k === 'call' && expr.callee.root === 'invoke' && !expr.callee.steps.length
        ? await this.invokeCapability(
            expr.args.map((a) => evaluate(a, scope)),
            args.context,
          )
        : evaluate(expr, scope);
    const v = this.vars.variable('result', value);
    return { result: v.value, variablesReference: v.variablesReference, ...(v.type ? { type: v.type } : {}) };
  }

  /** Changes a value: its new body, or what is wrong (`kind` says whether the place or the value). */
  setVariable(
    args: DebugProtocol.SetVariableArguments,
  ): Body<DebugProtocol.SetVariableResponse> | { problem: string; kind: 'notAvailable' | 'badArguments' } {
    const setter = this.vars.setter(args.variablesReference);
    if (!setter)
      return {
        kind: 'notAvailable',
        problem: `'${args.name}' cannot be changed here: STM values, beliefs and the inputs of an op that has not started can`,
      };
    const parsed = parseEditedValue(args.value);
    if ('problem' in parsed) return { kind: 'badArguments', problem: `setVariable: arguments.value ${parsed.problem}` };
    try {
      const now = setter(args.name, parsed.value);
      const v = this.vars.variable(args.name, now);
      return { value: v.value, variablesReference: v.variablesReference, ...(v.type ? { type: v.type } : {}) };
    } catch (e) {
      return { kind: 'notAvailable', problem: (e as Error).message };
    }
  }

  completions(args: DebugProtocol.CompletionsArguments): DebugProtocol.CompletionItem[] {
    return this.inspector.completions(args.text, args.column);
  }

  private async invokeCapability(callArgs: Value[], context: string | undefined): Promise<Value> {
    if (context !== 'repl') throw new ApxmError('E_EXPRESSION', 'invoke() runs a tool: type it in the Debug Console');
    const [name, params] = callArgs;
    if (typeof name !== 'string') throw new ApxmError('E_EXPRESSION', 'invoke("name", { ...params }) takes the capability name first');
    if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params)))
      throw new ApxmError('E_EXPRESSION', 'the parameters of invoke() are an object: invoke("search", { query: "x" })');
    const caps = this.run.runtime?.capabilitySystem();
    if (!caps) throw new ApxmError('E_DEBUG_STATE', 'no program is running');
    return caps.invoke(name, (params ?? {}) as Record<string, Value>);
  }
}
