/**
 * apxm/runNext and apxm/runToNode over real stdio with a DebugClient: the op chosen runs next, the
 * run stops at the node asked for, `continued` / `stopped` flow as for DAP's own steps, and what
 * cannot be done is refused with what can.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { errorOf, launch, scopeVariables, topFrame, withClient } from '../test/support/debugClient.js';
import type { ProgramGraph } from '../runtime/query/programGraph.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TRIP = path.resolve(HERE, '../../examples/trip_planner.ais');
const FLOW = 'TripPlanner.main';

/** Launches trip_planner stopped on entry (three ASKs ready: stay, food, transport). */
const startTrip = (dc: DebugClient) => launch(dc, { program: TRIP, args: { city: 'Oslo' }, stopOnEntry: true }, { until: 'stopped' });

async function nodeId(dc: DebugClient, name: string): Promise<number> {
  const g = (await dc.customRequest('apxm/programGraph', {})).body as ProgramGraph;
  const n = g.flows.find((f) => f.name === FLOW)?.nodes.find((x) => x.name === name);
  assert.ok(n, `node ${name}`);
  return n.id;
}

/** The names of the outputs in the top frame's Node outputs scope. */
async function nodeOutputs(dc: DebugClient): Promise<string[]> {
  const vars = await scopeVariables(dc, (await topFrame(dc, 1)).id, 'Node outputs');
  return vars.map((v) => v.name.replace(/ \(#\d+\)$/, ''));
}

describe('apxm/runNext', () => {
  it('runs the chosen ready op (not the first) next and stops after it, with continued then stopped', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      await startTrip(dc);
      const transport = await nodeId(dc, 'transport');
      const first = (await dc.stepInTargetsRequest({ frameId: (await topFrame(dc, 1)).id })).body.targets[0];
      assert.ok(!first.label.startsWith('ASK transport'), 'transport is not the op a plain step would run');
      const events: string[] = [];
      dc.on('continued', () => events.push('continued'));
      dc.on('stopped', (e: DebugProtocol.StoppedEvent) => events.push(`stopped:${e.body.reason}`));
      await Promise.all([dc.customRequest('apxm/runNext', { frameId: 1, nodeId: transport }), dc.waitForEvent('stopped')]);
      assert.deepEqual(events, ['continued', 'stopped:step']);
      assert.deepEqual(await nodeOutputs(dc), ['transport']);
      // an op that is not ready is refused, naming the ones that are
      const notReady = (await errorOf(dc, 'apxm/runNext', { frameId: 1, nodeId: transport })).message;
      assert.match(notReady, /is not ready; ready: .*ASK (stay|food)/);
      await dc.terminateRequest();
    }),
  );

  it('is refused while the run is running (a PAUSE waits)', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-runnext-'));
      try {
        const file = path.join(dir, 'approve.ais');
        writeFileSync(file, 'agent H { @entry flow main() -> str {\n  pause("Approve?") -> verdict\n  return verdict } }\n');
        const waiting = dc.waitForEvent('apxm/pauseWaiting');
        await launch(dc, { program: file });
        const w = (await waiting).body as { checkpointId: string; nodeId: number };
        const r = (await errorOf(dc, 'apxm/runNext', { frameId: 1, nodeId: w.nodeId })).message;
        assert.match(r, /while the debugger is stopped/);
        await Promise.all([
          dc.customRequest('apxm/answerPause', { checkpointId: w.checkpointId, text: 'yes' }),
          dc.waitForEvent('terminated'),
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
  );
});

describe('apxm/runToNode', () => {
  it('continues to the node and stops before it with reason step, naming the op', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      await startTrip(dc);
      const plan = await nodeId(dc, 'plan');
      const [, stopped] = await Promise.all([
        dc.customRequest('apxm/runToNode', { flow: FLOW, nodeId: plan }),
        dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>,
      ]);
      assert.equal(stopped.body.reason, 'step');
      assert.match(stopped.body.description ?? '', /THINK plan/);
      const top = await topFrame(dc, 1);
      assert.equal(top.line, 10);
      assert.match(top.name, /^THINK plan/);
      await dc.terminateRequest();
    }),
  );

  it('a breakpoint on the way stops first and drops the target', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      await startTrip(dc);
      await dc.setBreakpointsRequest({ source: { path: TRIP }, breakpoints: [{ line: 9 }] });
      const plan = await nodeId(dc, 'plan');
      const stops: string[] = [];
      dc.on('stopped', (e: DebugProtocol.StoppedEvent) => stops.push(e.body.reason));
      await Promise.all([dc.customRequest('apxm/runToNode', { flow: FLOW, nodeId: plan }), dc.waitForEvent('stopped')]);
      assert.equal((await topFrame(dc, 1)).line, 9);
      // the target was dropped: continuing runs to the end without stopping at the THINK
      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
      assert.deepEqual(stops, ['breakpoint']);
    }),
  );

  it('with execution n it passes the earlier starts of a loop body and stops at its (n+1)th', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-runto-loop-'));
      try {
        const file = path.join(dir, 'loop.ais');
        writeFileSync(
          file,
          'agent L { @entry flow main() -> str {\n  loop (x in ["a", "b", "c", "d"]) {\n    print("item " + x)\n  }\n  return "done" } }\n',
        );
        const printed: string[] = [];
        dc.on('output', (e: DebugProtocol.OutputEvent) => {
          if (e.body.output.startsWith('item ')) printed.push(e.body.output.trim());
        });
        await launch(dc, { program: file, stopOnEntry: true }, { until: 'stopped' });
        const g = (await dc.customRequest('apxm/programGraph', {})).body as ProgramGraph;
        const print = g.flows.find((f) => f.name === 'L.main')?.nodes.find((n) => n.op === 'PRINT');
        assert.ok(print, 'the PRINT in the loop body');
        const [, stopped] = await Promise.all([
          dc.customRequest('apxm/runToNode', { flow: 'L.main', nodeId: print.id, execution: 2 }),
          dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>,
        ]);
        assert.equal(stopped.body.reason, 'step');
        assert.deepEqual(printed, ['item a', 'item b'], 'stopped before the third print, not the first');
        const bad = (await errorOf(dc, 'apxm/runToNode', { flow: 'L.main', nodeId: print.id, execution: -1 })).message;
        assert.match(bad, /execution/);
        await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
        assert.deepEqual(printed, ['item a', 'item b', 'item c', 'item d']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
  );

  it('an unknown flow or node is refused, naming the flows there are', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      await startTrip(dc);
      const flow = (await errorOf(dc, 'apxm/runToNode', { flow: 'Nope.main', nodeId: 1 })).message;
      assert.match(flow, /no flow 'Nope\.main'.*TripPlanner\.main/);
      const node = (await errorOf(dc, 'apxm/runToNode', { flow: FLOW, nodeId: 999 })).message;
      assert.match(node, /has no node 999/);
      await dc.terminateRequest();
    }),
  );
});
