/** Scheduler overhead per no-op node against the floor loop and LangGraph. */
import { performance } from 'node:perf_hooks';
import { programFromJson } from '../runtime/graph/loadGraphJson.js';
import { Runtime } from '../runtime/runtime.js';
import { runFloor } from './floor.js';
import { runLangGraph } from './langgraphBaseline.js';
import { chain, layered, random, toGraphJson, type Shape } from './shapes.js';

export type Emit = (o: Record<string, unknown>) => void;

type Timed = () => Promise<unknown>;

async function once(f: Timed): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/**
 * Best time of each contender over `reps` rounds, the contenders taking turns within a round, so a
 * slow stretch of the machine (2 shared cores) hits all of them alike. One warm-up round first.
 */
async function bestOf(reps: number, contenders: Timed[]): Promise<number[]> {
  for (const f of contenders) await f();
  const best = contenders.map(() => Infinity);
  for (let r = 0; r < reps; r++) for (let k = 0; k < contenders.length; k++) best[k] = Math.min(best[k], await once(contenders[k]));
  return best;
}

function runOf(rt: Runtime, shape: Shape): Timed {
  const program = programFromJson(toGraphJson(shape));
  return async () => {
    const res = await rt.execute(program);
    if (res.status !== 'succeeded') throw new Error(`bench run failed: ${res.error?.message}`);
  };
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

export async function schedulerBench(emit: Emit, sizes = [10_000, 100_000]): Promise<void> {
  const off = await Runtime.create({ memoryConfig: { recordEpisodes: false } });
  const on = await Runtime.create({ memoryConfig: { recordEpisodes: true } });
  for (const n of sizes) {
    const reps = n >= 100_000 ? 4 : 15;
    for (const shape of [chain(n), layered(n), random(n)]) {
      const [floorMs, offMs, onMs] = await bestOf(reps, [() => runFloor(shape), runOf(off, shape), runOf(on, shape)]);
      const us = (ms: number) => (ms * 1000) / n;
      emit({
        bench: 'scheduler-overhead',
        shape: shape.name,
        nodes: n,
        floor_us_per_node: round(us(floorMs)),
        apxm_us_per_node: round(us(offMs)),
        apxm_recording_us_per_node: round(us(onMs)),
        ratio_vs_floor: round(offMs / floorMs, 2),
        recording_target_us: 10,
        ratio_target: 2,
      });
    }
  }
  await off.dispose();
  await on.dispose();
  for (const shape of [chain(1000), layered(1000, 10)]) {
    const lgMs = await runLangGraph(shape, 3);
    const rtOff = await Runtime.create({ memoryConfig: { recordEpisodes: false } });
    const [apxmMs] = await bestOf(5, [runOf(rtOff, shape)]);
    await rtOff.dispose();
    emit({
      bench: 'scheduler-vs-langgraph',
      shape: shape.name,
      nodes: shape.nodes,
      langgraph_us_per_node: round((lgMs * 1000) / shape.nodes),
      apxm_us_per_node: round((apxmMs * 1000) / shape.nodes),
      speedup_vs_langgraph: round(lgMs / apxmMs, 2),
    });
  }
}
