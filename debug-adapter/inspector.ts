/**
 * What a stopped run shows: the scopes of a stack frame (the op, node outputs, STM, paged LTM and
 * Episodic, beliefs, goals, run facts), the names Debug Console expressions and breakpoint
 * conditions see, and their completions. It reads the session's run; it never drives it.
 */
import { Scope } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ApxmError } from '../runtime/errors.js';
import type { NodeRef } from '../runtime/events.js';
import type { OpNode, Program } from '../runtime/graph/types.js';
import type { Runtime, RunHandle } from '../runtime/runtime.js';
import { textOf, type Value } from '../runtime/values/value.js';
import { nodeKey } from './breakpoints.js';
import { setMemoryValue } from './memoryEdits.js';
import type { Scope as ExprScope } from './expressions.js';
import type { RunView } from '../runtime/query/runView.js';
import { preview, type VariableStore } from './variables.js';

/** A stack frame the client holds: a frame of the run, at one of its ops (none while it waits). */
export interface FrameHandle {
  frameId: number;
  nodeId?: number;
  flow: string;
}

/** The session's run as the inspector reads it, fresh on every request. */
export interface InspectedRun {
  runtime?: Runtime;
  handle?: RunHandle;
  program?: Program;
  view?: RunView;
  /** The launch's `args`. */
  args?: Record<string, unknown>;
  /** Where the run stopped, with the inputs of the op it stopped before. */
  stopped?: { node?: NodeRef; inputs?: Value[] };
  /** Answers the oldest waiting PAUSE; returns what to show. */
  answerPause(text: string): string;
}

export class RunInspector {
  private nodeIndex?: Map<string, OpNode>;

  constructor(
    private readonly vars: VariableStore,
    private readonly session: () => InspectedRun,
  ) {}

  /** Forgets the op index (a new runtime may have registered other flows). */
  reset(): void {
    this.nodeIndex = undefined;
  }

  opNode(flow: string, nodeId: number): OpNode | undefined {
    if (!this.nodeIndex) {
      const { runtime, program } = this.session();
      this.nodeIndex = new Map();
      for (const f of runtime?.flowRegistry.allFlows() ?? [])
        for (const n of f.nodes) this.nodeIndex.set(nodeKey(f.qualifiedName, n.id), n);
      for (const f of program?.flows ?? []) for (const n of f.nodes) this.nodeIndex.set(nodeKey(f.qualifiedName, n.id), n);
    }
    return this.nodeIndex.get(nodeKey(flow, nodeId));
  }

  /** The node a frame handle points at, whether or not it has started. */
  refOf(h: FrameHandle): NodeRef | undefined {
    if (h.nodeId === undefined) return undefined;
    const { handle, view } = this.session();
    const key = `${handle?.runId}:${h.frameId}:${h.nodeId}`;
    const rec = view?.nodes.get(key);
    if (rec) return rec.ref;
    const n = this.opNode(h.flow, h.nodeId);
    return n && handle
      ? {
          runId: handle.runId,
          frameId: h.frameId,
          nodeId: n.id,
          nodeExecId: key,
          op: n.op,
          name: n.name,
          flow: h.flow,
          ...(n.source ? { source: n.source } : {}),
        }
      : undefined;
  }

  scopes(h: FrameHandle): DebugProtocol.Scope[] {
    const { runtime, handle } = this.session();
    if (!handle || !runtime) return [];
    const storage = runtime.storage;
    const runId = handle.runId;
    // pending episodic events reach the file first, so what the scopes show is what the file holds
    handle.memory.flush();
    const vars = this.vars;
    const scopes: DebugProtocol.Scope[] = [];
    if (h.nodeId !== undefined)
      scopes.push(
        new Scope(
          'Operation',
          vars.group(() => this.operationVariables(h)),
          false,
        ),
      );
    scopes.push(
      new Scope(
        'Node outputs',
        vars.group(() => this.outputsOf(h).map(([k, v]) => vars.variable(k, v))),
        false,
      ),
    );
    scopes.push(
      new Scope(
        'STM',
        vars.group(() => handle.stm.entries().map(([k, v]) => vars.variable(k, v, `stm[${JSON.stringify(k)}]`)), {
          watch: 'stm',
          setter: (key, value) => setMemoryValue(handle, 'stm', key, value),
        }),
        false,
      ),
    );
    const ltm = new Scope(
      'LTM',
      vars.add((start, count) => storage.ltmList(start, count || 100).map((e) => vars.variable(e.key, e.value)), { watch: 'ltm' }),
      true,
    ) as DebugProtocol.Scope;
    ltm.indexedVariables = storage.ltmCount();
    scopes.push(ltm);
    const epi = new Scope(
      'Episodic (this run, newest first)',
      vars.add((start, count) =>
        storage
          .episodicQuery({ runId, offset: start, limit: count || 100, order: 'desc' })
          .map((e) => vars.variable(`#${e.seq} ${e.eventType}${e.nodeId !== null ? ` node ${e.nodeId}` : ''}`, e.payload)),
      ),
      true,
    ) as DebugProtocol.Scope;
    epi.indexedVariables = storage.episodicCount(runId);
    scopes.push(epi);
    scopes.push(
      new Scope(
        'Beliefs',
        vars.group(() => Object.entries(handle.aam.beliefs()).map(([k, v]) => vars.variable(k, v)), {
          setter: (key, value) => setMemoryValue(handle, 'beliefs', key, value),
        }),
        false,
      ),
    );
    scopes.push(
      new Scope(
        'Goals',
        vars.group(() =>
          handle.aam.goals().map((g) => vars.variable(g.key, { description: g.description, priority: g.priority, status: g.status })),
        ),
        false,
      ),
    );
    scopes.push(
      new Scope(
        'Run',
        vars.group(() => Object.entries(this.runFacts()).map(([k, v]) => vars.variable(k, v))),
        false,
      ),
    );
    return scopes;
  }

