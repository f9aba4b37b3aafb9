/**
 * The debugger's costs, measured through the protocol (DebugClient over stdio, as VS Code drives
 * the adapter):
 * 1. step round trip: `next` request → `stopped` event, p50/p95, on a chain of no-op nodes;
 * 2. breakpoints set but never hit: a 2,000-node layered run with 20 line-less function
 *    breakpoints whose condition is false (evaluated before every node), against the same run
 *    with no breakpoints and against `noDebug`, all in the same adapter process kind;
 * 3. the live node status feed: the same 2,000-node run with a client subscribed to
 *    `apxm/subscribeNodeStatus` (consuming its events) against the same run unsubscribed, as
 *    whole debug runs in fresh adapters and as warm runs restarted in one adapter.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { Emit } from './schedulerBench.js';
import { chain, layered, toGraphJson } from './shapes.js';
import { quantile } from './stats.js';

const ADAPTER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../debug-adapter/dapMain.js');

async function client(): Promise<DebugClient> {
  const dc = new DebugClient(process.execPath, ADAPTER, 'apxm');
  dc.defaultTimeout = 120_000;
  await dc.start();
  return dc;
}

async function stepRoundTrip(file: string, steps: number): Promise<number[]> {
  const dc = await client();
  try {
    await Promise.all([dc.configurationSequence(), dc.launch({ program: file, stopOnEntry: true }), dc.waitForEvent('stopped')]);
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      await Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      times.push(performance.now() - t0);
    }
    await dc.terminateRequest();
    return times;
  } finally {
    await dc.stop().catch(() => undefined);
  }
}

/** Wall time from configurationDone to terminated; `subscribe`: a client subscribed to the node status feed at that rate, consuming its events. */
async function timedRun(file: string, options: { noDebug?: boolean; breakpoints?: number; subscribe?: number }): Promise<number> {
  const dc = await client();
  try {
    await dc.launch({ program: file, ...(options.noDebug ? { noDebug: true } : {}) });
    if (options.breakpoints) {
      const bps = Array.from({ length: options.breakpoints }, () => ({ name: 'JUMP', condition: 'node.id < 0' }));
      await dc.setFunctionBreakpointsRequest({ breakpoints: bps });
    }
    if (options.subscribe) {
      let changes = 0;
      dc.on('apxm/nodeStatus', (e: { body?: { node?: unknown[] } }) => (changes += e.body?.node?.length ?? 0));
      await dc.customRequest('apxm/subscribeNodeStatus', { maxBatchesPerSecond: options.subscribe });
      const t0 = performance.now();
      await Promise.all([dc.configurationDoneRequest(), dc.waitForEvent('terminated')]);
      const t = performance.now() - t0;
      if (changes < 2000) throw new Error(`the subscribed run reported ${changes} node changes, not every node`);
      return t;
    }
    const t0 = performance.now();
    await Promise.all([dc.configurationDoneRequest(), dc.waitForEvent('terminated')]);
    return performance.now() - t0;
  } finally {
    await dc.stop().catch(() => undefined);
  }
}

