/** Simulated-LLM programs with a fixed per-call latency: wall time against the critical-path bound. */
import { performance } from 'node:perf_hooks';
import { programFromJson } from '../runtime/graph/loadGraphJson.js';
import type { Program } from '../runtime/graph/types.js';
import { Runtime } from '../runtime/runtime.js';
import type { Emit } from './schedulerBench.js';
import { p50 } from './stats.js';

const LATENCY_MS = 50;
/** Runs before timing the first runs of a process (module loading, first compilations, SQLite statements). */
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
  const fanOut = {
    name: 'Bench.fanout',
    nodes: [
      ...Array.from({ length: 8 }, (_, i) => node(i + 1, 'ASK', { template_str: `question ${i}` })),
      node(9, 'MERGE'),
      node(10, 'THINK', { template_str: 'summarise {0}' }),
      node(11, 'RETURN'),
    ],
    edges: [
      ...Array.from({ length: 8 }, (_, i) => ({ from: i + 1, to: 9, dependency: 'Data' })),
      { from: 9, to: 10, dependency: 'Data' },
      { from: 10, to: 11, dependency: 'Data' },
    ],
  };
  const layers = 5;
  const width = 4;
  const lnodes = [];
  const ledges = [];
  for (let l = 0; l < layers; l++)
    for (let k = 0; k < width; k++) {
      const id = l * width + k + 1;
      lnodes.push(node(id, 'ASK', { template_str: `layer ${l} item ${k}` }));
      if (l > 0)
        ledges.push(
          { from: (l - 1) * width + k + 1, to: id, dependency: 'Data' },
          { from: (l - 1) * width + ((k + 1) % width) + 1, to: id, dependency: 'Data' },
        );
    }
  const chainNodes = Array.from({ length: 10 }, (_, i) => node(i + 1, 'ASK', { template_str: `step ${i} {0}` }));
  const chainEdges = Array.from({ length: 9 }, (_, i) => ({ from: i + 1, to: i + 2, dependency: 'Data' }));
  return [
    { name: 'fan-out-8', graph: fanOut, criticalCalls: 2, width: 8 },
    { name: 'layered-5x4', graph: { name: 'Bench.layered', nodes: lnodes, edges: ledges }, criticalCalls: layers, width },
    { name: 'chain-10', graph: { name: 'Bench.chain', nodes: chainNodes, edges: chainEdges }, criticalCalls: 10, width: 1 },
  ];
}

/** Runs of each program at 1 ms per call before the steady-state measurement: V8 compiles a path only after it ran many times (the overhead kept falling for ~150 runs). */
const JIT_WARMUP_RUNS = 200;

async function measure(rt: Runtime, program: Program, c: Case): Promise<{ wall: number; floor: number }> {
  const walls: number[] = [];
  const floors: number[] = [];
  for (let r = 0; r < 11; r++) {
    floors.push(await timerFloor(c.criticalCalls, c.width));
    const t0 = performance.now();
    const res = await rt.execute(program);
    walls.push(performance.now() - t0);
    if (res.status !== 'succeeded') throw new Error(res.error?.message);
  }
  return { wall: p50(walls), floor: p50(floors) };
}

export async function llmLatencyBench(emit: Emit): Promise<void> {
  const latency = { None: 0, Low: LATENCY_MS, Medium: LATENCY_MS, High: LATENCY_MS };
  const rt = await Runtime.create({ llm: { provider: 'simulated', simulatedLatencyMs: latency }, schedulerConfig: { maxParallelism: 8 } });
  const quick = await Runtime.create({
    llm: { provider: 'simulated', simulatedLatencyMs: { None: 0, Low: 1, Medium: 1, High: 1 } },
    schedulerConfig: { maxParallelism: 8 },
  });
  const pct = (x: number, bound: number) => Math.round(((x - bound) / bound) * 10000) / 100;
  for (const c of cases()) {
    const program = programFromJson(c.graph);
    const bound = c.criticalCalls * LATENCY_MS;
    // First runs of a process: a few warm-up runs, then the median of 11.
    for (let w = 0; w < WARMUP_RUNS; w++) await rt.execute(program);
    const first = await measure(rt, program, c);
    // Steady state: the same program many times at 1 ms per call, so the JIT has compiled its path.
    for (let w = 0; w < JIT_WARMUP_RUNS; w++) await quick.execute(program);
    const steady = await measure(rt, program, c);
    emit({
      bench: 'llm-critical-path',
      program: c.name,
      latency_ms_per_call: LATENCY_MS,
      runs: 11,
      bound_ms: bound,
      wall_ms_p50: Math.round(steady.wall * 100) / 100,
      overhead_pct: pct(steady.wall, bound),
      target_overhead_pct: 2,
      jit_warmup_runs: JIT_WARMUP_RUNS,
      first_runs_wall_ms_p50: Math.round(first.wall * 100) / 100,
      first_runs_overhead_pct: pct(first.wall, bound),
      warmup_runs: WARMUP_RUNS,
      timer_floor_ms_p50: Math.round(steady.floor * 100) / 100,
      timer_floor_overhead_pct: pct(steady.floor, bound),
    });
  }
  await rt.dispose();
  await quick.dispose();
}
