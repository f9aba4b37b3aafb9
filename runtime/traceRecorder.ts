/**
 * Turns run events into episodic log entries (upstream's event names, plus what replay needs: every LLM
 * reply and capability result). Batched through the EpisodicRecorder.
 */
import { parseExecId, type NodeRef, type RuntimeEventEmitter } from './events.js';
import { OP_CATALOGUE, isOpName } from './graph/opCatalogue.js';
import type { EpisodicRecorder } from './memory/episodicRecorder.js';
import type { Value } from './values/value.js';

/**
 * Records the events of the runs it tracks. One per Runtime, subscribed once: a run only joins and
 * leaves the tracked set, so starting a run costs no subscriptions and each event is looked at once
 * however many runs are in flight.
 */
export class TraceRecorder {
  private readonly runs = new Set<string>();
  /** The prompt of each node's LLM call in flight, so the recorded reply carries it (replay, the debugger). */
  private readonly prompts = new Map<string, { role: string; content: string }[]>();
  /** The node of each execution in flight: a memory write names its flow, op and source line (provenance). */
  private readonly running = new Map<string, NodeRef>();
  private subscribed = false;

  constructor(
    private readonly events: RuntimeEventEmitter,
    private readonly recorder: EpisodicRecorder,
    private readonly now: () => number,
  ) {}

  /** Records every event of run `runId` until the returned function is called. */
  track(runId: string): () => void {
    if (!this.subscribed) this.subscribe();
    this.runs.add(runId);
    return () => {
      this.runs.delete(runId);
    };
  }

  private subscribe(): void {
    this.subscribed = true;
    const { events, recorder, runs, prompts, running } = this;
    const rec = (runId: string, frameId: number | null, nodeId: number | null, eventType: string, payload: Value) =>
      recorder.record({ runId, frameId, nodeId, eventType, payload, timestamp: this.now() });
    const recAt = (runId: string, nodeExecId: string, eventType: string, payload: Value) =>
      rec(runId, ...parseExecId(nodeExecId), eventType, payload);
    const debugName = (op: string) => (isOpName(op) ? OP_CATALOGUE[op].debugName : op);
    events.on(
      'run:started',
      (e) => runs.has(e.runId) && rec(e.runId, null, null, 'run_start', { program: e.program, flow: e.flow, args: e.args }),
    );
    events.on('node:started', (e) => {
      if (!runs.has(e.runId)) return;
      running.set(e.nodeExecId, e);
      // flow and name let a timeline of the recording name its bars and select them in the graph
      rec(e.runId, e.frameId, e.nodeId, 'op_start', { op: debugName(e.op), flow: e.flow, name: e.name, inputs: e.inputs });
    });
    // STM and LTM writes, for "which op wrote this key" (runtime/query/memoryPages.ts); episodic writes are events already
    events.on('memory:write', (e) => {
      if (!runs.has(e.runId) || e.tier === 'episodic') return;
      const node = running.get(e.nodeExecId);
      recAt(e.runId, e.nodeExecId, MEMORY_WRITE, {
        tier: e.tier,
        key: e.key,
        ...(node
          ? {
              flow: node.flow,
              op: debugName(node.op),
              name: node.name,
              ...(node.source ? { file: node.source.file, line: node.source.line } : {}),
            }
          : {}),
      });
    });
    events.on('node:finished', (e) => {
      running.delete(e.nodeExecId);
      if (!runs.has(e.runId)) return;
      rec(e.runId, e.frameId, e.nodeId, 'op_success', {
        op: debugName(e.op),
        duration_ms: e.durationMs,
        tokens: e.tokens,
        output: e.output,
        ...(e.replayed ? { replayed: true } : {}),
      });
    });
    events.on('node:failed', (e) => {
      running.delete(e.nodeExecId);
      if (!runs.has(e.runId)) return;
      rec(e.runId, e.frameId, e.nodeId, 'op_failure', {
        op: debugName(e.op),
        duration_ms: e.durationMs,
        error: e.error as unknown as Value,
        handled: e.handled,
      });
    });
    events.on(
      'node:skipped',
      (e) => runs.has(e.runId) && rec(e.runId, e.frameId, e.nodeId, 'op_skipped', { op: debugName(e.op), reason: e.reason }),
    );
    events.on('llm:request', (e) => runs.has(e.runId) && prompts.set(e.nodeExecId, e.messages));
    events.on('llm:response', (e) => {
      if (!runs.has(e.runId)) return;
      const messages = (prompts.get(e.nodeExecId) ?? []) as unknown as Value;
      prompts.delete(e.nodeExecId);
      recAt(e.runId, e.nodeExecId, 'llm_call', {
        phase: e.phase,
        provider: e.provider,
        model: e.model,
        latency_ms: e.latencyMs,
        messages,
        content: e.content,
        simulated: e.simulated,
        input_tokens: e.usage.inputTokens,
        output_tokens: e.usage.outputTokens,
        total_tokens: e.usage.totalTokens,
        // at the prices of the run's time (null: the model had no price), so a timeline read later says what it cost then
        cost: e.cost ?? null,
      });
    });
    // the parameters, so a replay serves each tool result to the same call (runtime/replay/)
    events.on(
      'capability:call',
      (e) => runs.has(e.runId) && recAt(e.runId, e.nodeExecId, 'capability_request', { name: e.name, params: e.params }),
    );
    events.on('capability:result', (e) => {
      if (!runs.has(e.runId)) return;
      recAt(e.runId, e.nodeExecId, 'capability_call', {
        name: e.name,
        result: e.result ?? null,
        error: (e.error as unknown as Value) ?? null,
        duration_ms: e.durationMs,
      });
    });
    events.on('print', (e) => runs.has(e.runId) && recAt(e.runId, e.nodeExecId, 'print', e.text));
    events.on('run:finished', (e) => {
      if (!runs.has(e.runId)) return;
      rec(e.runId, null, null, 'run_end', {
        status: e.status,
        result: e.result ?? null,
        error: (e.error as unknown as Value) ?? null,
        duration_ms: e.durationMs,
        // the run's totals, so a listing of runs reads one event per run
        tokens: e.stats.totalTokens,
        llm_calls: e.stats.llmCalls,
        cost: e.stats.cost ?? null,
      });
      // a failed call leaves its prompt behind: forget this run's
      for (const key of prompts.keys()) if (key.startsWith(`${e.runId}:`)) prompts.delete(key);
      for (const key of running.keys()) if (key.startsWith(`${e.runId}:`)) running.delete(key);
    });
  }
}

/**
 * The episodic event type of a write to an STM or LTM key; the tier and key are in its payload. Not
 * in the type: a program's own episodic query matches types by substring, and must not find the
 * trace's record of its writes when it asks for its own events (a key `answer: …` and a type `answer`).
 */
export const MEMORY_WRITE = 'memory_write';
