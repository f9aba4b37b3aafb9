import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bundle, program, type EdgeSpec, type GraphSpec, type NodeSpec } from '../../test/support/graphBuilder.js';
import { makeRuntime, recordEvents, sleep, tool } from '../../test/support/harness.js';

/**
 * Random valid programs: an entry flow of branches, guards, switches, joins, loops, try/catch
 * regions, asynchronous tool calls (some failing), simulated LLM calls and FLOW_CALLs into a
 * small generated second flow. Every generated program must load; every run must end (within a
 * deadline), settle each started node exactly once, settle nothing after it ended, and settle
 * every node of every frame that succeeded.
 */

const KINDS = [
  'const',
  'const',
  'merge',
  'wait',
  'branch',
  'guard',
  'print',
  'try',
  'try',
  'err',
  'err',
  'loop',
  'inv',
  'flaky',
  'flaky',
  'ask',
  'switch',
  'switch',
  'call',
] as const;
type Kind = (typeof KINDS)[number];

interface GenNode {
  kind: Kind;
  value: boolean;
  /** Tool delay (pick % 4 ms), loop body kind, SWITCH discriminant. */
  pick: number;
}

interface DagData {
  nodes: GenNode[];
  /** [from (modulo the node count), distance to the target − 1, dependency (0–1 Data, 2 Control, 3 Effect), label choice]. */
  edges: [number, number, number, number][];
}

/** Nodes and edges are independent arrays (not chained on a size), so fast-check shrinks both. */
const dagArb = (maxN: number, kinds: readonly Kind[]): fc.Arbitrary<DagData> =>
  fc.record({
    nodes: fc.array(fc.record({ kind: fc.constantFrom(...kinds), value: fc.boolean(), pick: fc.nat({ max: 11 }) }), {
      minLength: 1,
      maxLength: maxN,
      size: 'max',
    }),
    edges: fc.array(fc.tuple(fc.nat({ max: 4 * maxN }), fc.nat({ max: 7 }), fc.nat({ max: 3 }), fc.nat({ max: 4 })), {
      maxLength: 2 * maxN,
      size: 'max',
    }),
  });

const programArb = fc.record({
  main: dagArb(28, KINDS),
  callee: dagArb(
    6,
    KINDS.filter((k) => k !== 'call'),
  ),
  parallelism: fc.integer({ min: 1, max: 4 }),
});

interface Built {
  nodes: NodeSpec[];
  edges: EdgeSpec[];
  /** Loop body nodes: they run in iteration frames, not in the flow's own frame. */
  bodyIds: Set<number>;
  /** Parameter counts of the FLOW_CALLs (one Data edge per parameter). */
  arities: Set<number>;
  errs: number;
  flaky: number;
}

/** Nodes reachable from `starts` along `edges`. */
function reach(starts: number[], edges: EdgeSpec[]): Set<number> {
  const seen = new Set<number>();
  const stack = [...starts];
  while (stack.length) {
    const v = stack.pop() as number;
    if (seen.has(v)) continue;
    seen.add(v);
    for (const e of edges) if (e[0] === v) stack.push(e[1]);
  }
  return seen;
}

function hasCycle(n: number, edges: EdgeSpec[]): boolean {
  const indegree = new Array<number>(n + 1).fill(0);
  for (const e of edges) indegree[e[1]]++;
  const queue = [];
  for (let v = 1; v <= n; v++) if (indegree[v] === 0) queue.push(v);
  let done = 0;
  while (queue.length) {
    const v = queue.pop() as number;
    done++;
    for (const e of edges) if (e[0] === v && --indegree[e[1]] === 0) queue.push(e[1]);
  }
  return done < n;
}

