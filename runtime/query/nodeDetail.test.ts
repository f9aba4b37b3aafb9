import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { program } from '../../test/support/graphBuilder.js';
import { makeRuntime } from '../../test/support/harness.js';
import { RuntimeEventEmitter, type RuntimeEvents } from '../events.js';
import { findExecution, MAX_PAGE_CHARS, nodeDetail, PageStore, PREVIEW_CHARS, previewValue, valueText } from './nodeDetail.js';
import { RunView } from './runView.js';

describe('value previews and pages', () => {
  it('a short value is whole, with no page handle; a long one is cut at 4,000 characters and read back in pages', () => {
    const pages = new PageStore();
    assert.deepEqual(previewValue('Lisbon', pages), { type: 'str', text: 'Lisbon', length: 6 });
    assert.deepEqual(previewValue(null, pages), { type: 'null', text: 'null', length: 4 });
    assert.equal(previewValue({ a: 1 }, pages).type, 'json');
    assert.equal(previewValue([1, 2.5], pages).type, 'list');
    assert.equal(pages.size, 0);

    const long = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n');
    const p = previewValue(long, pages);
    assert.equal(p.text.length, PREVIEW_CHARS);
    assert.equal(p.length, long.length);
    assert.ok(p.pageRef);
    // read the rest back in pages of the largest size
    let text = '';
    for (let offset = 0; offset < p.length; offset += MAX_PAGE_CHARS) {
      const page = pages.page(p.pageRef, offset, MAX_PAGE_CHARS);
      assert.ok(page);
      assert.equal(page.total, long.length);
      text += page.text;
    }
    assert.equal(text, long);
    assert.equal(pages.page(p.pageRef, long.length, 10)?.text, '', 'past the end: nothing');

    // an object's text is indented JSON, and its pages match that text
    const obj = { items: Array.from({ length: 800 }, (_, i) => ({ i, name: `item ${i}` })) };
    const po = previewValue(obj, pages);
    assert.ok(po.pageRef);
    assert.equal(pages.page(po.pageRef, 0, po.length)?.text, valueText(obj));
    assert.equal(pages.page(po.pageRef, 0, po.length)?.text, JSON.stringify(obj, null, 2));
  });

  it('keeps the most recent 256 values: an older handle expires; the same value previewed again keeps its handle', () => {
    const pages = new PageStore(256);
    const long = (i: number) => `${i}:`.padEnd(PREVIEW_CHARS + 10, 'x');
    const first = previewValue(long(0), pages, 'k0').pageRef as string;
    assert.equal(previewValue(long(0), pages, 'k0').pageRef, first, 'same key, same text: same handle');
    for (let i = 1; i <= 256; i++) previewValue(long(i), pages, `k${i}`);
    assert.equal(pages.size, 256);
    assert.equal(pages.page(first, 0, 10), undefined, 'the oldest expired');
    const newest = previewValue(long(256), pages, 'k256').pageRef as string;
    assert.equal(pages.page(newest, 0, 4)?.text, '256:');
    // a bound on characters as well: one huge value pushes the others out but stays itself
    const small = new PageStore(256, 10_000);
    const a = previewValue('a'.repeat(6000), small).pageRef as string;
    const b = previewValue('b'.repeat(9000), small).pageRef as string;
    assert.equal(small.page(a, 0, 1), undefined);
    assert.equal(small.page(b, 0, 1)?.text, 'b');
  });
});