export async function debuggerBench(emit: Emit): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-dbg-bench-'));
  try {
    const chainFile = path.join(dir, 'chain.json');
    writeFileSync(chainFile, JSON.stringify(toGraphJson(chain(200))));
    const rt = await stepRoundTrip(chainFile, 100);
    emit({
      bench: 'debugger',
      case: 'step round trip (next → stopped)',
      steps: rt.length,
      p50Ms: +quantile(rt, 0.5).toFixed(3),
      p95Ms: +quantile(rt, 0.95).toFixed(3),
    });

    const runFile = path.join(dir, 'layered.json');
    writeFileSync(runFile, JSON.stringify(toGraphJson(layered(2000, 50))));
    // best of three: the runs are short, and the minimum is the least disturbed by the machine
    const best = async (o: { noDebug?: boolean; breakpoints?: number }) => Math.min(...(await sequential(3, () => timedRun(runFile, o))));
    const noDebug = await best({ noDebug: true });
    const debugNoBp = await best({});
    const debugBp = await best({ breakpoints: 20 });
    emit({
      bench: 'debugger',
      case: 'breakpoints set but not hit (2,000 nodes, 20 conditional function breakpoints)',
      noDebugMs: +noDebug.toFixed(1),
      debugNoBreakpointsMs: +debugNoBp.toFixed(1),
      debugWithBreakpointsMs: +debugBp.toFixed(1),
      ratioVsNoDebug: +(debugBp / noDebug).toFixed(3),
      ratioVsDebugNoBreakpoints: +(debugBp / debugNoBp).toFixed(3),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Wall times of `runs` runs of one warm adapter: each held on entry (a restart keeps the session,
 * its subscription and its JIT-warmed code), then run to the sink node, where it stops. With
 * `subscribe`, the client subscribed before the first run, so every node's events pass through
 * the live feed (the feed flushes at each stop) and are consumed.
 */
async function timedRunsToSink(
  file: string,
  runs: number,
  subscribe: number | undefined,
  seen: { events: number; changes: number },
): Promise<number[]> {
  const dc = await client();
  try {
    await dc.launch({ program: file, stopOnEntry: true });
    await Promise.all([dc.configurationDoneRequest(), dc.waitForEvent('stopped')]);
    if (subscribe) {
      for (const name of ['apxm/nodeStatus', 'apxm/frameStarted', 'apxm/frameEnded', 'apxm/runStatus'])
        dc.on(name, (e: { body?: { node?: unknown[] } }) => {
          seen.events++;
          seen.changes += e.body?.node?.length ?? 0;
        });
      await dc.customRequest('apxm/subscribeNodeStatus', { maxBatchesPerSecond: subscribe });
    }
    const graph = (await dc.customRequest('apxm/programGraph', {})).body as { flows: { name: string; criticalPath: number[] }[] };
    const flow = graph.flows[0];
    const sink = flow.criticalPath[flow.criticalPath.length - 1];
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      if (i > 0) await Promise.all([dc.waitForEvent('stopped'), dc.customRequest('restart', {})]);
      const t0 = performance.now();
      await Promise.all([dc.waitForEvent('stopped'), dc.customRequest('apxm/runToNode', { flow: flow.name, nodeId: sink })]);
      times.push(performance.now() - t0);
    }
    return times;
  } finally {
    await dc.stop().catch(() => undefined);
  }
}

/**
 * The node status feed's cost: the 2,000-node run subscribed (events consumed) against
 * unsubscribed, in warm adapters, sessions alternated; the best run of each kind.
 */
export async function debuggerFeedBench(emit: Emit): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-feed-bench-'));
  try {
    const runFile = path.join(dir, 'layered.json');
    writeFileSync(runFile, JSON.stringify(toGraphJson(layered(2000, 50))));
    const plain: number[] = [];
    const subscribed: number[] = [];
    let seen = { events: 0, changes: 0 };
    // the issue's own measure: whole debug runs in fresh adapters (launch to terminated), in turns
    const cold = { plain: [] as number[], subscribed: [] as number[] };
    for (let i = 0; i < 5; i++) {
      cold.plain.push(await timedRun(runFile, {}));
      cold.subscribed.push(await timedRun(runFile, { subscribe: 10 }));
    }
    const [cp, cs] = [Math.min(...cold.plain), Math.min(...cold.subscribed)];
    emit({
      bench: 'debugger',
      case: 'node status feed (the 2,000-op debug run, launch to terminated in a fresh adapter, subscribed at 10 batches/s vs unsubscribed; best of 5 each, in turns)',
      unsubscribedMs: +cp.toFixed(1),
      subscribedMs: +cs.toFixed(1),
      unsubscribedP50Ms: +quantile(cold.plain, 0.5).toFixed(1),
      subscribedP50Ms: +quantile(cold.subscribed, 0.5).toFixed(1),
      ratio: +(cs / cp).toFixed(3),
      ratioP50: +(quantile(cold.subscribed, 0.5) / quantile(cold.plain, 0.5)).toFixed(3),
    });
    const RUNS = 8;
    for (let i = 0; i < 3; i++) {
      // the first run of an adapter is cold (its code not yet compiled): left out of both
      plain.push(...(await timedRunsToSink(runFile, RUNS, undefined, { events: 0, changes: 0 })).slice(1));
      const counted = { events: 0, changes: 0 };
      subscribed.push(...(await timedRunsToSink(runFile, RUNS, 10, counted)).slice(1));
      seen = counted;
    }
    const a = Math.min(...plain);
    const b = Math.min(...subscribed);
    emit({
      bench: 'debugger',
      case: 'node status feed (2,000 nodes, entry stop to the sink, subscribed at 10 batches/s and consuming events, vs unsubscribed; warm adapters)',
      unsubscribedMs: +a.toFixed(1),
      subscribedMs: +b.toFixed(1),
      unsubscribedP50Ms: +quantile(plain, 0.5).toFixed(1),
      subscribedP50Ms: +quantile(subscribed, 0.5).toFixed(1),
      ratio: +(b / a).toFixed(3),
      ratioP50: +(quantile(subscribed, 0.5) / quantile(plain, 0.5)).toFixed(3),
      eventsPerSession: seen.events,
      nodeChangesPerSession: seen.changes,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sequential(n: number, f: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await f());
  return out;
}
