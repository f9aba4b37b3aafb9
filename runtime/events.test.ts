// The event stream the debugger consumes, and the run's stats, on one program that touches each kind.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { program } from '../test/support/graphBuilder.js';
import { makeRuntime, recordEvents, tool } from '../test/support/harness.js';

describe('run events and stats', () => {
  it('reports the run, every node, memory, LLM and capability activity with inputs, outputs, timing and tokens', async () => {
    const rt = await makeRuntime({ memoryConfig: { recordEpisodes: false } });
    const log = recordEvents(rt);
    tool(rt, 'echo', async (params) => ({ echoed: params.text }));
    tool(rt, 'broken', async () => {
      throw new Error('tool is down');
    });
    const r = await rt.execute(
      program({
        params: ['topic'],
        nodes: [
          [1, 'CONST_STR', { value: 'about {{topic}}' }],
          [2, 'UMEM', { key: 'note', memory_tier: 'stm' }],
          [3, 'QMEM', { query: 'note', memory_tier: 'stm' }],
          [4, 'ASK', { template_str: 'tell me {0}' }],
          [5, 'INV', { capability: 'echo', params: { text: '{0}' } }],
          [6, 'TRY_CATCH'],
          [7, 'INV', { capability: 'broken' }],
          [8, 'CONST_STR', { value: 'recovered' }],
          [9, 'WAIT_ALL'],
        ],
        edges: [
          [1, 2],
          [2, 3],
          [1, 4],
          [4, 5],
          [6, 7, 'Control', 'try'],
          [6, 8, 'Control', 'catch'],
          [5, 9],
          [3, 9],
          [8, 9],
        ],
      }),
      { args: { topic: 'trams' } },
    );
    assert.equal(r.status, 'succeeded', r.error?.message);

    const [started] = log.of('run:started');
    assert.deepEqual([started.runId, started.flow, started.args, started.nodeCount], [r.runId, 'Test.main', { topic: 'trams' }, 9]);
    const [finished] = log.of('run:finished');
    assert.deepEqual([finished.runId, finished.status], [r.runId, 'succeeded']);
    assert.ok(finished.durationMs > 0);

    const ready = new Set(log.of('node:ready').map((e) => e.nodeId));
    assert.deepEqual(
      [...ready].sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
      'every node became ready once',
    );
    assert.ok(log.of('node:ready').every((e) => e.priority > 0));
    const ask = log.of('node:finished').find((e) => e.nodeId === 4);
    assert.deepEqual(ask?.inputs, ['about trams']);
    assert.match(String(ask?.output), /^\[simulated\]/);
    assert.ok((ask?.tokens ?? 0) > 0 && (ask?.durationMs ?? -1) >= 0 && (ask?.startedAt ?? 0) > 0);
    const [failed] = log.of('node:failed');
    assert.deepEqual([failed.nodeId, failed.op, failed.handled], [7, 'INV', true]);
    assert.match(failed.error.message, /tool is down/);

    assert.deepEqual(
      log.of('memory:write').map((e) => [e.tier, e.key, e.value]),
      [['stm', 'note', 'about trams']],
    );
    const reads = log.of('memory:read');
    assert.deepEqual(
      reads.map((e) => [e.tier, e.query, e.hits]),
      [['stm', 'note', 1]],
    );

    const [request] = log.of('llm:request');
    assert.equal(request.phase, 'ASK');
    assert.match(request.messages.at(-1)?.content ?? '', /tell me about trams/);
    const [response] = log.of('llm:response');
    assert.ok(response.usage.totalTokens > 0 && response.simulated);
    assert.deepEqual(
      log
        .of('capability:call')
        .map((e) => [e.name, e.params])
        .sort(),
      [
        ['broken', {}],
        ['echo', { text: String(ask?.output) }],
      ],
    );

    // stats: 8 ran, 1 failed (caught), none skipped; one LLM call and its tokens
    assert.deepEqual([r.stats.nodesTotal, r.stats.nodesExecuted, r.stats.nodesFailed, r.stats.nodesSkipped], [9, 8, 1, 0]);
    assert.deepEqual([r.stats.llmCalls, r.stats.totalTokens], [1, response.usage.totalTokens]);
    assert.ok(r.stats.durationMs > 0);
    assert.ok(
      r.stats.maxParallelism >= 2 && r.stats.avgParallelism > 0 && r.stats.avgParallelism <= r.stats.maxParallelism,
      JSON.stringify(r.stats),
    );
    await rt.dispose();
  });
});
