import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { program } from '../../test/support/graphBuilder.js';
import { recordEvents } from '../../test/support/harness.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../test/support/fakeOpenAiServer.js';
import { RunView } from '../query/runView.js';
import { nodeDetail, PageStore } from '../query/nodeDetail.js';
import { Runtime } from '../runtime.js';
import type { LlmConfig } from './types.js';

/** Two ASKs in a row (the second with a model of its own when `secondModel` is given). */
const twoAsks = (secondModel?: string) =>
  program({
    nodes: [
      [1, 'ASK', { template_str: 'first' }],
      [2, 'ASK', { template_str: 'second {0}', ...(secondModel ? { model: secondModel } : {}) }],
      [3, 'RETURN'],
    ],
    edges: [
      [1, 2],
      [2, 3],
    ],
  });

const near = (a: number | undefined, b: number) => assert.ok(a !== undefined && Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);

describe("a run's cost from its LLM calls' token usage and the price table", () => {
  let server: FakeOpenAi;
  before(async () => {
    server = await startFakeOpenAi();
  });
  after(async () => {
    await server.close();
  });

  const run = async (llm: LlmConfig, secondModel?: string) => {
    const rt = await Runtime.create({ memoryConfig: { dbPath: ':memory:' }, llm: { apiKey: 'sk-x', ...llm } });
    try {
      const log = recordEvents(rt);
      let view: RunView | undefined;
      rt.events.on('run:started', (e) => (view ??= new RunView(rt.events, e.runId)));
      const r = await rt.execute(twoAsks(secondModel));
      assert.equal(r.status, 'succeeded', JSON.stringify(r.error));
      const detail = (id: number) =>
        nodeDetail(
          view!,
          [...view!.nodes.values()].find((n) => n.ref.nodeId === id)!,
          new PageStore(),
        );
      return { r, log, detail };
    } finally {
      await rt.dispose();
    }
  };

  it(
    "an OpenAI run is charged each reply's model (a dated snapshot has its model's price) per op and in all",
    { timeout: 20_000 },
    async () => {
      server.reset();
      server.script(
        { reply: 'a', usage: { prompt_tokens: 1000, completion_tokens: 200 }, model: 'gpt-4o-mini-2024-07-18' },
        { reply: 'b', usage: { prompt_tokens: 3000, completion_tokens: 500 } },
      );
      const { r, log, detail } = await run({ provider: 'openai', baseUrl: server.url, model: 'gpt-4o-mini' }, 'gpt-4o');
      const first = (1000 * 0.15 + 200 * 0.6) / 1e6;
      const second = (3000 * 2.5 + 500 * 10) / 1e6;
      near(r.stats.cost, first + second);
      assert.deepEqual(
        log.of('llm:response').map((e) => e.model),
        ['gpt-4o-mini-2024-07-18', 'gpt-4o'],
      );
      near(log.of('llm:response')[0].cost, first);
      near(detail(1).cost, first);
      near(detail(2).cost, second);
      assert.equal(detail(3).cost, undefined, 'an op with no LLM call has no cost');
    },
  );

  it('a model with no price leaves its op and the run without a cost, never a made-up one', { timeout: 20_000 }, async () => {
    server.reset();
    const { r, log, detail } = await run({ provider: 'openai', baseUrl: server.url, model: 'gpt-4o' }, 'my-local-model');
    assert.equal(r.stats.cost, undefined);
    assert.equal('cost' in log.of('llm:response')[1], false);
    near(detail(1).cost, (12 * 2.5 + 3 * 10) / 1e6);
    assert.equal(detail(2).cost, undefined);
  });

  it("prices given in the LLM config override the table's and price a model it lacks", { timeout: 20_000 }, async () => {
    server.reset();
    const prices = { 'gpt-4o': { input: 1_000_000, output: 0 }, 'my-local-model': { input: 0, output: 1_000_000 } };
    const { r } = await run({ provider: 'openai', baseUrl: server.url, model: 'gpt-4o', prices }, 'my-local-model');
    assert.equal(r.stats.cost, 12 + 3); // 12 input tokens at $1 each, then 3 output tokens at $1 each
  });

  it('the simulated provider costs 0, unless the run names a model with a price', { timeout: 20_000 }, async () => {
    const plain = await run({ provider: 'simulated' });
    assert.ok(plain.r.stats.llmCalls === 2 && plain.r.stats.totalTokens > 0);
    assert.equal(plain.r.stats.cost, 0);
    assert.equal(plain.detail(1).cost, 0);
    const named = await run({ provider: 'simulated', model: 'gpt-4.1' });
    near(named.r.stats.cost, (named.r.stats.inputTokens * 2 + named.r.stats.outputTokens * 8) / 1e6);
    assert.ok(named.r.stats.cost! > 0);
  });
});