/** A valid flow from the generated data: it respects every rule of runtime/graph/validateFlow.ts. */
function build(d: DagData): Built {
  const n = d.nodes.length;
  const kindOf = (id: number) => d.nodes[id - 1].kind;
  const edges: EdgeSpec[] = [];
  const seen = new Set<string>();
  for (const [a, dist, dep, pick] of d.edges) {
    const from = (a % n) + 1;
    const to = from + 1 + dist; // forward only: acyclic, no self-loops
    if (to > n || seen.has(`${from}-${to}`)) continue; // no duplicates
    seen.add(`${from}-${to}`);
    let dependency: 'Data' | 'Control' | 'Effect' = dep <= 1 ? 'Data' : dep === 2 ? 'Control' : 'Effect';
    // a SWITCH routes on its "discriminant" attribute, not on whatever value flows in
    if (dependency === 'Data' && kindOf(to) === 'switch') dependency = 'Control';
    // labels only on the edges of routing ops, and only their own labels
    const kind = kindOf(from);
    const label =
      kind === 'branch'
        ? ['true', 'false', undefined][pick % 3]
        : kind === 'try'
          ? ['try', 'catch', undefined][pick % 3] // an unlabelled TRY_CATCH edge starts the try region too
          : kind === 'switch'
            ? ['c0', 'c1', 'c2', 'default', undefined][pick]
            : undefined;
    edges.push(label === undefined ? [from, to, dependency] : [from, to, dependency, label]);
  }

  // Try regions as the compiler sees them: reachable from a try edge and not from a catch edge.
  // A catch region starts only once its whole try region has settled: that is an edge from each
  // node of the try region to each catch target. The loader does not check that these implicit
  // The loader refuses a program whose implicit edges close a cycle (two crossed try/catch regions,
  // the catch of each feeding the try region of the other): such a TRY_CATCH loses its catch here.
  const inTry = new Set<number>();
  const implicit: EdgeSpec[] = [];
  for (let t = 1; t <= n; t++) {
    if (kindOf(t) !== 'try') continue;
    const out = edges.filter((e) => e[0] === t);
    const caught = reach(
      out.filter((e) => e[3] !== 'catch').map((e) => e[1]),
      edges,
    );
    const handlers = reach(
      out.filter((e) => e[3] === 'catch').map((e) => e[1]),
      edges,
    );
    const region = [...caught].filter((v) => !handlers.has(v));
    const mine: EdgeSpec[] = [];
    for (const v of region) for (const e of out) if (e[3] === 'catch') mine.push([v, e[1]]);
    if (hasCycle(n, [...edges, ...implicit, ...mine])) {
      for (const e of out) if (e[3] === 'catch') e[3] = 'try';
      for (const v of reach(
        out.map((e) => e[1]),
        edges,
      ))
        inTry.add(v);
    } else {
      implicit.push(...mine);
      for (const v of region) inTry.add(v);
    }
  }

  const nodes: NodeSpec[] = [];
  const bodyIds = new Set<number>();
  let nextId = n + 1;
  let errs = 0;
  let flaky = 0;
  const asyncOp = (id: number, pick: number, failing = false): NodeSpec => [
    id,
    'INV',
    { capability: failing ? 'flaky' : 'sleep', params: { ms: pick % 4 } },
  ];
  for (let i = 0; i < n; i++) {
    const id = i + 1;
    const { kind, value: v, pick } = d.nodes[i];
    const failing = inTry.has(id) ? v || pick < 6 : v && pick < 2;
    switch (kind) {
      case 'merge':
        nodes.push([id, 'MERGE']);
        break;
      case 'wait':
        nodes.push([id, 'WAIT_ALL']);
        break;
      case 'branch':
        nodes.push([id, 'BRANCH_ON_VALUE', { value: v }]);
        break;
      case 'guard':
        nodes.push([id, 'GUARD', { condition: v ? 'not_null' : 'is_null', on_fail: 'skip' }]);
        break;
      case 'print':
        nodes.push([id, 'PRINT', { message: `p${id}` }]);
        break;
      case 'try':
        nodes.push([id, 'TRY_CATCH']);
        break;
      case 'err':
        if (failing) errs++;
        nodes.push(failing ? [id, 'ERR', { message: `boom ${id}` }] : [id, 'CONST_STR', { value: `v${id}` }]);
        break;
      case 'flaky':
        if (failing) flaky++;
        nodes.push(asyncOp(id, pick, failing));
        break;
      case 'inv':
        nodes.push(asyncOp(id, pick));
        break;
      case 'ask':
        nodes.push([id, 'ASK', { template_str: `question ${id}` }]);
        break;
      case 'switch':
        nodes.push([id, 'SWITCH', {}]);
        break; // discriminant set below, once its cases are known
      case 'call':
        nodes.push([id, 'FLOW_CALL', { agent_name: 'Lib' }]);
        break; // flow_name set below, by arity
      case 'loop': {
        // a self-contained loop: LOOP_START (node `id`) → body → LOOP_END; no generated edge touches body or end
        const body = nextId++;
        const end = nextId++;
        bodyIds.add(body);
        // a failing body fails its iteration frame, and so its LOOP_END (mostly caught, as above)
        const bodyFails = pick % 4 === 3 && (inTry.has(id) || pick === 11);
        if (bodyFails) flaky++;
        const bodyNode: NodeSpec =
          pick % 4 === 0
            ? [body, 'CONST_STR', { value: 'b' }]
            : pick % 4 === 2
              ? [body, 'ASK', { template_str: `loop ${id}` }]
              : asyncOp(body, pick, bodyFails);
        nodes.push([id, 'LOOP_START', { count: v ? 2 : 0 }], bodyNode, [end, 'LOOP_END']);
        edges.push([id, body, 'Control'], [body, end]);
        break;
      }
      default:
        nodes.push([id, 'CONST_STR', { value: `v${id}` }]);
    }
  }

  for (let i = 0; i < n; i++) {
    const id = i + 1;
    const out = edges.filter((e) => e[0] === id);
    const node = nodes.find((x) => x[0] === id) as NodeSpec;
    switch (kindOf(id)) {
      case 'try':
        // a TRY_CATCH needs a try region (an out-edge not labelled "catch")
        if (!out.some((e) => e[3] !== 'catch')) {
          const extra = nextId++;
          nodes.push([extra, 'CONST_STR', { value: `try ${id}` }]);
          edges.push([id, extra, 'Control', 'try']);
        }
        break;
      case 'switch': {
        // a SWITCH needs a labelled case; its discriminant matches a case, or reaches its default
        if (!out.some((e) => e[3] !== undefined)) {
          const extra = nextId++;
          nodes.push([extra, 'CONST_STR', { value: `case ${id}` }]);
          edges.push([id, extra, 'Control', 'c0']);
          out.push([id, extra, 'Control', 'c0']);
        }
        const labels = [...new Set(out.map((e) => e[3]).filter((l): l is string => l !== undefined))];
        const cases = labels.filter((l) => l !== 'default');
        const options = labels.includes('default') ? [...cases, 'unmatched'] : cases;
        (node[2] as Record<string, unknown>).discriminant = options[d.nodes[i].pick % options.length];
        break;
      }
      case 'call': {
        // the callee takes one parameter per Data edge into the call
        const arity = edges.filter((e) => e[1] === id && (e[2] ?? 'Data') === 'Data').length;
        (node[2] as Record<string, unknown>).flow_name = `f${arity}`;
        break;
      }
    }
  }
  const arities = new Set(nodes.filter((x) => x[1] === 'FLOW_CALL').map((x) => Number(String(x[2]?.flow_name).slice(1))));
  return { nodes, edges, bodyIds, arities, errs, flaky };
}