  /** The names an expression sees: the op, its inputs, memory, outputs, run facts. */
  exprScope(node: NodeRef | undefined, inputs: Value[] | undefined): ExprScope {
    const s = this.session();
    const { handle, view } = s;
    const storage = s.runtime?.storage;
    const rec = node ? view?.nodes.get(node.nodeExecId) : undefined;
    const opNode = node ? this.opNode(node.flow, node.nodeId) : undefined;
    // outputs by node name are gathered only when an expression asks for them (a frame may be large)
    let byNameMemo: Record<string, Value> | undefined;
    const byNameOf = (): Record<string, Value> => {
      if (byNameMemo) return byNameMemo;
      // no prototype: a node named `__proto__` is a key like any other, and `constructor` is nobody's name
      byNameMemo = Object.create(null) as Record<string, Value>;
      const frameOutputs = node && handle ? handle.execution.control.frameOutputs(node.frameId) : {};
      for (const [id, v] of Object.entries(frameOutputs)) byNameMemo[this.opNode(node?.flow ?? '', Number(id))?.name ?? id] = v;
      return byNameMemo;
    };
    const iteration = node ? view?.frames.get(node.frameId)?.iteration : undefined;
    return {
      lookup: (root) => {
        switch (root) {
          case 'inputs':
            return inputs ?? rec?.inputs ?? [];
          case 'output':
            return rec?.output ?? null;
          case 'node':
            return opNode
              ? { id: opNode.id, name: opNode.name, op: opNode.op, flow: node?.flow ?? '', attributes: opNode.attributes }
              : null;
          case 'stm':
            return handle ? handle.stm.snapshot() : {};
          case 'outputs':
            return byNameOf();
          case 'beliefs':
            return handle ? handle.aam.beliefs() : {};
          case 'goals':
            return handle ? (handle.aam.goals() as unknown as Value) : [];
          case 'tokens':
            return view?.tokens ?? 0;
          case 'iteration':
            return iteration ?? null;
          case 'args':
            return (s.args ?? {}) as Value;
          case 'ltm':
            return { count: storage?.ltmCount() ?? 0 };
          default: {
            const byName = byNameOf();
            return Object.hasOwn(byName, root) ? byName[root] : undefined;
          }
        }
      },
      call: (name, callArgs) => {
        if (name === 'ltm.search')
          return (storage?.ltmSearchText(textOf(callArgs[0] ?? ''), Number(callArgs[1] ?? 5)) ?? []).map((h) => ({
            key: h.key,
            value: h.value,
            score: h.score,
          }));
        if (name === 'ltm.get') return storage?.ltmGet(textOf(callArgs[0] ?? ''))?.value ?? null;
        if (name === 'answer') return s.answerPause(textOf(callArgs[0] ?? ''));
        throw new ApxmError('E_EXPRESSION', `unknown function '${name}' (try len, contains, ltm.search, ltm.get, answer)`);
      },
    };
  }

