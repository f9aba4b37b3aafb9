/**
 * Turns run events into episodic log entries (spec §6.2 names, plus what replay needs: every LLM
 * reply and capability result). Batched through the EpisodicRecorder.
 */
import type { RuntimeEventEmitter } from './events.js';
import { OP_CATALOGUE, isOpName } from './graph/opCatalogue.js';
import type { EpisodicRecorder } from './memory/episodicRecorder.js';
import type { Value } from './values/value.js';

/** `<runId>:<frame>:<node>` → [frame, node]; [null, null] for run-level ids. */
function parseExecId(nodeExecId: string): [number | null, number | null] {
  const parts = nodeExecId.split(':');
  if (parts.length < 3) return [null, null];
  const frame = Number(parts[parts.length - 2]);
  const node = Number(parts[parts.length - 1]);
  return Number.isFinite(frame) && Number.isFinite(node) ? [frame, node] : [null, null];
}

/** Records every event of run `runId`; returns the unsubscribe function. */
export function recordRunTrace(events: RuntimeEventEmitter, recorder: EpisodicRecorder, runId: string, now: () => number): () => void {
  const rec = (frameId: number | null, nodeId: number | null, eventType: string, payload: Value) =>
    recorder.record({ runId, frameId, nodeId, eventType, payload, timestamp: now() });
  const recAt = (nodeExecId: string, eventType: string, payload: Value) => rec(...parseExecId(nodeExecId), eventType, payload);
  // The prompt of each node's LLM call in flight, so the recorded reply carries it (replay, the debugger).
  const prompts = new Map<string, { role: string; content: string }[]>();
  const debugName = (op: string) => (isOpName(op) ? OP_CATALOGUE[op].debugName : op);
  const offs = [
    events.on('run:started', (e) => e.runId === runId && rec(null, null, 'run_start', { program: e.program, flow: e.flow, args: e.args })),
    events.on('node:started', (e) => e.runId === runId && rec(e.frameId, e.nodeId, 'op_start', { op: debugName(e.op), inputs: e.inputs })),
    events.on('node:finished', (e) => {
      if (e.runId !== runId) return;
      rec(e.frameId, e.nodeId, 'op_success', { op: debugName(e.op), duration_ms: e.durationMs, tokens: e.tokens, output: e.output, ...(e.replayed ? { replayed: true } : {}) });
    }),
    events.on('node:failed', (e) => e.runId === runId && rec(e.frameId, e.nodeId, 'op_failure', { op: debugName(e.op), duration_ms: e.durationMs, error: e.error as unknown as Value, handled: e.handled })),
    events.on('node:skipped', (e) => e.runId === runId && rec(e.frameId, e.nodeId, 'op_skipped', { op: debugName(e.op), reason: e.reason })),
    events.on('llm:request', (e) => e.runId === runId && prompts.set(e.nodeExecId, e.messages)),
    events.on('llm:response', (e) => {
      if (e.runId !== runId) return;
      const messages = (prompts.get(e.nodeExecId) ?? []) as unknown as Value;
      prompts.delete(e.nodeExecId);
      recAt(e.nodeExecId, 'llm_call', {
        phase: e.phase, provider: e.provider, model: e.model, latency_ms: e.latencyMs, messages, content: e.content, simulated: e.simulated,
        input_tokens: e.usage.inputTokens, output_tokens: e.usage.outputTokens, total_tokens: e.usage.totalTokens,
      });
    }),
    // the parameters, so a replay serves each tool result to the same call (runtime/replay/)
    events.on('capability:call', (e) => e.runId === runId && recAt(e.nodeExecId, 'capability_request', { name: e.name, params: e.params })),
    events.on('capability:result', (e) => {
      if (e.runId !== runId) return;
      recAt(e.nodeExecId, 'capability_call', { name: e.name, result: e.result ?? null, error: (e.error as unknown as Value) ?? null, duration_ms: e.durationMs });
    }),
    events.on('print', (e) => e.runId === runId && recAt(e.nodeExecId, 'print', e.text)),
    events.on('run:finished', (e) => {
      if (e.runId !== runId) return;
      rec(null, null, 'run_end', { status: e.status, result: e.result ?? null, error: (e.error as unknown as Value) ?? null, duration_ms: e.durationMs });
      recorder.flush();
    }),
  ];
  return () => offs.forEach((off) => off());
}