function specs(main: Built, callee: Built): GraphSpec[] {
  return [
    { name: 'Main.main', isEntry: true, nodes: main.nodes, edges: main.edges },
    ...[...main.arities]
      .sort((a, b) => a - b)
      .map((k) => ({
        name: `Lib.f${k}`,
        isEntry: false,
        params: Array.from({ length: k }, (_, j) => `p${j}`),
        nodes: callee.nodes,
        edges: callee.edges,
      })),
  ];
}

const SETTLE = new Set(['node:finished', 'node:failed', 'node:skipped']);
const DEADLINE_MS = 5_000;

describe('random DAGs (property)', () => {
  it('always terminate, settling every node exactly once', { timeout: 120_000 }, async () => {
    const rt = await makeRuntime({
      memoryConfig: { recordEpisodes: false },
      llm: { provider: 'simulated', simulatedLatencyMs: { Low: 1, Medium: 1, High: 1 } },
    });
    let toolsInFlight = 0;
    const delayed = (fail: boolean) => async (params: Record<string, unknown>) => {
      toolsInFlight++;
      try {
        await sleep(Number(params.ms));
        if (fail) throw new Error('flaky tool failed');
        return `slept ${Number(params.ms)}`;
      } finally {
        toolsInFlight--;
      }
    };
    tool(rt, 'sleep', delayed(false));
    tool(rt, 'flaky', delayed(true));
    const log = recordEvents(rt);
    const stats = { runs: 0, succeeded: 0, failed: 0 };
    try {
      await fc.assert(
        fc.asyncProperty(programArb, async (d) => {
          const main = build(d.main);
          const callee = build(d.callee);
          const flows = specs(main, callee);
          const text = JSON.stringify(flows.map((f) => ({ name: f.name, params: f.params, nodes: f.nodes, edges: f.edges })));
          try {
            let p;
            try {
              p = bundle('Main.main', flows);
            } catch (e) {
              assert.fail(`the loader rejected a generated program: ${(e as Error).message}`);
            }
            const first = log.all.length;
            const ac = new AbortController();
            let timer: NodeJS.Timeout | undefined;
            const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), DEADLINE_MS)));
            const r = await Promise.race([rt.execute(p, { maxParallelism: d.parallelism, signal: ac.signal }), deadline]);
            clearTimeout(timer);
            if (r === 'timeout') {
              ac.abort();
              assert.fail(`the run did not finish within ${DEADLINE_MS} ms`);
            }
            // let abandoned tool calls and LLM waits end: anything they settle now is a bug
            while (toolsInFlight > 0) await sleep(1);
            await sleep(2);

            const events = log.all
              .slice(first)
              .map(({ name, e }) => ({
                name,
                e: e as {
                  runId: string;
                  nodeExecId?: string;
                  op?: string;
                  frameId?: number;
                  kind?: string;
                  flow?: string;
                  outcome?: string;
                },
              }))
              .filter((x) => x.e.runId === r.runId);
            const end = events.findIndex((x) => x.name === 'run:finished');
            assert.ok(end >= 0, 'no run:finished event');
            assert.equal(events.filter((x) => x.name === 'run:finished').length, 1, 'run:finished emitted more than once');

            // exactly once: a node starts at most once, settles at most once, and every start settles
            const started = new Map<string, number>();
            const settled = new Map<string, number>();
            events.forEach(({ name, e }, at) => {
              const id = e.nodeExecId as string;
              if (name === 'node:started') {
                assert.ok(!started.has(id), `${id} started twice`);
                started.set(id, at);
              } else if (SETTLE.has(name)) {
                assert.ok(!settled.has(id), `${id} settled twice (again as ${name})`);
                settled.set(id, at);
                assert.ok(at < end, `${id} settled (${name}) after the run ended`);
                // (a LOOP_END fails without starting when an iteration of its loop fails)
                if (name === 'node:finished' || (name === 'node:failed' && e.op !== 'LOOP_END'))
                  assert.ok(started.has(id), `${id} ${name} without node:started`);
              } else if (name === 'frame:exited') assert.ok(at < end, `frame ${e.frameId} exited after the run ended`);
            });
            for (const id of started.keys()) assert.ok(settled.has(id), `${id} started but never settled (run ${r.status})`);

            // every frame exits once; a frame that succeeded settled each of its nodes
            const frameOf = (execId: string) => Number(execId.split(':')[1]);
            const perFrame = new Map<number, number>();
            for (const id of settled.keys()) perFrame.set(frameOf(id), (perFrame.get(frameOf(id)) ?? 0) + 1);
            const ownNodes = (flow: string): number => {
              const b = flow === 'Main.main' ? main : callee;
              return b.nodes.length - b.bodyIds.size;
            };
            const entered = events.filter((x) => x.name === 'frame:entered').map((x) => x.e);
            for (const f of entered) {
              const exits = events.filter((x) => x.name === 'frame:exited' && x.e.frameId === f.frameId);
              assert.equal(exits.length, 1, `frame ${f.frameId} (${f.kind} ${f.flow}) exited ${exits.length} times`);
              if (exits[0].e.outcome === 'succeeded') {
                // a loop iteration runs its one body node
                const expected = f.kind === 'loop' ? 1 : ownNodes(f.flow as string);
                assert.equal(
                  perFrame.get(f.frameId as number) ?? 0,
                  expected,
                  `frame ${f.frameId} (${f.kind} ${f.flow}) succeeded without settling all its nodes`,
                );
              }
            }

            stats.runs++;
            if (r.status === 'succeeded') {
              stats.succeeded++;
              // every node of the entry frame that is not a loop body settled
              assert.equal(perFrame.get(1) ?? 0, main.nodes.length - main.bodyIds.size);
            } else {
              stats.failed++;
              assert.equal(r.status, 'failed');
              const calls = main.arities.size > 0;
              const allowed = [
                ...(main.errs || (calls && callee.errs) ? ['E_USER_ERROR'] : []),
                ...(main.flaky || (calls && callee.flaky) ? ['E_CAPABILITY_FAILED'] : []),
              ];
              assert.ok(allowed.includes(r.error?.code ?? ''), `unexpected failure ${r.error?.code}: ${r.error?.message}`);
            }
          } catch (e) {
            throw new Error(`${(e as Error).message}\nprogram (parallelism ${d.parallelism}): ${text}`, { cause: e });
          }
        }),
        { numRuns: 400, includeErrorInReport: true, interruptAfterTimeLimit: 100_000, markInterruptAsFailure: true },
      );

      // nothing of any run settled after that run ended
      const endAt = new Map<string, number>();
      log.all.forEach(({ name, e }, at) => {
        if (name === 'run:finished') endAt.set((e as { runId: string }).runId, at);
      });
      log.all.forEach(({ name, e }, at) => {
        if (!SETTLE.has(name)) return;
        const { runId, nodeExecId } = e as { runId: string; nodeExecId: string };
        assert.ok(at < (endAt.get(runId) ?? Infinity), `${nodeExecId} settled (${name}) after its run ended`);
      });
      assert.ok(stats.succeeded > 0 && stats.failed > 0, `expected both outcomes: ${JSON.stringify(stats)}`);
    } finally {
      await rt.dispose();
    }
  });

  it('refuses crossed try/catch regions (each catch feeding the other try region) when the program loads', () => {
    const spec = {
      nodes: [
        [1, 'TRY_CATCH'],
        [2, 'TRY_CATCH'],
        [3, 'CONST_STR', { value: 'a' }],
        [4, 'CONST_STR', { value: 'b' }],
      ] as NodeSpec[],
      edges: [
        [1, 3, 'Control', 'try'],
        [1, 4, 'Control', 'catch'],
        [2, 4, 'Control', 'try'],
        [2, 3, 'Control', 'catch'],
      ] as EdgeSpec[],
    };
    assert.throws(
      () => program(spec),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'E_PROGRAM_CYCLE');
        assert.match(
          e.message,
          /try\/catch regions of TRY_CATCH 1 \(n1\), 2 \(n2\) wait for each other|try\/catch regions of TRY_CATCH 2 \(n2\), 1 \(n1\) wait for each other/,
        );
        return true;
      },
    );
  });
});
