import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { program } from '../../test/support/graphBuilder.js';
import { frameLayout } from '../graph/compileFlow.js';
import { makeRuntime, recordEvents, sleep, tool } from '../../test/support/harness.js';

describe('token-counting scheduler', () => {
  it('fires a node once all its inputs arrived, with inputs in edge order', async () => {
    const rt = await makeRuntime();
    const log = recordEvents(rt);
    const p = program({
      nodes: [
        [1, 'CONST_STR', { value: 'a' }],
        [2, 'CONST_STR', { value: 'b' }],
        [3, 'CONST_STR', { value: 'c' }],
        [4, 'MERGE', { strategy: 'concat', separator: '+' }],
        [5, 'RETURN'],
      ],
      edges: [
        [3, 4],
        [1, 4],
        [2, 4],
        [4, 5],
      ],
    });
    const r = await rt.execute(p);
    assert.equal(r.status, 'succeeded');
    assert.equal(r.result, 'c+a+b');
    const order = log.started();
    assert.ok(order.indexOf(4) > Math.max(order.indexOf(1), order.indexOf(2), order.indexOf(3)));
    assert.equal(r.stats.nodesExecuted, 5);
    // Per-node outputs are made when first read; copies and JSON see them too.
    assert.deepEqual(JSON.parse(JSON.stringify(r)).outputs, { 1: 'a', 2: 'b', 3: 'c', 4: 'c+a+b', 5: 'c+a+b' });
    assert.equal({ ...r }.outputs[4], 'c+a+b');
    assert.equal(r.outputs, r.outputs, 'made once');
    await rt.dispose();
  });

  it('Effect edges order without carrying skips; Control edges carry them', async () => {
    const rt = await makeRuntime();
    const log = recordEvents(rt);
    // 1 → branch 2 (false) → 3 is skipped; 4 comes after 3 by an Effect edge, 5 by a Control edge.
    const p = program({
      nodes: [
        [1, 'CONST_STR', { value: '' }],
        [2, 'BRANCH_ON_VALUE', { condition: 'not_empty' }],
        [3, 'PRINT', { message: 'arm' }],
        [4, 'PRINT', { message: 'after (effect)' }],
        [5, 'PRINT', { message: 'after (control)' }],
      ],
      edges: [
        [1, 2],
        [2, 3, 'Control', 'true'],
        [3, 4, 'Effect'],
        [3, 5, 'Control'],
      ],
    });
    const r = await rt.execute(p);
    assert.equal(r.status, 'succeeded');
    assert.deepEqual(
      log.of('print').map((e) => e.text),
      ['after (effect)'],
    );
    assert.deepEqual(log.skipped().sort(), [3, 5]);
    assert.ok(log.started().indexOf(4) > log.started().indexOf(2), 'the effect edge still orders');
    await rt.dispose();
  });

  it('never runs more nodes at once than maxParallelism', async () => {
    const rt = await makeRuntime({ schedulerConfig: { maxParallelism: 3 } });
    let active = 0;
    let peak = 0;
    tool(rt, 'slow', async () => {
      active++;
      peak = Math.max(peak, active);
      await sleep(3);
      active--;
      return 'ok';
    });
    const nodes: [number, string, Record<string, unknown>?][] = [];
    const edges: [number, number][] = [];
    for (let i = 1; i <= 12; i++) {
      nodes.push([i, 'INV', { capability: 'slow' }]);
      edges.push([i, 100]);
    }
    nodes.push([100, 'WAIT_ALL']);
    const r = await rt.execute(program({ nodes, edges }));
    assert.equal(r.status, 'succeeded');
    assert.equal((r.result as unknown[]).length, 12);
    assert.equal(peak, 3);
    assert.equal(r.stats.maxParallelism, 3);
    await rt.dispose();
  });

  it('starts ready nodes on the critical path first', async () => {
    const rt = await makeRuntime({ schedulerConfig: { maxParallelism: 1 } });
    const log = recordEvents(rt);
    const p = program({
      nodes: [
        [1, 'CONST_STR', { value: 'short' }],
        [2, 'ASK', { template_str: 'long 1' }],
        [3, 'ASK', { template_str: 'long 2' }],
        [4, 'THINK', { template_str: 'long 3' }],
        [5, 'PRINT', { message: 'x' }],
      ],
      edges: [
        [2, 3],
        [3, 4],
        [1, 5],
        [4, 5],
      ],
    });
    const r = await rt.execute(p);
    assert.equal(r.status, 'succeeded');
    assert.deepEqual(log.started().slice(0, 3), [2, 3, 4]);
    await rt.dispose();
  });

  it('fails the run with the node, op and reason, and runs nothing downstream', async () => {
    const rt = await makeRuntime();
    const log = recordEvents(rt);
    tool(rt, 'broken', () => {
      throw new Error('disk on fire');
    });
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'INV', { capability: 'broken' }],
          [2, 'PRINT', { message: 'after' }],
        ],
        edges: [[1, 2]],
      }),
    );
    assert.equal(r.status, 'failed');
    assert.equal(r.error?.nodeId, 1);
    assert.equal(r.error?.op, 'INV');
    assert.match(r.error?.message ?? '', /disk on fire/);
    assert.ok(!log.started().includes(2));
    await rt.dispose();
  });

  it("uses a failed node's fallback value and keeps the run going", async () => {
    const rt = await makeRuntime();
    tool(rt, 'broken', () => {
      throw new Error('nope');
    });
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'INV', { capability: 'broken', fallback: 'plan B' }],
          [2, 'RETURN'],
        ],
        edges: [[1, 2]],
      }),
    );
    assert.equal(r.status, 'succeeded');
    assert.equal(r.result, 'plan B');
    await rt.dispose();
  });

  it('cancels in-flight ops when the run is aborted', async () => {
    const rt = await makeRuntime();
    const ac = new AbortController();
    let sawAbort = false;
    tool(
      rt,
      'wait',
      (_p, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            sawAbort = true;
            reject(new Error('aborted'));
          });
        }),
    );
    rt.events.on('node:started', (e) => e.nodeId === 1 && setTimeout(() => ac.abort(), 5));
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'INV', { capability: 'wait' }],
          [2, 'RETURN'],
        ],
        edges: [[1, 2]],
      }),
      { signal: ac.signal },
    );
    assert.equal(r.status, 'cancelled');
    assert.equal(r.error?.code, 'E_CANCELLED');
    assert.ok(sawAbort);
    // the stats of a cancelled run: the op in flight counts as skipped, and its time as parallel work
    assert.deepEqual([r.stats.nodesExecuted, r.stats.nodesSkipped, r.stats.maxParallelism], [0, 1, 1]);
    assert.ok(r.stats.avgParallelism > 0.99 && r.stats.avgParallelism <= 1, `avg parallelism ${r.stats.avgParallelism}`);
    await rt.dispose();
  });

  it('a node waiting for an input that can never arrive fails the run with E_DEADLOCK naming it, instead of hanging', async () => {
    const rt = await makeRuntime();
    const p = program({
      nodes: [
        [1, 'CONST_STR', { value: 'a' }],
        [2, 'JUMP'],
        [3, 'RETURN'],
      ],
      edges: [
        [1, 2],
        [2, 3],
      ],
    });
    // A valid graph cannot wait forever; make node 2 wait for one more input than any edge brings.
    const flow = rt.compile(p.entry);
    frameLayout(flow, flow.topNodes).pending[flow.indexOf.get(2) as number]++;
    const r = await rt.execute(p);
    assert.equal(r.status, 'failed');
    assert.equal(r.error?.code, 'E_DEADLOCK');
    assert.match(r.error?.message ?? '', /2 \(n2, waiting for 1 input\)/);
    assert.match(r.error?.message ?? '', /3 \(n3, waiting for 1 input\)/);
    await rt.dispose();
  });

  it("with nobody listening, ops that wait are still timed: the run's parallelism figures hold", async () => {
    const rt = await makeRuntime({ memoryConfig: { recordEpisodes: false }, schedulerConfig: { maxParallelism: 4 } });
    tool(rt, 'wait', async () => {
      await sleep(20);
      return 'ok';
    });
    const nodes: [number, string, Record<string, unknown>?][] = [1, 2, 3, 4].map((i) => [i, 'INV', { capability: 'wait' }]);
    nodes.push([5, 'WAIT_ALL']);
    const r = await rt.execute(
      program({
        nodes,
        edges: [
          [1, 5],
          [2, 5],
          [3, 5],
          [4, 5],
        ],
      }),
    );
    assert.equal(r.status, 'succeeded');
    assert.equal(r.stats.maxParallelism, 4);
    assert.ok(r.stats.avgParallelism > 3 && r.stats.avgParallelism <= 4, `avg parallelism ${r.stats.avgParallelism}`);
    assert.ok(r.stats.durationMs >= 20);
    await rt.dispose();
  });

  it('cancelling a run cancels its LLM calls in flight', async () => {
    const rt = await makeRuntime({ llm: { provider: 'simulated', simulatedLatencyMs: { Low: 300, Medium: 300, High: 300 } } });
    const ac = new AbortController();
    rt.events.on('llm:request', () => setTimeout(() => ac.abort(), 5));
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'ASK', { template_str: 'slow question' }],
          [2, 'RETURN'],
        ],
        edges: [[1, 2]],
      }),
      { signal: ac.signal },
    );
    assert.equal(r.status, 'cancelled');
    await sleep(400); // past the call's latency: a call that was not cancelled would have been answered by now
    const provider = rt.llm.provider as unknown as { callCount: number };
    assert.equal(provider.callCount, 0, 'the simulated call was cancelled, not answered');
    await rt.dispose();
  });

  it('shares lanes between runs so a small run is not starved by a large one', async () => {
    const rt = await makeRuntime({ schedulerConfig: { maxParallelism: 2 } });
    tool(rt, 'slow', async () => {
      await sleep(2);
      return 1;
    });
    const bigNodes: [number, string, Record<string, unknown>][] = [];
    for (let i = 1; i <= 60; i++) bigNodes.push([i, 'INV', { capability: 'slow' }]);
    let bigDone = false;
    const big = rt.execute(program({ name: 'Big.main', nodes: bigNodes })).then((r) => {
      bigDone = true;
      return r;
    });
    await sleep(5);
    const small = await rt.execute(
      program({
        name: 'Small.main',
        nodes: [
          [1, 'INV', { capability: 'slow' }],
          [2, 'INV', { capability: 'slow' }],
          [3, 'RETURN'],
        ],
        edges: [
          [1, 3],
          [2, 3],
        ],
      }),
    );
    assert.equal(small.status, 'succeeded');
    assert.equal(bigDone, false, 'the small run finished while the big one was still running');
    assert.equal((await big).status, 'succeeded');
    await rt.dispose();
  });

  it('one runId per execution, shared by every node event', async () => {
    const rt = await makeRuntime();
    const log = recordEvents(rt);
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'CONST_STR', { value: 'x' }],
          [2, 'PRINT', { message: 'p' }],
        ],
        edges: [[1, 2]],
      }),
    );
    const ids = new Set(log.of('node:finished').map((e) => e.runId));
    assert.deepEqual([...ids], [r.runId]);
    await rt.dispose();
  });
});

