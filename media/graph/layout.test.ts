import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GraphFlow } from '../../runtime/query/programGraph.js';
import { agentFlow, agentProgram } from '../../test/support/agentDag.js';
import { GraphModel } from './graphModel.js';
import { edgeId, layoutGraph, LAYOUT, type Box, type LayoutGraphIn } from './layout.js';
import { collapsedAround, loopKey, regionOutlines, topKey, visibleGraph } from './visibleGraph.js';
import { encodeChanges } from '../../runtime/query/nodeStatus.js';

const overlaps = (a: Box, b: Box) => a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
const inside = (inner: Box, outer: Box) =>
  inner[0] >= outer[0] && inner[1] >= outer[1] && inner[0] + inner[2] <= outer[0] + outer[2] && inner[1] + inner[3] <= outer[1] + outer[3];

function flowInput(flow: GraphFlow): LayoutGraphIn {
  return {
    nodes: flow.nodes.map((n) => ({ key: String(n.id), w: 100, h: 40 })),
    edges: flow.edges.map((e) => ({ from: String(e.from), to: String(e.to), aside: e.kind === 'Effect' })),
  };
}

function show(model: GraphModel, flow: GraphFlow, hash = 'h') {
  model.apply({
    type: 'graph/show',
    body: { graph: { name: 'P', entry: flow.name, flows: [flow] }, hash, programPath: '/p', title: 'p', live: true },
  });
}

