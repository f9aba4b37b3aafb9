/** A real SQLite run database for the run-list and timeline tests: runs recorded by a runtime, as `apxm run --db` records them. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { program } from './graphBuilder.js';
import { makeRuntime, tool } from './harness.js';
import { SimulatedProvider } from '../../runtime/llm/simulatedProvider.js';
import type { Runtime } from '../../runtime/runtime.js';
import { RunView } from '../../runtime/query/runView.js';

/**
 * Two branches: an ASK that takes 300 ms and a tool that answers at once, joined by a PRINT before
 * the RETURN. The ASK branch is the one the end waits for (by far, on a loaded machine too).
 */
/** The simulated latency of the fixture's ASK. */
export const ASK_MS = 300;

export const forkJoin = () =>
  program({
    nodes: [
      [1, 'ASK', { template_str: 'Name a colour' }, 'colour'],
      [2, 'INV', { capability: 'quick', params: { n: 1 } }, 'lookup'],
      [3, 'PRINT', { message: 'got' }, 'report'],
      [4, 'RETURN', {}, 'done'],
    ],
    edges: [
      [1, 3],
      [2, 3],
      [3, 4],
    ],
  });

export async function withRunDatabase<T>(fn: (db: string, dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'apxm-runs-'));
  try {
    return await fn(path.join(dir, 'runs.sqlite'), dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Records one run of forkJoin() into `db`; returns its id and the live view a debugger would have kept. */
export async function recordForkJoin(db: string): Promise<{ runId: string; view: RunView }> {
  const rt: Runtime = await makeRuntime({
    memoryConfig: { dbPath: db },
    llmProvider: new SimulatedProvider({ latency: { Low: ASK_MS, Medium: ASK_MS, High: ASK_MS } }),
  });
  let view: RunView | undefined;
  const off = rt.events.on('run:started', (e) => {
    view ??= new RunView(rt.events, e.runId);
  });
  try {
    tool(rt, 'quick', () => Promise.resolve('found'));
    const r = await rt.execute(forkJoin());
    if (r.status !== 'succeeded') throw new Error(`the fixture run ${r.status}`);
    view!.dispose();
    return { runId: r.runId, view: view! };
  } finally {
    off();
    await rt.dispose();
  }
}
