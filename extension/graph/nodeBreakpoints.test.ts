import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildDagListing } from '../../debug-adapter/dagListing.js';
import { loadProgramFile } from '../../runtime/programFile.js';
import { programGraph } from '../../runtime/query/programGraph.js';
import { REPO_ROOT } from '../../test/support/apxmCli.js';
import {
  breakpointsOnNode,
  nodeBreakpointName,
  nodesWithBreakpoints,
  parseNodeBreakpointName,
  type BreakpointView,
  type NodePlaces,
} from './nodeBreakpoints.js';

const AIS = path.join(REPO_ROOT, 'examples/trip_planner.ais');
const JSON_PROGRAM = path.join(REPO_ROOT, 'examples/trip-planner.json');

async function placesOf(file: string, withListing = false): Promise<NodePlaces> {
  const program = await loadProgramFile(file);
  const listing = buildDagListing(program);
  return { programPath: file, graph: programGraph(program), ...(withListing ? { listing } : {}) };
}

describe('graph breakpoints from VS Code breakpoints', () => {
  it('names a node as the adapter matches it, and reads only such names back', { timeout: 10_000 }, () => {
    assert.equal(nodeBreakpointName({ flow: 'TripPlanner.main', nodeId: 4 }), 'TripPlanner.main#4');
    assert.deepEqual(parseNodeBreakpointName(' TripPlanner.main#4 '), { flow: 'TripPlanner.main', nodeId: 4 });
    assert.deepEqual(parseNodeBreakpointName('A.f#x#12'), { flow: 'A.f#x', nodeId: 12 });
    for (const other of ['ASK', 'inv:search', 'TripPlanner.main.notes', 'TripPlanner.main#', 'main#-1'])
      assert.equal(parseNodeBreakpointName(other), undefined, other);
  });

  it('maps function breakpoints and source lines of an .ais program to its nodes', { timeout: 20_000 }, async () => {
    const places = await placesOf(AIS);
    const bps: BreakpointView[] = [
      { kind: 'function', name: 'TripPlanner.main#2', enabled: true },
      { kind: 'function', name: 'TripPlanner.main#999', enabled: true }, // no such node
      { kind: 'function', name: 'Other.flow#1', enabled: true }, // another program's
      { kind: 'function', name: 'ASK', enabled: true }, // an op type: not one node
      { kind: 'source', file: AIS, line: 9, enabled: false }, // merge
      { kind: 'source', file: path.join(REPO_ROOT, 'examples/review_board.ais'), line: 9, enabled: true },
    ];
    assert.deepEqual(nodesWithBreakpoints(bps, places), [
      { flow: 'TripPlanner.main', nodeId: 2, enabled: true },
      { flow: 'TripPlanner.main', nodeId: 4, enabled: false },
    ]);
  });

  it(
    'places a source breakpoint on a line without an op as the adapter does: the next op within three lines',
    { timeout: 20_000 },
    async () => {
      const places = await placesOf(AIS);
      // line 5 is the flow header, line 6 the first ask; line 1 is a comment five lines above it
      assert.deepEqual(nodesWithBreakpoints([{ kind: 'source', file: AIS, line: 5, enabled: true }], places), [
        { flow: 'TripPlanner.main', nodeId: 1, enabled: true },
      ]);
      assert.deepEqual(nodesWithBreakpoints([{ kind: 'source', file: AIS, line: 1, enabled: true }], places), []);
    },
  );

  it('a node with several breakpoints is listed once, enabled when any of them is', { timeout: 20_000 }, async () => {
    const places = await placesOf(AIS);
    const bps: BreakpointView[] = [
      { kind: 'source', file: AIS, line: 10, enabled: false },
      { kind: 'function', name: 'TripPlanner.main#5', enabled: true },
    ];
    assert.deepEqual(nodesWithBreakpoints(bps, places), [{ flow: 'TripPlanner.main', nodeId: 5, enabled: true }]);
    // toggling that node removes both, so no breakpoint is left stopping there
    assert.deepEqual(breakpointsOnNode(bps, places, { flow: 'TripPlanner.main', nodeId: 5 }), [0, 1]);
    assert.deepEqual(breakpointsOnNode(bps, places, { flow: 'TripPlanner.main', nodeId: 4 }), []);
  });

  it('maps breakpoints in the DAG listing of a .json program to the node on that line', { timeout: 20_000 }, async () => {
    const places = await placesOf(JSON_PROGRAM, true);
    const listing = buildDagListing(await loadProgramFile(JSON_PROGRAM));
    const flow = places.graph.entry;
    const node = places.graph.flows.find((f) => f.name === flow)!.nodes.find((n) => !n.generated)!;
    const line = listing.lineOf(flow, node.id)!;
    const bps: BreakpointView[] = [
      { kind: 'listing', program: JSON_PROGRAM, line, enabled: true },
      { kind: 'listing', program: path.join(REPO_ROOT, 'examples/review-board.json'), line, enabled: true },
      { kind: 'listing', program: JSON_PROGRAM, line: 1, enabled: true }, // the header comment
    ];
    assert.deepEqual(nodesWithBreakpoints(bps, places), [{ flow, nodeId: node.id, enabled: true }]);
    assert.deepEqual(breakpointsOnNode(bps, places, { flow, nodeId: node.id }), [0]);
    // without its listing (the panel has not built it) a listing breakpoint designates nothing
    assert.deepEqual(nodesWithBreakpoints(bps, { ...places, listing: undefined }), []);
  });
});
