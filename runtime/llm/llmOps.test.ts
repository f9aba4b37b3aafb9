import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { program } from '../../test/support/graphBuilder.js';
import { recordEvents } from '../../test/support/harness.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../test/support/fakeOpenAiServer.js';
import { formatError } from '../errors.js';
import { Runtime } from '../runtime.js';
import { systemPromptFor } from './prompts.js';

const KEY = 'sk-test-SECRET';

describe('LLM ops end to end (Runtime + OpenAI-compatible fake server)', () => {
  let server: FakeOpenAi;
  let rt: Runtime;

  before(async () => {
    server = await startFakeOpenAi();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(async () => {
    server.requests.length = 0;
    rt = await Runtime.create({
      memoryConfig: { dbPath: ':memory:' },
      llm: {
        provider: 'openai',
        baseUrl: server.url,
        apiKey: KEY,
        model: 'fake-model',
        retry: { initialDelayMs: 5, maxDelayMs: 50, jitter: 0, maxRetries: 2 },
      },
    });
  });
  // Each test disposes its own runtime; a second dispose is a no-op.
  const done = async () => rt.dispose();

  it('ASK renders {0} from its input and sends the per-op and default system prompts', async () => {
    server.script({ reply: 'See the Belem tower.' }, { reply: 'Pasteis de nata.' });
    try {
      const r = await rt.execute(
        program({
          nodes: [
            [1, 'CONST_STR', { value: 'Lisbon' }],
            [2, 'ASK', { template_str: 'What should I see in {0}?', system_prompt: 'You are a travel guide.', temperature: 0.2 }],
            [3, 'ASK', { template_str: 'What should I eat after this: {0}' }],
            [4, 'RETURN'],
          ],
          edges: [
            [1, 2],
            [2, 3],
            [3, 4],
          ],
        }),
      );
      assert.equal(r.status, 'succeeded', JSON.stringify(r.error));
      assert.equal(r.result, 'Pasteis de nata.');
      assert.equal(r.outputs[2], 'See the Belem tower.');
      assert.equal(server.requests.length, 2);
      const [first, second] = server.requests;
      assert.deepEqual(first.body.messages, [
        { role: 'system', content: 'You are a travel guide.' },
        { role: 'user', content: 'What should I see in Lisbon?' },
      ]);
      assert.equal(first.body.temperature, 0.2);
      assert.equal(first.body.model, 'fake-model');
      assert.equal(first.headers.authorization, `Bearer ${KEY}`);
      assert.deepEqual(second.body.messages, [
        { role: 'system', content: systemPromptFor('ASK') },
        { role: 'user', content: 'What should I eat after this: See the Belem tower.' },
      ]);
      assert.ok(!('temperature' in second.body));
      assert.ok(!('response_format' in second.body), 'a plain ASK does not ask for JSON');
    } finally {
      await done();
    }
  });

  it('PLAN with a reply that is not JSON fails the run with E_LLM_BAD_REPLY naming the node and op', async () => {
    server.script({ reply: 'Sure! First pack, then fly to Lisbon.' });
    try {
      const r = await rt.execute(
        program({
          nodes: [
            [7, 'PLAN', { goal: 'Plan a weekend in Lisbon' }],
            [8, 'RETURN'],
          ],
          edges: [[7, 8]],
        }),
      );
      assert.equal(r.status, 'failed');
      assert.ok(r.error);
      assert.equal(r.error.code, 'E_LLM_BAD_REPLY');
      assert.equal(r.error.nodeId, 7);
      assert.equal(r.error.op, 'PLAN');
      assert.match(r.error.message, /PLAN: malformed reply: it is not JSON/);
      assert.ok(r.error.message.includes('Sure! First pack, then fly to Lisbon.'), 'the reply is quoted');
      assert.match(formatError(r.error), /node 7 \(PLAN\)/);
      assert.equal(server.requests.length, 1, 'a malformed reply is not retried');
      const sent = server.requests[0].body;
      assert.deepEqual(sent.response_format, { type: 'json_object' });
      assert.equal(sent.messages[0].content, systemPromptFor('PLAN'));
      assert.match(sent.messages[1].content, /^Goal: Plan a weekend in Lisbon\n/);
    } finally {
      await done();
    }
  });

  it('PLAN with a JSON reply returns its steps', async () => {
    server.script({
      reply:
        '{"plan": [{"description": "Pack", "priority": 80}, {"description": "Fly", "priority": 60, "dependencies": ["Pack"]}], "result": "A weekend away"}',
    });
    try {
      const r = await rt.execute(program({ nodes: [[1, 'PLAN', { goal: 'Weekend' }]] }));
      assert.equal(r.status, 'succeeded', JSON.stringify(r.error));
      assert.deepEqual(r.result, {
        plan: [
          { description: 'Pack', priority: 80 },
          { description: 'Fly', priority: 60, dependencies: ['Pack'] },
        ],
        result: 'A weekend away',
      });
    } finally {
      await done();
    }
  });

  it('VERIFY turns {"verified": false} into false and {"verified": true} into true', async () => {
    const verifyProgram = program({
      nodes: [
        [1, 'CONST_STR', { value: 'The sky over Lisbon is blue today.' }],
        [2, 'VERIFY', { claim: 'The sky is green' }],
        [3, 'RETURN'],
      ],
      edges: [
        [1, 2],
        [2, 3],
      ],
    });
    server.script({ reply: '{"verified": false, "reason": "the evidence says blue"}' }, { reply: '{"verified": true}' });
    try {
      const no = await rt.execute(verifyProgram);
      assert.equal(no.status, 'succeeded', JSON.stringify(no.error));
      assert.equal(no.result, false);
      const yes = await rt.execute(verifyProgram);
      assert.equal(yes.result, true);
      const user = server.requests[0].body.messages[1].content as string;
      assert.match(user, /^Claim: The sky is green\n\nEvidence:\nThe sky over Lisbon is blue today\.\n/);
      assert.deepEqual(server.requests[0].body.response_format, { type: 'json_object' });
    } finally {
      await done();
    }
  });

  it("accounts LLM calls and tokens from the server's usage (retries are not calls)", async () => {
    server.script(
      { reply: 'one', usage: { prompt_tokens: 21, completion_tokens: 4 } },
      { status: 503, message: 'busy' },
      { reply: 'two', usage: { prompt_tokens: 30, completion_tokens: 6 } },
    );
    try {
      const log = recordEvents(rt); // listeners on llm:delta: replies are streamed, usage comes from the final chunk
      const r = await rt.execute(
        program({
          nodes: [
            [1, 'ASK', { template_str: 'first' }],
            [2, 'ASK', { template_str: 'second: {0}' }],
          ],
          edges: [[1, 2]],
        }),
      );
      assert.equal(r.status, 'succeeded', JSON.stringify(r.error));
      assert.equal(r.result, 'two');
      assert.equal(server.requests.length, 3);
      assert.ok(server.requests.every((q) => q.body.stream === true));
      assert.equal(r.stats.llmCalls, 2);
      assert.equal(r.stats.inputTokens, 51);
      assert.equal(r.stats.outputTokens, 10);
      assert.equal(r.stats.totalTokens, 61);
      assert.equal(r.stats.retries, 1);
      assert.deepEqual(
        log.of('node:finished').map((e) => [e.nodeId, e.tokens]),
        [
          [1, 25],
          [2, 36],
        ],
      );
      assert.deepEqual(
        log.of('llm:response').map((e) => e.usage),
        [
          { inputTokens: 21, outputTokens: 4, totalTokens: 25 },
          { inputTokens: 30, outputTokens: 6, totalTokens: 36 },
        ],
      );
      assert.equal(log.of('llm:retry').length, 1);
      assert.deepEqual(
        log.of('llm:delta').map((e) => e.text),
        ['one', 'two'],
      );
    } finally {
      await done();
    }
  });

  it('accounts tokens the same way without streaming', async () => {
    server.script({ reply: 'plain', usage: { prompt_tokens: 40, completion_tokens: 2 } });
    try {
      const r = await rt.execute(program({ nodes: [[1, 'ASK', { template_str: 'q' }]] }));
      assert.equal(r.result, 'plain');
      assert.notEqual(server.requests[0].body.stream, true);
      assert.deepEqual([r.stats.llmCalls, r.stats.inputTokens, r.stats.outputTokens, r.stats.totalTokens], [1, 40, 2, 42]);
    } finally {
      await done();
    }
  });

  it('never puts the API key in an event, the episodic log or a run record, even when the server echoes it', async () => {
    server.script({ reply: 'fine' }, { status: 401, message: `Incorrect API key provided: ${KEY}.` });
    try {
      const log = recordEvents(rt);
      const ok = await rt.execute(program({ nodes: [[1, 'ASK', { template_str: 'hello' }]] }));
      assert.equal(ok.status, 'succeeded');
      const bad = await rt.execute(program({ nodes: [[1, 'ASK', { template_str: 'hello again' }]] }));
      assert.equal(bad.status, 'failed');
      assert.equal(bad.error?.code, 'E_LLM_AUTH');
      assert.equal(server.requests.length, 2, '401 is not retried');
      assert.ok(
        server.requests.every((q) => q.headers.authorization === `Bearer ${KEY}`),
        'the key was really used',
      );

      const names = new Set(log.all.map((x) => x.name));
      for (const n of ['llm:request', 'llm:delta', 'llm:response', 'node:failed', 'run:finished'] as const)
        assert.ok(names.has(n), `saw ${n}`);
      const events = JSON.stringify(log.all);
      assert.ok(events.includes('Incorrect API key provided: ***'), 'the server message is kept, redacted');
      assert.ok(!events.includes(KEY), 'the key leaked into an event');

      const episodes = rt.storage.episodicQuery({ limit: 10_000 });
      const types = new Set(episodes.map((e) => e.eventType));
      for (const t of ['run_start', 'llm_call', 'op_failure', 'run_end']) assert.ok(types.has(t), `episodic log has ${t}`);
      assert.ok(!JSON.stringify(episodes).includes(KEY), 'the key leaked into the episodic log');
      assert.ok(!JSON.stringify(rt.storage.runList(10)).includes(KEY), 'the key leaked into a run record');
      assert.ok(!bad.error?.message.includes(KEY));
      assert.ok(!JSON.stringify(bad.error).includes(KEY));
    } finally {
      await done();
    }
  });
});
