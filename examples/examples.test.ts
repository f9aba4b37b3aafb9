import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SimulatedProvider } from '../runtime/llm/simulatedProvider.js';
import { loadProgramFile } from '../runtime/programFile.js';
import { Runtime } from '../runtime/runtime.js';
import { loadWorkspaceCapabilities } from '../runtime/workspace.js';
import { recordEvents } from '../test/support/harness.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');
const file = (name: string) => path.join(dir, name);

async function runExample(name: string, args: Record<string, string>, config: Parameters<typeof Runtime.create>[0] = {}) {
  const rt = await Runtime.create(config);
  await loadWorkspaceCapabilities(rt.capabilitySystem(), file(name));
  const log = recordEvents(rt);
  const program = await loadProgramFile(file(name));
  const result = await rt.execute(program, { args });
  return { rt, log, result };
}

describe('examples run on the simulated provider', () => {
  it('trip-planner: three asks run in parallel, the plan waits for all of them', async () => {
    const { rt, log, result } = await runExample('trip-planner.json', { city: 'Lisbon' });
    assert.equal(result.status, 'succeeded');
    assert.match(String(result.result), /^\[simulated\]/);
    assert.equal(result.stats.maxParallelism, 3);
    const started = log.of('node:started');
    const finished = log.of('node:finished');
    const firstFinish = Math.min(
      ...finished.filter((e) => [1, 2, 3].includes(e.nodeId)).map((e) => log.all.indexOf(log.all.find((x) => x.e === e)!)),
    );
    const lastAskStart = Math.max(
      ...started.filter((e) => [1, 2, 3].includes(e.nodeId)).map((e) => log.all.indexOf(log.all.find((x) => x.e === e)!)),
    );
    assert.ok(lastAskStart < firstFinish, 'all three asks started before any finished');
    const prompts = log.of('llm:request').map((e) => e.messages.at(-1)?.content ?? '');
    assert.ok(prompts.some((p) => p.includes('neighbourhoods worth staying in, in Lisbon')));
    await rt.dispose();
  });

  it('approval-gate: the PAUSE holds the run until answered, and the answer reaches the revision', async () => {
    const asked: string[] = [];
    const humanInput = {
      request: (req: { message: string }) => {
        asked.push(req.message);
        return Promise.resolve('shorter, please');
      },
    };
    const { rt, log, result } = await runExample('approval_gate.ais', { topic: 'the new office' }, { humanInput });
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(asked, ['Approve the draft, or say what to change']);
    const prompts = log.of('llm:request').map((e) => e.messages.at(-1)?.content ?? '');
    assert.ok(
      prompts.some((p) => p.includes('Reviewer: shorter, please. Draft: [simulated]')),
      prompts.join('\n'),
    );
    await rt.dispose();
  });

  it('support-router: exactly one branch runs', async () => {
    const provider = new SimulatedProvider({ script: [{ match: /Answer with one word/, reply: 'bug' }] });
    const { rt, log, result } = await runExample(
      'support-router.json',
      { ticket: 'The app crashes when I export' },
      { llmProvider: provider },
    );
    assert.equal(result.status, 'succeeded');
    assert.ok(log.finished().includes(4), 'the bug branch ran');
    assert.deepEqual(log.skipped().sort(), [3, 5]);
    await rt.dispose();
  });

  it('notes-memory: the second run sees the answer the first stored in LTM', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'apxm-notes-'));
    try {
      const db = path.join(tmp, 'notes.sqlite');
      const first = await runExample('notes-memory.json', { question: 'capital of France' }, { memoryConfig: { dbPath: db } });
      assert.equal(first.result.status, 'succeeded');
      assert.deepEqual(first.log.of('node:finished').find((e) => e.nodeId === 1)?.output, []);
      await first.rt.dispose();
      const second = await runExample('notes-memory.json', { question: 'capital of France' }, { memoryConfig: { dbPath: db } });
      const remembered = second.log.of('node:finished').find((e) => e.nodeId === 1)?.output as { key: string; value: unknown }[];
      assert.equal(remembered.length, 1);
      assert.equal(remembered[0].key, 'answer: capital of France');
      assert.equal(remembered[0].value, first.result.result);
      const episodes = second.rt.storage.episodicQuery({ eventType: 'answer' });
      assert.equal(episodes.length, 2, 'one episodic answer per run');
      await second.rt.dispose();
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('release-checker: invokes the workspace tools and verifies', async () => {
    const { rt, log, result } = await runExample('release-checker.json', { version: '2.4.0' });
    assert.equal(result.status, 'succeeded');
    assert.equal(typeof result.result, 'boolean');
    const calls = log.of('capability:result');
    assert.deepEqual(calls.map((c) => c.name).sort(), ['changelog', 'ci_status']);
    assert.deepEqual((calls.find((c) => c.name === 'changelog')?.result as { version: string }).version, '2.4.0');
    assert.match(log.of('print')[0].text, /^Verdict for 2.4.0: (true|false)$/);
    await rt.dispose();
  });

  it('review-board: draft and questions run in parallel, review waits for the draft', async () => {
    const { rt, log, result } = await runExample('review-board.json', { topic: 'caching' });
    assert.equal(result.status, 'succeeded');
    const frames = log.of('frame:entered').map((f) => f.flow);
    assert.deepEqual(frames.slice(1).sort(), ['Author.draft', 'Skeptic.questions', 'Skeptic.review']);
    const idx = (flow: string, name: 'frame:entered' | 'frame:exited') =>
      log.all.findIndex((x) => x.name === name && (x.e as { flow: string }).flow === flow);
    assert.ok(
      idx('Skeptic.questions', 'frame:entered') < idx('Author.draft', 'frame:exited'),
      'questions started before the draft finished',
    );
    assert.ok(idx('Skeptic.review', 'frame:entered') > idx('Author.draft', 'frame:exited'));
    await rt.dispose();
  });

  it("self-improver: the plan's generated graph runs before the ask that needs it, reflect sees the history", async () => {
    const { rt, log, result } = await runExample('self-improver.json', { goal: 'write a haiku about dataflow' });
    assert.equal(result.status, 'succeeded', result.error?.message);
    const planFrame = log.of('frame:entered').find((f) => f.kind === 'plan');
    assert.ok(planFrame, 'the inner plan ran as a frame');
    const exitPlan = log.all.findIndex((x) => x.name === 'frame:exited' && (x.e as { kind: string }).kind === 'plan');
    const askStart = log.all.findIndex(
      (x) =>
        x.name === 'node:started' &&
        (x.e as { nodeId: number; frameId: number }).nodeId === 2 &&
        (x.e as { frameId: number }).frameId === 1,
    );
    assert.ok(exitPlan < askStart, 'downstream waited for the spliced plan');
    const lessons = log.of('node:finished').find((e) => e.nodeId === 3 && e.frameId === 1)?.output as { history_events: number };
    assert.ok(lessons.history_events > 0);
    await rt.dispose();
  });

  it('resilient-digest: loops over sources, catches the failing one, then digests', async () => {
    const { rt, log, result } = await runExample('resilient-digest.json', { topic: 'rust' });
    assert.equal(result.status, 'succeeded', result.error?.message);
    assert.match(String(result.result), /^\[simulated\]/);
    const failed = log.of('node:failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0].handled, true);
    assert.match(failed[0].error.message, /wiki is unreachable/);
    assert.deepEqual(
      log.of('print').map((p) => p.text.split(' {')[0]),
      ['Skipping a source that failed: wiki'],
    );
    const found = log.of('node:finished').find((e) => e.nodeId === 8)?.output as { key: string }[];
    assert.deepEqual(
      found.map((f) => f.key),
      ['page:forum', 'page:news'],
    );
    assert.ok(log.skipped().includes(11) && log.skipped().includes(13), 'the "nothing found" branch is skipped');
    await rt.dispose();
  });
});