describe('the graph layout', () => {
  it('lays a 5,000-node agent DAG out top-down with no two nodes overlapping, long edges kept aside', { timeout: 30_000 }, () => {
    const flow = agentFlow(5000);
    const input = flowInput(flow);
    const r = layoutGraph(input);
    const boxes = flow.nodes.map((n) => r.boxes[String(n.id)]);
    assert.ok(boxes.every(Boolean), 'every node placed');
    const aside = new Set(r.aside);
    let checked = 0;
    for (const e of flow.edges) {
      const id = edgeId(String(e.from), String(e.to));
      // inputs above outputs, for every edge (aside ones included: layers follow all edges)
      assert.ok(r.boxes[String(e.from)][1] < r.boxes[String(e.to)][1], `edge ${id} points down`);
      if (e.kind === 'Effect') assert.ok(aside.has(id), `effect edge ${id} is aside`);
      checked++;
    }
    assert.equal(checked, flow.edges.length);
    assert.ok(aside.size > 0 && aside.size < flow.edges.length / 2, `aside edges: ${aside.size}`);
    // nodes of one row share a y: check neighbours within each row
    const rows = new Map<number, Box[]>();
    for (const b of boxes) rows.set(b[1], [...(rows.get(b[1]) ?? []), b]);
    for (const row of rows.values()) {
      row.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < row.length; i++)
        assert.ok(row[i][0] >= row[i - 1][0] + row[i - 1][2] + LAYOUT.gapX - 1e-6, 'no overlap in a row');
    }
    assert.deepEqual(layoutGraph(input), r, 'the same graph lays out the same');
  });

  it('puts a node that feeds a late op just above it, not at the top', { timeout: 5_000 }, () => {
    const r = layoutGraph({
      nodes: ['a', 'b', 'c', 'd', 'k'].map((key) => ({ key, w: 50, h: 20 })),
      edges: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'd' },
        { from: 'k', to: 'd' },
      ],
    });
    assert.equal(r.boxes.k[1], r.boxes.c[1]);
    assert.ok(r.boxes.a[1] < r.boxes.b[1] && r.boxes.b[1] < r.boxes.c[1] && r.boxes.c[1] < r.boxes.d[1]);
  });

  it('orders a fan-out so branches do not cross into their joins', { timeout: 5_000 }, () => {
    // h fans out to x1..x3, each to y1..y3, listed out of order: a layer ordered by input order would cross
    const r = layoutGraph({
      nodes: ['h', 'y3', 'x1', 'y1', 'x2', 'y2', 'x3'].map((key) => ({ key, w: 40, h: 20 })),
      edges: [
        { from: 'h', to: 'x1' },
        { from: 'h', to: 'x2' },
        { from: 'h', to: 'x3' },
        { from: 'x3', to: 'y3' },
        { from: 'x1', to: 'y1' },
        { from: 'x2', to: 'y2' },
      ],
    });
    const order = (keys: string[]) => keys.sort((a, b) => r.boxes[a][0] - r.boxes[b][0]).map((k) => k.slice(1));
    assert.deepEqual(order(['x1', 'x2', 'x3']), order(['y1', 'y2', 'y3']));
  });

  it('places a sub-graph inside the node that holds it, and a status never moves a node', { timeout: 10_000 }, () => {
    const model = new GraphModel();
    const program = agentProgram(60);
    model.apply({ type: 'graph/show', body: { graph: program, hash: 'h', programPath: '/p', title: 'p', live: true } });
    model.apply({
      type: 'graph/snapshot',
      body: {
        snapshot: { runId: 'r', seq: 0, ...encodeChanges([]) },
        frames: [{ runId: 'r', frameId: 1, kind: 'flow', flow: 'Bench.main', label: 'main' }],
        plans: [],
      },
    });
    const planNode = program.flows[0].nodes.find((n) => n.op === 'MERGE') as { id: number };
    const planned = agentFlow(12, 3, 'Bench.main.plan');
    model.apply({
      type: 'graph/frameStarted',
      body: {
        frame: {
          runId: 'r',
          frameId: 2,
          parentFrameId: 1,
          callerNodeId: planNode.id,
          kind: 'plan',
          flow: 'Bench.main.plan',
          label: 'plan',
        },
        graph: planned,
      },
    });
    const before = visibleGraph(model, new Set());
    const r = layoutGraph(before.input);
    const holder = r.boxes[`Bench.main#${planNode.id}`];
    for (const n of planned.nodes)
      assert.ok(inside(r.boxes[`Bench.main/${planNode.id}#${n.id}`], holder), `plan node ${n.id} inside its PLAN node`);
    assert.ok(inside(holder, r.boxes[topKey('Bench.main')]));
    const keys = Object.keys(r.boxes);
    for (let i = 0; i < keys.length; i++)
      for (let j = i + 1; j < keys.length; j++) {
        const [a, b] = [r.boxes[keys[i]], r.boxes[keys[j]]];
        assert.ok(!overlaps(a, b) || inside(a, b) || inside(b, a), `${keys[i]} and ${keys[j]} overlap`);
      }

    model.apply({
      type: 'graph/status',
      body: {
        runId: 'r',
        seq: 1,
        ...encodeChanges(
          program.flows[0].nodes.map((n) => ({ frameId: 1, nodeId: n.id, flow: 'Bench.main', state: 'succeeded' as const })),
        ),
      },
    });
    const after = visibleGraph(model, new Set());
    assert.equal(after.structureKey, before.structureKey);
    assert.deepEqual(layoutGraph(after.input), r);

    // collapsed, the PLAN's graph is drawn as its node alone
    const collapsed = visibleGraph(model, new Set([`Bench.main/${planNode.id}`]));
    assert.notEqual(collapsed.structureKey, before.structureKey);
    assert.equal(collapsed.shownAs.get(`Bench.main/${planNode.id}#1`), `Bench.main#${planNode.id}`);
    assert.equal(layoutGraph(collapsed.input).boxes[`Bench.main/${planNode.id}#1`], undefined);
  });

  it('draws a collapsed loop as one node that takes the loop’s edges', { timeout: 5_000 }, () => {
    const model = new GraphModel();
    const n = (id: number, op: string) => ({ id, name: `n${id}`, op, family: 'control' as const, generated: false });
    const flow: GraphFlow = {
      name: 'L.main',
      isEntry: true,
      parameters: [],
      nodes: [n(1, 'ASK'), n(2, 'LOOP_START'), n(3, 'THINK'), n(4, 'LOOP_END'), n(5, 'RETURN')],
      edges: [1, 2, 3, 4].map((from) => ({ from, to: from + 1, kind: 'Data' as const })),
      loops: [{ start: 2, end: 4, body: [3] }],
      tryRegions: [],
      criticalPath: [],
    };
    show(model, flow);
    const key = loopKey('L.main', 2);
    const v = visibleGraph(model, new Set([key]));
    assert.equal(v.items.get(key)?.kind, 'loop');
    assert.deepEqual(
      v.edges.map((e) => `${e.from}>${e.to}`),
      ['L.main#1>L.main#loop2', 'L.main#loop2>L.main#5'],
    );
    assert.equal(v.shownAs.get('L.main#3'), key);
    assert.deepEqual(collapsedAround(model, 'L.main#3', new Set([key, 'L.main'])), [key, 'L.main']);
  });

  it('outlines an expanded loop and a try/catch around their drawn nodes, a collapsed loop not', { timeout: 5_000 }, () => {
    const model = new GraphModel();
    const n = (id: number, op: string) => ({ id, name: `n${id}`, op, family: 'control' as const, generated: false });
    const flow: GraphFlow = {
      name: 'R.main',
      isEntry: true,
      parameters: [],
      nodes: [n(1, 'LOOP_START'), n(2, 'TRY_CATCH'), n(3, 'INV'), n(4, 'PRINT'), n(5, 'LOOP_END'), n(6, 'RETURN')],
      edges: [1, 2, 3, 4, 5].map((from) => ({ from, to: from + 1, kind: 'Data' as const })),
      loops: [{ start: 1, end: 5, body: [2, 3, 4] }],
      tryRegions: [{ node: 2, tryNodes: [3], catchNodes: [4] }],
      criticalPath: [],
    };
    show(model, flow);
    const expanded = visibleGraph(model, new Set());
    const { boxes } = layoutGraph(expanded.input);
    const outlines = regionOutlines(model, expanded, boxes);
    assert.deepEqual(outlines.map((o) => o.kind).sort(), ['catch', 'loop', 'try']);
    const of = (kind: string) => outlines.find((o) => o.kind === kind)?.box as Box;
    for (const id of [1, 2, 3, 4, 5]) assert.ok(inside(boxes[`R.main#${id}`], of('loop')), `loop outline holds node ${id}`);
    assert.ok(!overlaps(boxes['R.main#6'], of('loop')), 'the RETURN after the loop is outside it');
    assert.ok(inside(boxes['R.main#3'], of('try')) && !overlaps(boxes['R.main#4'], of('try')));
    assert.ok(inside(of('try'), of('loop')), 'the try region sits inside its loop');
    const top = boxes[topKey('R.main')];
    assert.ok(of('loop')[0] >= top[0] && of('loop')[0] + of('loop')[2] <= top[0] + top[2], 'no outline past its flow’s box');
    const collapsed = visibleGraph(model, new Set([loopKey('R.main', 1)]));
    assert.deepEqual(
      regionOutlines(model, collapsed, layoutGraph(collapsed.input).boxes),
      [],
      'a collapsed loop is one node: nothing to outline',
    );
  });
});
