// What REASON, REFLECT and FENCE do besides returning a value: beliefs and goals, the run's own
// history, a write barrier. Offline: the simulated provider with scripted replies.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { program } from '../../test/support/graphBuilder.js';
import { makeRuntime, tool } from '../../test/support/harness.js';
import { SimulatedProvider } from '../llm/simulatedProvider.js';
import type { BufferedStorage } from '../memory/bufferedStorage.js';
import type { LlmProvider, LlmRequest } from '../llm/types.js';

describe('REASON', () => {
  it('applies belief_updates to LTM and the AAM beliefs, and new_goals to the AAM goals', async () => {
    const reply = JSON.stringify({
      result: 'Lisbon it is',
      belief_updates: { 'trip:city': 'Lisbon', 'trip:days': 3 },
      new_goals: [{ description: 'book a hotel', priority: 80 }, 'buy a tram pass'],
    });
    const rt = await makeRuntime({ llmProvider: new SimulatedProvider({ script: [{ match: 'where', phase: 'REASON', reply }] }) });
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'REASON', { template_str: 'where should we go?' }],
          [2, 'RETURN'],
        ],
        edges: [[1, 2]],
      }),
    );
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.equal(r.result, 'Lisbon it is');
    assert.deepEqual(r.beliefs, { 'trip:city': 'Lisbon', 'trip:days': 3 });
    assert.equal(rt.storage.ltmGet('trip:city')?.value, 'Lisbon');
    assert.equal(rt.storage.ltmGet('trip:days')?.value, 3);
    const goals = r.goals.map((g) => [g.description, g.priority]);
    assert.deepEqual(goals.sort(), [
      ['book a hotel', 80],
      ['buy a tram pass', 50],
    ]);
    await rt.dispose();
  });
});

describe('REFLECT', () => {
  it("reads its own run's history, not another run's on the same runtime", async () => {
    const rt = await makeRuntime();
    const prompts: string[] = [];
    rt.events.on('llm:request', (e) => e.phase === 'REFLECT' && prompts.push(e.messages.map((m) => m.content).join('\n')));
    const other = await rt.execute(program({ nodes: [[1, 'PRINT', { message: 'alpha-marker' }]] }));
    assert.equal(other.status, 'succeeded');
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'PRINT', { message: 'beta-marker' }],
          [2, 'REFLECT', { prompt: 'how did it go?' }],
        ],
        edges: [[1, 2]],
      }),
    );
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.equal(prompts.length, 1);
    assert.match(prompts[0], /beta-marker/);
    assert.doesNotMatch(prompts[0], /alpha-marker/);
    assert.ok((r.result as { history_events: number }).history_events > 0);
    await rt.dispose();
  });
});

describe('FENCE', () => {
  it('writes the batched trace before the ops after it run', async () => {
    const rt = await makeRuntime();
    const raw = (rt.storage as BufferedStorage).backend;
    let seenAfterFence = -1;
    let runId = '';
    rt.events.on('run:started', (e) => (runId = e.runId));
    tool(rt, 'peek', () => {
      // the storage underneath, past the runtime's read-through: what is really written
      seenAfterFence = raw.episodicQuery({ runId, eventType: 'lesson' }).length;
      return 'ok';
    });
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'UMEM', { key: 'lesson', memory_tier: 'episodic', value: 'retry later' }],
          [2, 'FENCE'],
          [3, 'INV', { capability: 'peek' }],
        ],
        edges: [
          [1, 2],
          [2, 3],
        ],
      }),
    );
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.equal(seenAfterFence, 1);
    await rt.dispose();
  });
});

describe('LLM op attributes', () => {
  it("model, temperature, max_tokens, system_prompt and THINK's budget reach the provider; PLAN asks for JSON", async () => {
    const seen: LlmRequest[] = [];
    const capture: LlmProvider = {
      name: 'capture',
      defaultModel: 'default-model',
      complete: async (req) => {
        seen.push(req);
        const content =
          req.phase === 'PLAN' ? JSON.stringify({ plan: [{ description: 'one step', priority: 1 }], result: 'planned' }) : 'ok';
        return {
          content,
          model: req.model ?? 'default-model',
          finishReason: 'stop',
          usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
        };
      },
    };
    const rt = await makeRuntime({ llmProvider: capture });
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'ASK', { template_str: 'q', model: 'small-model', temperature: 0.2, max_tokens: 64, system_prompt: 'Answer in French.' }],
          [2, 'THINK', { template_str: 't', budget: 2048 }],
          [3, 'PLAN', { goal: 'g' }],
        ],
      }),
    );
    assert.equal(r.status, 'succeeded', r.error?.message);
    const byPhase = Object.fromEntries(seen.map((q) => [q.phase, q]));
    assert.deepEqual([byPhase.ASK.model, byPhase.ASK.temperature, byPhase.ASK.maxTokens], ['small-model', 0.2, 64]);
    assert.equal(byPhase.ASK.messages[0].content, 'Answer in French.');
    assert.equal(byPhase.THINK.reasoningBudget, 2048);
    assert.equal(byPhase.THINK.model, undefined, "no model attribute: the provider's default");
    assert.equal(byPhase.PLAN.json, true);
    await rt.dispose();
  });
});
