/** The same no-op DAG run by @langchain/langgraph's StateGraph (fan-in edges wait for all sources). */
import { performance } from 'node:perf_hooks';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import type { Shape } from './shapes.js';

export async function runLangGraph(shape: Shape, reps: number): Promise<number> {
  const State = Annotation.Root({ count: Annotation<number>({ reducer: (a: number, b: number) => a + b, default: () => 0 }) });
  // Node names are dynamic, so the builder's generic name tracking is bypassed.
  const g = new StateGraph(State) as unknown as {
    addNode(name: string, fn: () => Promise<{ count: number }>): void;
    addEdge(from: string | string[], to: string): void;
    compile(): { invoke(input: unknown, config: unknown): Promise<{ count: number }> };
  };
  const incoming = new Map<number, number[]>();
  const hasOut = new Set<number>();
  for (const [from, to] of shape.edges) {
    incoming.set(to, [...(incoming.get(to) ?? []), from]);
    hasOut.add(from);
  }
  for (let i = 1; i <= shape.nodes; i++) g.addNode(`n${i}`, async () => ({ count: 1 }));
  for (let i = 1; i <= shape.nodes; i++) {
    const srcs = incoming.get(i);
    if (!srcs) g.addEdge(START, `n${i}`);
    else g.addEdge(srcs.length === 1 ? `n${srcs[0]}` : srcs.map((s) => `n${s}`), `n${i}`);
    if (!hasOut.has(i)) g.addEdge(`n${i}`, END);
  }
  const app = g.compile();
  const config = { recursionLimit: shape.nodes * 4 };
  const first = await app.invoke({}, config);
  if (first.count !== shape.nodes) throw new Error(`langgraph ran ${first.count} of ${shape.nodes} nodes`);
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await app.invoke({}, config);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}
