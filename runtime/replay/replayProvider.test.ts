import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApxmError } from '../errors.js';
import { RuntimeEventEmitter } from '../events.js';
import type { LlmPhase } from '../llm/types.js';
import type { RecordedLlmCall } from './recordedRun.js';
import { ReplayLlmProvider } from './replayProvider.js';

let seq = 0;
const call = (phase: LlmPhase, user: string, content: string, nodeId = 1): RecordedLlmCall => ({
  seq: ++seq,
  frameId: 1,
  nodeId,
  phase,
  provider: 'openai',
  model: 'gpt-test',
  content,
  simulated: false,
  latencyMs: 840,
  messages: [
    { role: 'system', content: 'You answer.' },
    { role: 'user', content: user },
  ],
  usage: { inputTokens: 20, outputTokens: 4, totalTokens: 24 },
});
const request = (phase: LlmPhase, user: string) => ({
  phase,
  messages: [
    { role: 'system' as const, content: 'You answer.' },
    { role: 'user' as const, content: user },
  ],
});

describe('ReplayLlmProvider', () => {
  it('serves the recorded reply with its model and token counts, identical requests in recorded order', async () => {
    const p = new ReplayLlmProvider({
      runId: 'r1',
      llmCalls: [call('ASK', 'hi', 'first'), call('THINK', 'hi', 'thought'), call('ASK', 'hi', 'second')],
    });
    assert.equal(p.name, 'replay');
    assert.equal(p.defaultModel, 'gpt-test');
    const a = await p.complete(request('ASK', 'hi'));
    assert.deepEqual(a, {
      content: 'first',
      model: 'gpt-test',
      usage: { inputTokens: 20, outputTokens: 4, totalTokens: 24 },
      finishReason: 'stop',
      simulated: true,
    });
    assert.equal((await p.complete(request('ASK', 'hi'))).content, 'second');
    assert.equal(p.served, 2);
    assert.deepEqual(
      p.unserved().map((c) => c.content),
      ['thought'],
      'the phase is part of the match',
    );
  });

  it('streams the recorded reply to onDelta', async () => {
    const p = new ReplayLlmProvider({ runId: 'r1', llmCalls: [call('ASK', 'hi', 'streamed')] });
    const deltas: string[] = [];
    await p.complete({ ...request('ASK', 'hi'), onDelta: (t) => deltas.push(t) });
    assert.deepEqual(deltas, ['streamed']);
  });

  it('reports a request the recording lacks as a divergence with the phase and 200 characters of the prompt', async () => {
    const heard: ApxmError[] = [];
    const p = new ReplayLlmProvider({ runId: 'r1', llmCalls: [call('ASK', 'hi', 'only once')] }, { onDivergence: (e) => heard.push(e) });
    const long = 'Summarise this:\n' + 'x'.repeat(300);
    await assert.rejects(p.complete(request('REASON', long)), (e: ApxmError) => {
      assert.equal(e.code, 'E_REPLAY_DIVERGED');
      assert.equal(
        e.message,
        `replay diverged from run r1: the program made a REASON request the recording has no reply for; prompt: "Summarise this: ${'x'.repeat(184)}…"`,
      );
      assert.deepEqual(e.details, { reason: 'replay-diverged', recordedRunId: 'r1', kind: 'llm', phase: 'REASON', prompt: long });
      assert.match(e.hint ?? '', /changed since the run was recorded/);
      return true;
    });
    await p.complete(request('ASK', 'hi'));
    await assert.rejects(
      p.complete(request('ASK', 'hi')),
      /the program made this ASK request 2 times, the recording holds 1 reply to it; prompt: "hi"/,
    );
    assert.equal(heard.length, 2);
  });

  it('with followNodes, gives each node the reply it got among identical requests', async () => {
    const events = new RuntimeEventEmitter();
    const p = new ReplayLlmProvider({
      runId: 'r1',
      llmCalls: [call('ASK', 'same', 'for node 2', 2), call('ASK', 'same', 'for node 1', 1)],
    });
    const stop = p.followNodes(events);
    const ask = (nodeId: number) => {
      events.emit('llm:request', {
        runId: 'r2',
        nodeExecId: `r2:1:${nodeId}`,
        phase: 'ASK',
        provider: 'replay',
        model: 'gpt-test',
        messages: [],
        attempt: 1,
      });
      return p.complete(request('ASK', 'same'));
    };
    assert.equal((await ask(1)).content, 'for node 1');
    assert.equal((await ask(2)).content, 'for node 2');
    stop();
  });

  it('refuses a cancelled request', async () => {
    const p = new ReplayLlmProvider({ runId: 'r1', llmCalls: [call('ASK', 'hi', 'x')] });
    await assert.rejects(p.complete({ ...request('ASK', 'hi'), signal: AbortSignal.abort() }), { code: 'E_CANCELLED' });
    assert.equal(p.unserved().length, 1);
  });
});
