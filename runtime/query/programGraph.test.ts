import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadProgramFile } from '../programFile.js';
import { programGraph } from './programGraph.js';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');

describe('the program graph query', () => {
  it(
    'trip_planner: nodes with op family and source line, data edges into the merge, the critical path through it',
    { timeout: 10_000 },
    async () => {
      const g = programGraph(await loadProgramFile(path.join(EXAMPLES, 'trip_planner.ais')));
      assert.equal(g.entry, 'TripPlanner.main');
      const [flow] = g.flows;
      assert.deepEqual(flow.parameters, [{ name: 'city', type: 'str' }]);
      const merge = flow.nodes.find((n) => n.op === 'MERGE');
      assert.ok(merge);
      assert.equal(merge.family, 'sync');
      assert.equal(merge.source?.line, 9);
      assert.equal(flow.nodes.find((n) => n.name === 'stay')?.family, 'llm');
      const asks = flow.nodes.filter((n) => n.op === 'ASK').map((n) => n.id);
      assert.deepEqual(
        flow.edges.filter((e) => e.to === merge.id).map((e) => [e.from, e.kind]),
        asks.map((id) => [id, 'Data']),
      );
      // from a source to the sink: an ASK, the merge, the think, then a printing or returning op
      const names = flow.criticalPath.map((id) => flow.nodes.find((n) => n.id === id)?.op);
      assert.equal(names[0], 'ASK');
      assert.deepEqual(names.slice(1, 3), ['MERGE', 'THINK']);
      assert.ok(
        flow.nodes.every((n) => !n.generated),
        'every node of trip_planner is written by hand',
      );
    },
  );

  it('names the tool of each INV, so a view can search by it', { timeout: 10_000 }, async () => {
    const g = programGraph(await loadProgramFile(path.join(EXAMPLES, 'release_checker.ais')));
    const nodes = g.flows.flatMap((f) => f.nodes);
    const invs = nodes.filter((n) => n.op === 'INV');
    assert.ok(invs.length > 0);
    assert.ok(invs.every((n) => typeof n.capability === 'string' && n.capability.length > 0));
    assert.ok(nodes.filter((n) => n.op !== 'INV').every((n) => n.capability === undefined));
  });

  it('marks compiler-generated nodes, and gives loop and try regions by node id', { timeout: 10_000 }, async () => {
    const digest = programGraph(await loadProgramFile(path.join(EXAMPLES, 'resilient_digest.ais')));
    const flow = digest.flows.find((f) => f.isEntry);
    assert.ok(flow);
    const ids = new Set(flow.nodes.map((n) => n.id));
    // the lowering's own nodes (joins, passes) are marked; the ops written in the source are not
    const program = await loadProgramFile(path.join(EXAMPLES, 'resilient_digest.ais'));
    const marked = program.entry.nodes.filter((n) => n.attributes.compiler_generated === true).map((n) => n.id);
    assert.ok(marked.length > 0);
    assert.deepEqual(
      flow.nodes.filter((n) => n.generated).map((n) => n.id),
      marked,
    );
    assert.ok(flow.loops.length > 0 && flow.tryRegions.length > 0, JSON.stringify({ loops: flow.loops, tries: flow.tryRegions }));
    for (const l of flow.loops) {
      assert.equal(flow.nodes.find((n) => n.id === l.start)?.op, 'LOOP_START');
      assert.equal(flow.nodes.find((n) => n.id === l.end)?.op, 'LOOP_END');
      assert.ok(l.body.length > 0 && l.body.every((id) => ids.has(id)));
    }
    for (const t of flow.tryRegions) {
      assert.equal(flow.nodes.find((n) => n.id === t.node)?.op, 'TRY_CATCH');
      assert.ok([...t.tryNodes, ...t.catchNodes].every((id) => ids.has(id)));
    }
  });
});
