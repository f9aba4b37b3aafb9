import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FrameRef } from '../../runtime/events.js';
import type { GraphFlow, ProgramGraph } from '../../runtime/query/programGraph.js';
import type { NodeState } from '../../debug-adapter/customProtocol.js';
import { GraphModel, nodeKey } from './graphModel.js';
import type { HostMessage } from './protocol.js';
import { encodeChanges } from '../../runtime/query/nodeStatus.js';

/** main: 1 ASK → 2 LOOP_START → 3 THINK → 4 LOOP_END → 5 FLOW_CALL(helper) → 6 PLAN → 7 RETURN. */
function program(): ProgramGraph {
  const node = (id: number, op: string, family: GraphFlow['nodes'][number]['family'] = 'basic') => ({
    id,
    name: `n${id}`,
    op,
    family,
    generated: false,
  });
  const main: GraphFlow = {
    name: 'A.main',
    isEntry: true,
    parameters: [],
    nodes: [
      node(1, 'ASK', 'llm'),
      node(2, 'LOOP_START', 'control'),
      node(3, 'THINK', 'llm'),
      node(4, 'LOOP_END', 'control'),
      node(5, 'FLOW_CALL', 'multiAgent'),
      node(6, 'PLAN', 'llm'),
      node(7, 'RETURN'),
    ],
    edges: [1, 2, 3, 4, 5, 6].map((from) => ({ from, to: from + 1, kind: 'Data' as const })),
    loops: [{ start: 2, end: 4, body: [3] }],
    tryRegions: [],
    criticalPath: [1, 2, 3, 4, 5, 6, 7],
  };
  const helper: GraphFlow = {
    name: 'A.helper',
    isEntry: false,
    parameters: [],
    nodes: [node(1, 'INV', 'tools'), node(2, 'RETURN')],
    edges: [{ from: 1, to: 2, kind: 'Data' }],
    loops: [],
    tryRegions: [],
    criticalPath: [1, 2],
  };
  return { name: 'A', entry: 'A.main', flows: [helper, main] };
}

const frame = (frameId: number, kind: FrameRef['kind'], flow: string, extra: Partial<FrameRef> = {}): FrameRef => ({
  runId: 'r1',
  frameId,
  kind,
  flow,
  label: `${flow} ${frameId}`,
  ...extra,
});

const batch = (seq: number, changes: [frameId: number, nodeId: number, flow: string, state: NodeState, extra?: object][]): HostMessage => ({
  type: 'graph/status',
  body: {
    runId: 'r1',
    seq,
    ...encodeChanges(changes.map(([frameId, nodeId, flow, state, extra]) => ({ frameId, nodeId, flow, state, ...extra }))),
  },
});

function shown(): GraphModel {
  const m = new GraphModel();
  m.apply({ type: 'graph/show', body: { graph: program(), hash: 'h1', programPath: '/p/a.ais', title: 'a.ais', live: true } });
  m.apply({
    type: 'graph/snapshot',
    body: { snapshot: { runId: 'r1', seq: 0, ...encodeChanges([]) }, frames: [frame(1, 'flow', 'A.main')], plans: [] },
  });
  return m;
}

const stateOf = (m: GraphModel, scope: string, id: number) => m.runs.get(nodeKey(scope, id))?.state;

