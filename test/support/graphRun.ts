/**
 * A real run as the graph page receives it: runs a program in the runtime (simulated LLM, the
 * workspace's capabilities) and turns its events into the host's messages: `graph/show`, then
 * `graph/frameStarted`/`graph/frameEnded`, `graph/status` batches (numbered by `seq`) and
 * `graph/runStatus`, the way the adapter's subscription reports them.
 */
import type { NodeStatusChange, RunStatusBody } from '../../debug-adapter/customProtocol.js';
import type { HostMessage } from '../../media/graph/protocol.js';
import { loadProgramFile } from '../../runtime/programFile.js';
import { programGraph } from '../../runtime/query/programGraph.js';
import { Runtime } from '../../runtime/runtime.js';
import { loadWorkspaceCapabilities } from '../../runtime/workspace.js';
import { encodeChanges } from '../../runtime/query/nodeStatus.js';

export interface RecordedGraphRun {
  show: HostMessage & { type: 'graph/show' };
  /** Everything after graph/show, in order. */
  messages: HostMessage[];
  status: string;
}

export async function recordGraphRun(file: string, args: Record<string, string>, batchSize = 4): Promise<RecordedGraphRun> {
  const program = await loadProgramFile(file);
  const graph = programGraph(program);
  const rt = await Runtime.create({});
  const messages: HostMessage[] = [];
  let seq = 0;
  let runId = '';
  let pending: NodeStatusChange[] = [];
  const stats: RunStatusBody['stats'] = {
    nodesTotal: 0,
    nodesDone: 0,
    nodesFailed: 0,
    nodesSkipped: 0,
    running: 0,
    llmCalls: 0,
    tokens: 0,
    elapsedMs: 0,
  };
  const flush = () => {
    if (!pending.length) return;
    messages.push({ type: 'graph/status', body: { runId, seq: ++seq, ...encodeChanges(pending) } });
    pending = [];
  };
  const change = (c: NodeStatusChange) => {
    // coalesced like the adapter's batches: one entry per execution, its latest state
    pending = pending.filter((p) => !(p.frameId === c.frameId && p.nodeId === c.nodeId));
    pending.push(c);
    if (pending.length >= batchSize) flush();
  };
  try {
    await loadWorkspaceCapabilities(rt.capabilitySystem(), file);
    const ev = rt.events;
    ev.on('run:started', (e) => {
      runId = e.runId;
      stats.nodesTotal = e.nodeCount;
      messages.push({ type: 'graph/runStatus', body: { runId, state: 'running', stats: { ...stats } } });
    });
    ev.on('frame:entered', (f) => {
      flush();
      messages.push({ type: 'graph/frameStarted', body: { frame: f } });
    });
    ev.on('frame:exited', (f) => {
      flush();
      const { outcome, result: _result, ...frame } = f;
      messages.push({ type: 'graph/frameEnded', body: { frame, outcome } });
    });
    ev.on('node:ready', (e) => change({ frameId: e.frameId, nodeId: e.nodeId, flow: e.flow, state: 'ready' }));
    ev.on('node:started', (e) => change({ frameId: e.frameId, nodeId: e.nodeId, flow: e.flow, state: 'running', startedAt: e.startedAt }));
    ev.on('node:finished', (e) => {
      stats.nodesDone++;
      stats.tokens += e.tokens;
      change({
        frameId: e.frameId,
        nodeId: e.nodeId,
        flow: e.flow,
        state: e.replayed ? 'replayed' : 'succeeded',
        startedAt: e.startedAt,
        durationMs: e.durationMs,
        tokens: e.tokens,
      });
    });
    ev.on('node:failed', (e) => {
      stats.nodesFailed++;
      change({ frameId: e.frameId, nodeId: e.nodeId, flow: e.flow, state: 'failed', startedAt: e.startedAt, durationMs: e.durationMs });
    });
    ev.on('node:skipped', (e) => {
      stats.nodesSkipped++;
      change({ frameId: e.frameId, nodeId: e.nodeId, flow: e.flow, state: 'skipped' });
    });
    ev.on('run:finished', (e) => {
      flush();
      const totals = { ...stats, nodesTotal: e.stats.nodesTotal, elapsedMs: e.durationMs };
      messages.push({ type: 'graph/runStatus', body: { runId, state: e.status, stats: totals } });
    });
    const result = await rt.execute(program, { args });
    flush();
    return {
      show: { type: 'graph/show', body: { graph, hash: `test-${graph.name}`, programPath: file, title: graph.name, live: true } },
      messages,
      status: result.status,
    };
  } finally {
    await rt.dispose();
  }
}