describe('pause hook', () => {
  it('times each node from its own start: time spent before it starts is not counted for it', async () => {
    const rt = await makeRuntime();
    const log = recordEvents(rt);
    const spin = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end) {
        /* synchronous work */
      }
    };
    // Slow listeners (a debugger, a recorder): on node 1's start, where node 2 starts right after
    // in the same dispatch round; and on node 3's finish, just before node 4 (its successor) starts.
    rt.events.on('node:started', (e) => {
      if (e.nodeId === 1) spin(40);
    });
    rt.events.on('node:finished', (e) => {
      if (e.nodeId === 3) spin(40);
    });
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'CONST_STR', { value: 'a' }],
          [2, 'CONST_STR', { value: 'b' }],
          [3, 'JUMP'],
          [4, 'JUMP'],
          [5, 'WAIT_ALL'],
        ],
        edges: [
          [1, 3],
          [3, 4],
          [4, 5],
          [2, 5],
        ],
      }),
    );
    assert.equal(r.status, 'succeeded');
    assert.deepEqual(log.started().slice(0, 2), [1, 2]);
    const took = (id: number) => log.of('node:finished').find((e) => e.nodeId === id)?.durationMs ?? NaN;
    assert.ok(took(1) >= 40, `node 1 took ${took(1)} ms`);
    assert.ok(took(2) < 30, `node 2 took ${took(2)} ms: the spin before it started was counted for it`);
    assert.ok(took(4) < 30, `node 4 took ${took(4)} ms: the spin before it started was counted for it`);
    await rt.dispose();
  });

  it('a result whose per-node outputs were never read does not keep its execution alive', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const rt = await makeRuntime({ memoryConfig: { recordEpisodes: false } });
    const p = program({
      nodes: [
        [1, 'CONST_STR', { value: 'a' }],
        [2, 'RETURN'],
      ],
      edges: [[1, 2]],
    });
    const held: unknown[] = [];
    const executions: WeakRef<object>[] = [];
    const run = () => {
      const handle = rt.start(p);
      executions.push(new WeakRef(handle.execution));
      return handle.result;
    };
    for (let i = 0; i < 3; i++) held.push(await run());
    for (let k = 0; k < 3; k++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    assert.equal(executions.filter((w) => w.deref() !== undefined).length, 0, 'every execution was collected');
    assert.deepEqual((held[0] as { outputs: unknown }).outputs, { 1: 'a', 2: 'a' }, 'the outputs are still there');
    await rt.dispose();
  });
});