describe('the graph page model', () => {
  it('follows a recorded run: loop iterations on their flow nodes (latest wins), a callee under its caller', { timeout: 5_000 }, () => {
    const m = shown();
    assert.deepEqual(
      m.topScopes.map((s) => s.id),
      ['A.main', 'A.helper'],
      'the entry flow first',
    );
    m.apply(batch(1, [[1, 1, 'A.main', 'succeeded', { durationMs: 120, tokens: 40, startedAt: 5 }]]));
    m.apply({
      type: 'graph/frameStarted',
      body: { frame: frame(2, 'loop', 'A.main', { parentFrameId: 1, callerNodeId: 4, iteration: 0 }) },
    });
    m.apply({
      type: 'graph/frameStarted',
      body: { frame: frame(3, 'loop', 'A.main', { parentFrameId: 1, callerNodeId: 4, iteration: 1 }) },
    });
    // iteration 1 starts before iteration 0's THINK reports it finished: the later iteration's state stays
    m.apply(batch(2, [[3, 3, 'A.main', 'running']]));
    m.apply(batch(3, [[2, 3, 'A.main', 'succeeded', { durationMs: 10 }]]));
    assert.equal(stateOf(m, 'A.main', 3), 'running');
    m.apply(batch(4, [[3, 3, 'A.main', 'succeeded', { durationMs: 30, tokens: 7, cost: 0.0021 }]]));
    assert.deepEqual(m.runs.get(nodeKey('A.main', 3)), { state: 'succeeded', frameId: 3, durationMs: 30, tokens: 7, cost: 0.0021 });
    // a later change of the same execution without figures keeps them
    m.apply(batch(5, [[3, 3, 'A.main', 'succeeded']]));
    assert.equal(m.runs.get(nodeKey('A.main', 3))?.cost, 0.0021);

    m.apply({ type: 'graph/frameStarted', body: { frame: frame(4, 'flow', 'A.helper', { parentFrameId: 1, callerNodeId: 5 }) } });
    const sub = m.scopes.get('A.main/5');
    assert.ok(sub, 'the callee is attached under its FLOW_CALL');
    assert.equal(sub.graph.name, 'A.helper');
    m.apply(batch(6, [[4, 1, 'A.helper', 'failed', { durationMs: 3 }]]));
    assert.equal(stateOf(m, 'A.main/5', 1), 'failed', 'the callee frame states land in the attached graph');
    assert.equal(stateOf(m, 'A.helper', 1), undefined, 'not in the top-level helper flow');
    m.apply({
      type: 'graph/frameEnded',
      body: { frame: frame(4, 'flow', 'A.helper', { parentFrameId: 1, callerNodeId: 5 }), outcome: 'failed' },
    });
    assert.equal(m.runs.get(nodeKey('A.main', 1))?.tokens, 40, 'per-node figures kept');
    assert.equal(m.keyOfFrameNode({ frameId: 4, flow: 'A.helper', nodeId: 1 }), 'A.main/5#1');
    assert.deepEqual(m.hostKey('A.main/5#1'), { flow: 'A.helper', nodeId: 1 });
    assert.equal(m.unplaced, 0);

    m.apply({ type: 'graph/breakpoints', body: { nodes: [{ flow: 'A.helper', nodeId: 1, enabled: true }] } });
    assert.equal(m.hasBreakpoint('A.main/5#1'), true, 'a breakpoint on a flow node shows in every scope drawing it');
    assert.equal(m.hasBreakpoint('A.main#1'), undefined);
  });

  it('coalesces many batches into one redraw: the dirty set holds each changed node once', { timeout: 5_000 }, () => {
    const m = shown();
    m.takeDirty();
    for (let seq = 1; seq <= 200; seq++) m.apply(batch(seq, [[1, 1 + (seq % 3), 'A.main', seq % 2 ? 'running' : 'succeeded']]));
    const d = m.takeDirty();
    assert.equal(d.structure, false, 'states never change the layout');
    assert.deepEqual([...d.nodes].sort(), ['A.main#1', 'A.main#2', 'A.main#3']);
    const again = m.takeDirty();
    assert.equal(again.nodes.size, 0, 'taken once');
    assert.equal(again.structure || again.overlay, false);
  });

  it('adds a PLAN graph that starts mid-run as a sub-graph under its PLAN node', { timeout: 5_000 }, () => {
    const m = shown();
    m.takeDirty();
    const planned: GraphFlow = {
      name: 'A.main.plan',
      isEntry: false,
      parameters: [],
      nodes: [
        { id: 1, name: 'step1', op: 'ASK', family: 'llm', generated: true },
        { id: 2, name: 'step2', op: 'INV', family: 'tools', generated: true },
      ],
      edges: [{ from: 1, to: 2, kind: 'Data' }],
      loops: [],
      tryRegions: [],
      criticalPath: [1, 2],
    };
    m.apply({
      type: 'graph/frameStarted',
      body: { frame: frame(9, 'plan', 'A.main.plan', { parentFrameId: 1, callerNodeId: 6 }), graph: planned },
    });
    assert.equal(m.takeDirty().structure, true);
    const sub = m.scopes.get('A.main/6');
    assert.equal(sub?.kind, 'plan');
    assert.equal(sub?.graph, planned);
    m.apply(batch(1, [[9, 2, 'A.main.plan', 'running']]));
    assert.equal(stateOf(m, 'A.main/6', 2), 'running');
    // the same frames and plans again in a snapshot (a reload) rebuild the same scope
    m.apply({
      type: 'graph/snapshot',
      body: {
        snapshot: { runId: 'r1', seq: 4, ...encodeChanges([{ frameId: 9, nodeId: 1, flow: 'A.main.plan', state: 'succeeded' }]) },
        frames: [frame(9, 'plan', 'A.main.plan', { parentFrameId: 1, callerNodeId: 6 }), frame(1, 'flow', 'A.main')],
        plans: [{ frameId: 9, graph: planned }],
      },
    });
    assert.equal(stateOf(m, 'A.main/6', 1), 'succeeded');
    assert.equal(stateOf(m, 'A.main/6', 2), undefined, 'the snapshot replaces the states');
  });

  it('tolerates gaps in seq, drops a batch that arrives after a newer one, and starts over for a new run', { timeout: 5_000 }, () => {
    const m = shown();
    m.apply(batch(1, [[1, 1, 'A.main', 'running']]));
    m.apply(batch(4, [[1, 1, 'A.main', 'succeeded']]));
    assert.equal(stateOf(m, 'A.main', 1), 'succeeded');
    assert.equal(m.seqStats.gaps, 1);
    m.apply(batch(3, [[1, 1, 'A.main', 'running']]));
    assert.equal(stateOf(m, 'A.main', 1), 'succeeded', 'a late older batch does not undo a newer state');
    assert.equal(m.seqStats.stale, 1);
    m.apply(batch(5, [[77, 2, 'A.main', 'ready']]));
    assert.equal(stateOf(m, 'A.main', 2), 'ready', 'a frame never announced falls back to its flow');
    m.apply(batch(6, [[1, 99, 'A.main', 'ready']]));
    assert.equal(m.unplaced, 1, 'a node the graph does not have is dropped, not drawn');
    m.apply({
      type: 'graph/status',
      body: { runId: 'r2', seq: 1, ...encodeChanges([{ frameId: 1, nodeId: 7, flow: 'A.main', state: 'running' }]) },
    });
    assert.equal(stateOf(m, 'A.main', 1), undefined, 'a new run clears the last run’s states');
    assert.equal(stateOf(m, 'A.main', 7), 'running');
  });
});
