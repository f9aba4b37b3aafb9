/** Scheduler overhead per no-op node against the floor loop and LangGraph. */
import { performance } from 'node:perf_hooks';
import { programFromJson } from '../runtime/graph/loadGraphJson.js';
import { Runtime } from '../runtime/runtime.js';
import { runFloor } from './floor.js';
import { runLangGraph } from './langgraphBaseline.js';
import { chain, layered, random, toGraphJson, type Shape } from './shapes.js';

export type Emit = (o: Record<string, unknown>) => void;

async function timeRuntime(rt: Runtime, shape: Shape, reps: number): Promise<number> {
  const program = programFromJson(toGraphJson(shape));
  await rt.execute(program); // warm-up: compiles the flow once
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const res = await rt.execute(program);
    const t = performance.now() - t0;
    if (res.status !== 'succeeded') throw new Error(`bench run failed: ${res.error?.message}`);
    best = Math.min(best, t);
  }
  return best;
}

async function timeFloor(shape: Shape, reps: number): Promise<number> {
  await runFloor(shape);
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await runFloor(shape);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

export async function schedulerBench(emit: Emit, sizes = [10_000, 100_000]): Promise<void> {
  const off = await Runtime.create({ memoryConfig: { recordEpisodes: false } });
  const on = await Runtime.create({ memoryConfig: { recordEpisodes: true } });
  for (const n of sizes) {
    const reps = n >= 100_000 ? 2 : 5;
    for (const shape of [chain(n), layered(n), random(n)]) {
      const floorMs = await timeFloor(shape, reps);
      const offMs = await timeRuntime(off, shape, reps);
      const onMs = await timeRuntime(on, shape, Math.max(1, reps - 1));
      const us = (ms: number) => (ms * 1000) / n;
      emit({
        bench: 'scheduler-overhead', shape: shape.name, nodes: n,
        floor_us_per_node: round(us(floorMs)), apxm_us_per_node: round(us(offMs)), apxm_recording_us_per_node: round(us(onMs)),
        ratio_vs_floor: round(offMs / floorMs, 2), recording_target_us: 10, ratio_target: 2,
      });
    }
  }
  await off.dispose();
  await on.dispose();
  for (const shape of [chain(1000), layered(1000, 10)]) {
    const lgMs = await runLangGraph(shape, 3);
    const rtOff = await Runtime.create({ memoryConfig: { recordEpisodes: false } });
    const apxmMs = await timeRuntime(rtOff, shape, 5);
    await rtOff.dispose();
    emit({
      bench: 'scheduler-vs-langgraph', shape: shape.name, nodes: shape.nodes,
      langgraph_us_per_node: round((lgMs * 1000) / shape.nodes), apxm_us_per_node: round((apxmMs * 1000) / shape.nodes),
      speedup_vs_langgraph: round(lgMs / apxmMs, 2),
    });
  }
}
