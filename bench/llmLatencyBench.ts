/** Simulated-LLM programs with a fixed per-call latency: wall time against the critical-path bound. */
import { performance } from 'node:perf_hooks';
import { programFromJson } from '../runtime/graph/loadGraphJson.js';
import { Runtime } from '../runtime/runtime.js';
import type { Emit } from './schedulerBench.js';
import { p50 } from './stats.js';

const LATENCY_MS = 50;
/** Runs before timing each program, so the JIT has compiled its path (the first runs of a process are slower). */
const WARMUP_RUNS = 3;

interface Case {
  name: string;
  graph: Record<string, unknown>;
  /** LLM calls on the longest path: the bound is this × the latency. */
  criticalCalls: number;
  /** Concurrent calls per level, for the timer floor. */
  width: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The same levels of concurrent sleeps with no runtime at all: what Node's timers alone cost. */
async function timerFloor(levels: number, width: number): Promise<number> {
  const t0 = performance.now();
  for (let l = 0; l < levels; l++) await Promise.all(Array.from({ length: width }, () => sleep(LATENCY_MS)));
  return performance.now() - t0;
}

function node(id: number, op: string, attributes: Record<string, unknown> = {}) {
  return { id, name: `n${id}`, op, attributes };
}

function cases(): Case[] {
  const fanOut = { name: 'Bench.fanout', nodes: [...Array.from({ length: 8 }, (_, i) => node(i + 1, 'ASK', { template_str: `question ${i}` })), node(9, 'MERGE'), node(10, 'THINK', { template_str: 'summarise {0}' }), node(11, 'RETURN')],
    edges: [...Array.from({ length: 8 }, (_, i) => ({ from: i + 1, to: 9, dependency: 'Data' })), { from: 9, to: 10, dependency: 'Data' }, { from: 10, to: 11, dependency: 'Data' }] };
  const layers = 5;
  const width = 4;
  const lnodes = [];
  const ledges = [];
  for (let l = 0; l < layers; l++) for (let k = 0; k < width; k++) {
    const id = l * width + k + 1;
    lnodes.push(node(id, 'ASK', { template_str: `layer ${l} item ${k}` }));
    if (l > 0) ledges.push({ from: (l - 1) * width + k + 1, to: id, dependency: 'Data' }, { from: (l - 1) * width + ((k + 1) % width) + 1, to: id, dependency: 'Data' });
  }
  const chainNodes = Array.from({ length: 10 }, (_, i) => node(i + 1, 'ASK', { template_str: `step ${i} {0}` }));
  const chainEdges = Array.from({ length: 9 }, (_, i) => ({ from: i + 1, to: i + 2, dependency: 'Data' }));
  return [
    { name: 'fan-out-8', graph: fanOut, criticalCalls: 2, width: 8 },
    { name: 'layered-5x4', graph: { name: 'Bench.layered', nodes: lnodes, edges: ledges }, criticalCalls: layers, width },
    { name: 'chain-10', graph: { name: 'Bench.chain', nodes: chainNodes, edges: chainEdges }, criticalCalls: 10, width: 1 },
  ];
}

export async function llmLatencyBench(emit: Emit): Promise<void> {
  const latency = { None: 0, Low: LATENCY_MS, Medium: LATENCY_MS, High: LATENCY_MS };
  const rt = await Runtime.create({ llm: { provider: 'simulated', simulatedLatencyMs: latency }, schedulerConfig: { maxParallelism: 8 } });
  for (const c of cases()) {
    const program = programFromJson(c.graph);
    for (let w = 0; w < WARMUP_RUNS; w++) await rt.execute(program);
    const walls: number[] = [];
    const floors: number[] = [];
    for (let r = 0; r < 11; r++) {
      floors.push(await timerFloor(c.criticalCalls, c.width));
      const t0 = performance.now();
      const res = await rt.execute(program);
      walls.push(performance.now() - t0);
      if (res.status !== 'succeeded') throw new Error(res.error?.message);
    }
    const wall = p50(walls);
    const floor = p50(floors);
    const bound = c.criticalCalls * LATENCY_MS;
    emit({
      bench: 'llm-critical-path', program: c.name, latency_ms_per_call: LATENCY_MS, warmup_runs: WARMUP_RUNS, runs: walls.length, bound_ms: bound, wall_ms_p50: Math.round(wall * 100) / 100,
      overhead_pct: Math.round(((wall - bound) / bound) * 10000) / 100, target_overhead_pct: 2,
      timer_floor_ms_p50: Math.round(floor * 100) / 100, overhead_vs_timer_floor_pct: Math.round(((wall - floor) / floor) * 10000) / 100,
    });
  }
  await rt.dispose();
}