describe('node detail from the run record', () => {
  it("an ASK's detail has its inputs, output, rendered prompt and reply, tokens, timing and executions", { timeout: 20_000 }, async () => {
    const rt = await makeRuntime(); // the offline simulated LLM
    try {
      const p = program({
        nodes: [
          [1, 'CONST_STR', { value: 'Lisbon' }],
          [2, 'ASK', { template_str: 'Name a dish from {{0}}' }],
          [3, 'RETURN'],
        ],
        edges: [
          [1, 2],
          [2, 3],
        ],
      });
      const view = new RunView(rt.events, 'detail-run');
      const r = await rt.start(p, { runId: 'detail-run' }).result;
      assert.equal(r.status, 'succeeded', JSON.stringify(r.error));
      const rec = findExecution(view, { flow: p.entry.qualifiedName, nodeId: 2 });
      assert.ok(rec);
      assert.equal(findExecution(view, { nodeExecId: rec.ref.nodeExecId }), rec);
      assert.equal(findExecution(view, { flow: p.entry.qualifiedName, nodeId: 2, frameId: 99 }), undefined);
      const d = nodeDetail(view, rec, new PageStore());
      assert.equal(d.op, 'ASK');
      assert.equal(d.state, 'succeeded');
      assert.equal(d.executions, 1);
      assert.deepEqual(d.inputs, [{ type: 'str', text: 'Lisbon', length: 6 }]);
      assert.equal(d.output?.type, 'str');
      assert.ok(
        d.prompt?.some((m) => m.role === 'user' && m.content.text.includes('Lisbon')),
        JSON.stringify(d.prompt),
      );
      assert.equal(d.reply?.text, d.output?.text);
      assert.ok((d.tokens ?? 0) > 0);
      assert.ok(d.startedAt !== undefined && d.startedAt >= 0);
      assert.ok(d.durationMs !== undefined && d.durationMs >= 0);
      view.dispose();
    } finally {
      await rt.dispose();
    }
  });

  it('counts executions over loop iterations, and the latest execution is the one found', { timeout: 20_000 }, async () => {
    const rt = await makeRuntime();
    try {
      const p = program({
        nodes: [
          [1, 'CONST_STR', { value: 'go' }],
          [2, 'LOOP_START', { items: ['a', 'b', 'c'] }],
          [3, 'CONST_STR', { value: 'x' }],
          [4, 'LOOP_END'],
          [5, 'RETURN'],
        ],
        edges: [
          [1, 2],
          [2, 3],
          [3, 4],
          [4, 5],
        ],
      });
      const view = new RunView(rt.events, 'loop-run');
      const r = await rt.start(p, { runId: 'loop-run' }).result;
      assert.equal(r.status, 'succeeded', JSON.stringify(r.error));
      const rec = findExecution(view, { flow: p.entry.qualifiedName, nodeId: 3 });
      assert.ok(rec);
      const d = nodeDetail(view, rec, new PageStore());
      assert.equal(d.executions, 3);
      const frames = [...view.nodes.values()].filter((x) => x.ref.nodeId === 3).map((x) => x.ref.frameId);
      assert.equal(frames.length, 3);
      assert.equal(d.frameId, Math.max(...frames), 'the latest iteration');
      view.dispose();
    } finally {
      await rt.dispose();
    }
  });
});

describe('run record states', () => {
  const ref = { runId: 'r', frameId: 1, op: 'ASK', name: 'n', flow: 'A.main' };
  it("a node cancelled by the run's end is 'cancelled', not 'skipped'; a branch not taken stays 'skipped'", () => {
    const ev = new RuntimeEventEmitter();
    const view = new RunView(ev, 'r');
    ev.emit('node:skipped', { ...ref, nodeId: 1, nodeExecId: 'r:1:1', reason: 'cancelled' });
    ev.emit('node:skipped', { ...ref, nodeId: 2, nodeExecId: 'r:1:2', reason: 'branch-not-taken' });
    assert.equal(view.nodes.get('r:1:1')?.state, 'cancelled');
    assert.equal(view.nodes.get('r:1:2')?.state, 'skipped');
    view.dispose();
  });

  it("'replayed': settled from an earlier attempt; in a replay session, a node whose LLM reply or tool result came from the recording", () => {
    const finished = (nodeId: number, replayed: boolean): RuntimeEvents['node:finished'] => ({
      ...ref,
      nodeId,
      nodeExecId: `r:1:${nodeId}`,
      inputs: [],
      output: 'x',
      startedAt: Date.now(),
      durationMs: 1,
      tokens: 0,
      replayed,
    });
    const reply = (nodeId: number) =>
      ({
        runId: 'r',
        nodeExecId: `r:1:${nodeId}`,
        phase: 'ASK',
        provider: 'replay',
        model: 'm',
        content: 'x',
        usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
        latencyMs: 0,
        simulated: true,
      }) as const;
    for (const replaySession of [false, true]) {
      const ev = new RuntimeEventEmitter();
      const view = new RunView(ev, 'r', { replay: replaySession });
      for (const id of [1, 2, 3])
        ev.emit('node:started', { ...ref, nodeId: id, nodeExecId: `r:1:${id}`, inputs: [], attempt: 1, startedAt: 0 });
      ev.emit('node:finished', finished(1, true));
      ev.emit('llm:response', reply(2));
      ev.emit('node:finished', finished(2, false));
      ev.emit('capability:result', { runId: 'r', nodeExecId: 'r:1:3', name: 'search', durationMs: 1, result: 'x' });
      ev.emit('node:finished', finished(3, false));
      assert.equal(view.nodes.get('r:1:1')?.state, 'replayed');
      assert.equal(view.nodes.get('r:1:2')?.state, replaySession ? 'replayed' : 'succeeded');
      assert.equal(view.nodes.get('r:1:3')?.state, replaySession ? 'replayed' : 'succeeded');
      view.dispose();
    }
  });
});