  /** Debug Console completions for the text before `column` (1-based). */
  completions(text: string, column: number): DebugProtocol.CompletionItem[] {
    const before = text.slice(0, Math.max(0, column - 1));
    const word = /([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*\.?)$/.exec(before)?.[1] ?? '';
    const dot = word.lastIndexOf('.');
    const base = dot >= 0 ? word.slice(0, dot) : '';
    const prefix = dot >= 0 ? word.slice(dot + 1) : word;
    const { handle, stopped } = this.session();
    let names: { label: string; type: DebugProtocol.CompletionItemType; detail?: string }[];
    if (base === 'stm') names = (handle?.stm.entries() ?? []).map(([k]) => ({ label: k, type: 'property' }));
    else if (base === 'outputs')
      names = Object.keys(this.exprScope(stopped?.node, stopped?.inputs).lookup('outputs') as Record<string, Value>).map((k) => ({
        label: k,
        type: 'property',
      }));
    else if (base === 'ltm')
      names = [
        { label: 'search', type: 'method', detail: 'ltm.search("text", k)' },
        { label: 'get', type: 'method', detail: 'ltm.get("key")' },
      ];
    else if (base === 'node') names = ['id', 'name', 'op', 'flow', 'attributes'].map((label) => ({ label, type: 'property' }));
    else if (base) names = [];
    else {
      names = [
        ...['inputs', 'output', 'node', 'stm', 'outputs', 'beliefs', 'goals', 'tokens', 'iteration', 'args', 'ltm'].map((label) => ({
          label,
          type: 'variable' as const,
        })),
        ...['len', 'contains', 'lower', 'upper', 'json', 'answer'].map((label) => ({ label, type: 'function' as const })),
      ];
    }
    return names
      .filter((n) => n.label.startsWith(prefix))
      .map((n) => ({ label: n.label, type: n.type, ...(n.detail ? { detail: n.detail } : {}), length: prefix.length }));
  }

  private operationVariables(h: FrameHandle): DebugProtocol.Variable[] {
    const node = this.opNode(h.flow, h.nodeId as number);
    if (!node) return [];
    const { view, stopped } = this.session();
    const ref = this.refOf(h);
    const rec = ref ? view?.nodes.get(ref.nodeExecId) : undefined;
    const inputs = stopped?.node?.nodeExecId === ref?.nodeExecId && stopped?.inputs ? stopped.inputs : rec?.inputs;
    const vars = this.vars;
    const out: DebugProtocol.Variable[] = [
      vars.variable('op', node.op),
      vars.variable('name', node.name),
      vars.variable('id', node.id),
      vars.variable('state', rec?.state ?? 'pending'),
      vars.variable('attributes', node.attributes),
    ];
    if (inputs) out.push(this.inputsVariable(h, ref, rec?.state, inputs));
    if (rec?.prompt) out.push(vars.variable('prompt', rec.prompt));
    if (rec?.reply !== undefined) out.push(vars.variable('reply', rec.reply));
    if (rec?.output !== undefined) out.push(vars.variable('output', rec.output, 'output'));
    if (rec?.error) out.push(vars.variable('error', rec.error as unknown as Value));
    if (rec?.durationMs !== undefined) out.push(vars.variable('durationMs', Math.round(rec.durationMs * 100) / 100));
    if (rec?.tokens) out.push(vars.variable('tokens', rec.tokens));
    return out;
  }

  /** The inputs of an op; while it waits (not started) each can be changed before it runs. */
  private inputsVariable(h: FrameHandle, ref: NodeRef | undefined, state: string | undefined, inputs: Value[]): DebugProtocol.Variable {
    const waiting = state === undefined || state === 'ready';
    const exec = this.session().handle?.execution.control;
    const vars = this.vars;
    const ref2 = vars.add(
      (start, count) =>
        (count > 0 ? inputs.slice(start, start + count) : inputs).map((v, i) => vars.variable(`[${start + i}]`, v, `inputs[${start + i}]`)),
      {
        ...(waiting && ref && exec
          ? {
              setter: (name: string, value: Value) => {
                const index = Number(/^\[?(\d+)\]?$/.exec(name)?.[1] ?? NaN);
                if (!exec.overrideInput(h.frameId, ref.nodeId, index, value))
                  throw new ApxmError(
                    'E_DEBUG_STATE',
                    `input ${name} of node ${ref.nodeId} cannot be changed now (the op has started, or the input has not arrived)`,
                  );
                inputs[index] = value;
                return value;
              },
            }
          : {}),
      },
    );
    return {
      name: 'inputs',
      value: preview(inputs),
      type: 'array',
      variablesReference: ref2,
      indexedVariables: inputs.length,
      evaluateName: 'inputs',
    };
  }

  private outputsOf(h: FrameHandle): [string, Value][] {
    return this.outputs(h).map(({ nodeId, node, value }) => [`${node?.name ?? nodeId} (#${nodeId})`, value]);
  }

  /** The outputs of the ops of frame `h` so far, with their nodes (inline values, the Node outputs scope). */
  outputs(h: FrameHandle): { nodeId: number; node: OpNode | undefined; value: Value }[] {
    const outputs = this.session().handle?.execution.control.frameOutputs(h.frameId) ?? {};
    return Object.entries(outputs).map(([id, value]) => ({ nodeId: Number(id), node: this.opNode(h.flow, Number(id)), value }));
  }

  private runFacts(): Record<string, Value> {
    const { handle, program, view } = this.session();
    return {
      runId: handle?.runId ?? null,
      program: program?.name ?? null,
      tokens: view?.tokens ?? 0,
      llmCalls: view?.llmCalls ?? 0,
      ready: (handle?.execution.control.readyNodes() ?? []).map((n) => `${n.flow}#${n.nodeId} ${n.op} ${n.name}`),
      running: (view?.running() ?? []).map((r) => `${r.ref.flow}#${r.ref.nodeId} ${r.ref.op} ${r.ref.name}`),
    };
  }
}
