import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { program } from '../test/support/graphBuilder.js';
import { makeRuntime, tool } from '../test/support/harness.js';
import { BufferedStorage } from './memory/bufferedStorage.js';
import { openStorage } from './memory/openStorage.js';
import { isObject } from './values/value.js';

describe('episodic trace of a run', () => {
  it('records the run, every node with inputs and outputs, LLM calls with their prompt, tool calls and prints', async () => {
    const rt = await makeRuntime();
    tool(rt, 'double', async (p) => (p.n as number) * 2, { type: 'object', properties: { n: { type: 'number' } } });
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'ASK', { template_str: 'Name a colour' }],
          [2, 'INV', { capability: 'double', params: { n: 21 } }],
          [3, 'PRINT', { message: 'got' }],
          [4, 'RETURN'],
        ],
        edges: [
          [1, 3],
          [2, 3],
          [3, 4],
        ],
      }),
    );
    assert.equal(r.status, 'succeeded');
    const log = rt.storage.episodicQuery({ runId: r.runId });
    const types = log.map((e) => e.eventType);
    assert.equal(types[0], 'run_start');
    assert.equal(types.at(-1), 'run_end');
    for (const id of [1, 2, 3, 4]) {
      assert.equal(log.filter((e) => e.nodeId === id && e.eventType === 'op_start').length, 1, `one op_start for node ${id}`);
      assert.equal(log.filter((e) => e.nodeId === id && e.eventType === 'op_success').length, 1, `one op_success for node ${id}`);
    }
    const success = (id: number) => log.find((e) => e.nodeId === id && e.eventType === 'op_success')!.payload as Record<string, unknown>;
    assert.equal(success(2).output, 42);
    assert.equal(success(2).op, 'Inv');
    const start3 = log.find((e) => e.nodeId === 3 && e.eventType === 'op_start')!.payload as { inputs: unknown[] };
    assert.deepEqual(start3.inputs[1], 42);
    const llm = log.find((e) => e.eventType === 'llm_call')!;
    assert.equal(llm.nodeId, 1);
    assert.equal(llm.frameId, 1);
    const payload = llm.payload as {
      messages: { role: string; content: string }[];
      content: string;
      total_tokens: number;
      simulated: boolean;
    };
    assert.deepEqual(
      payload.messages.map((m) => m.role),
      ['system', 'user'],
    );
    assert.equal(payload.messages[1].content, 'Name a colour');
    assert.match(payload.content, /^\[simulated\]/);
    assert.ok(payload.total_tokens > 0);
    assert.equal(payload.simulated, true);
    const cap = log.find((e) => e.eventType === 'capability_call')!.payload;
    assert.ok(isObject(cap) && cap.name === 'double' && cap.result === 42);
    assert.match(String(log.find((e) => e.eventType === 'print')!.payload), /^got /);
    const end = log.at(-1)!.payload as { status: string; result: unknown };
    assert.equal(end.status, 'succeeded');
    for (let i = 1; i < log.length; i++) assert.ok(log[i].seq! > log[i - 1].seq!);
    await rt.dispose();
  });

  it('keeps concurrent runs apart: each trace has its own nodes, each event once', async () => {
    const rt = await makeRuntime();
    const graph = program({
      nodes: [
        [1, 'ASK', { template_str: 'one' }],
        [2, 'ASK', { template_str: 'two' }],
        [3, 'MERGE'],
        [4, 'RETURN'],
      ],
      edges: [
        [1, 3],
        [2, 3],
        [3, 4],
      ],
    });
    const runs = await Promise.all([rt.execute(graph), rt.execute(graph), rt.execute(graph)]);
    assert.equal(new Set(runs.map((r) => r.runId)).size, 3);
    for (const r of runs) {
      assert.equal(r.status, 'succeeded');
      const log = rt.storage.episodicQuery({ runId: r.runId });
      assert.deepEqual(
        log
          .filter((e) => e.eventType === 'op_start')
          .map((e) => e.nodeId)
          .sort(),
        [1, 2, 3, 4],
      );
      assert.equal(log.filter((e) => e.eventType === 'llm_call').length, 2);
      assert.deepEqual([log[0].eventType, log.at(-1)?.eventType], ['run_start', 'run_end']);
      assert.equal(log.filter((e) => e.eventType === 'run_end').length, 1);
    }
    assert.equal(
      rt.storage.episodicCount(),
      runs.reduce((n, r) => n + rt.storage.episodicCount(r.runId), 0),
      'no event outside its run',
    );
    // a later run is recorded too (the recorder stays subscribed between runs)
    const again = await rt.execute(graph);
    assert.equal(rt.storage.episodicQuery({ runId: again.runId, eventType: 'op_success' }).length, 4);
    await rt.dispose();
  });

  it('a trace or run record that cannot be written is a warning on the run: the run still ends, with its result', async () => {
    const rt = await makeRuntime();
    const warnings: string[] = [];
    rt.events.on('warning', (e) => warnings.push(e.message));
    const storage = rt.storage as { episodicAppend: (...a: unknown[]) => unknown };
    const append = storage.episodicAppend;
    storage.episodicAppend = () => {
      throw new Error('database or disk is full');
    };
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'ASK', { template_str: 'hello' }],
          [2, 'RETURN'],
        ],
        edges: [[1, 2]],
      }),
    );
    assert.equal(r.status, 'succeeded');
    assert.match(String(r.result), /^\[simulated\]/);
    assert.equal(rt.storage.episodicQuery({ runId: r.runId }).length, 0, 'a read writes what waits (and fails here)');
    assert.ok(
      warnings.some((w) => /episodic event\(s\) could not be written to .*: database or disk is full/.test(w)),
      warnings.join(' | '),
    );
    storage.episodicAppend = append;
    const runPut = rt.storage.runPut.bind(rt.storage);
    (rt.storage as { runPut: typeof runPut }).runPut = (rec) => {
      if (rec.status !== 'running') throw new Error('disk I/O error');
      runPut(rec);
    };
    const kept = await rt.execute(program({ nodes: [[1, 'CONST_STR', { value: 'kept' }]] }));
    assert.deepEqual([kept.status, kept.result], ['succeeded', 'kept'], 'the result survives a run record that cannot be written');
    // The record is written behind the run; a read writes what waits, and the failure is reported then.
    assert.equal(rt.storage.runGet(kept.runId), undefined);
    assert.ok(
      warnings.some((w) => w.includes(`the record of run ${kept.runId} could not be written`)),
      warnings.join(' | '),
    );
    (rt.storage as { runPut: typeof runPut }).runPut = runPut;
    const again = await rt.execute(program({ nodes: [[1, 'CONST_STR', { value: 'ok' }]] }));
    assert.equal(
      rt.storage.episodicQuery({ runId: again.runId, eventType: 'op_success' }).length,
      1,
      'recording works again once the storage does',
    );
    await rt.dispose();
  });

  it("writes a run's last batch and final record behind the run; a read sees them at once", async () => {
    const rt = await makeRuntime();
    const raw = (rt.storage as BufferedStorage).backend;
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'ASK', { template_str: 'hello' }],
          [2, 'RETURN'],
        ],
        edges: [[1, 2]],
      }),
    );
    assert.equal(raw.episodicQuery({ runId: r.runId, eventType: 'run_end' }).length, 0, 'not yet written when the result is returned');
    assert.notEqual(raw.runGet(r.runId)?.status, 'succeeded');
    // a read through the runtime's storage writes what waits first
    assert.equal(rt.storage.episodicQuery({ runId: r.runId, eventType: 'run_end' }).length, 1);
    assert.equal(rt.storage.runGet(r.runId)?.status, 'succeeded');
    // and without a read, the next turn of the event loop writes it
    const again = await rt.execute(program({ nodes: [[1, 'CONST_STR', { value: 'x' }]] }));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(raw.runGet(again.runId)?.status, 'succeeded');
    assert.equal(raw.episodicQuery({ runId: again.runId, eventType: 'run_end' }).length, 1);
    await rt.dispose();
  });

  it('what the caller does with the result after the run does not change the trace written behind it', async () => {
    const rt = await makeRuntime();
    tool(rt, 'list', async () => ({ items: [1] }));
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'INV', { capability: 'list' }],
          [2, 'RETURN'],
        ],
        edges: [[1, 2]],
      }),
    );
    (r.result as { items: unknown[] }).items.push('changed');
    (r.outputs[1] as { items: unknown[] }).items.push('changed again');
    assert.deepEqual(rt.storage.runGet(r.runId)?.result, { items: [1] });
    const end = rt.storage.episodicQuery({ runId: r.runId, eventType: 'run_end' })[0].payload as { result: unknown };
    assert.deepEqual(end.result, { items: [1] });
    const outs = rt.storage
      .episodicQuery({ runId: r.runId, eventType: 'op_success' })
      .map((e) => (e.payload as { output: unknown }).output);
    assert.deepEqual(outs, [{ items: [1] }, { items: [1] }]);
    await rt.dispose();
  });

  it("a process that ends right after a run, without disposing its runtime, still writes the run's end", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'apxm-behind-'));
    try {
      const db = path.join(dir, 'trace.db');
      const runtimeUrl = pathToFileURL(path.join(import.meta.dirname, 'runtime.js')).href;
      const code = `
        const { Runtime } = await import(${JSON.stringify(runtimeUrl)});
        const rt = await Runtime.create({ memoryConfig: { dbPath: ${JSON.stringify(db)} } });
        const p = rt.loadProgram({ name: 'Exit.main', nodes: [{ id: 1, name: 'a', op: 'CONST_STR', attributes: { value: 'done' } }], edges: [] });
        const r = await rt.execute(p);
        (await import('node:fs')).writeFileSync(${JSON.stringify(db + '.run')}, r.runId);`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
      assert.equal(child.status, 0, child.stderr);
      const runId = readFileSync(db + '.run', 'utf8');
      const storage = await openStorage(db);
      try {
        assert.equal(storage.runGet(runId)?.status, 'succeeded');
        assert.equal(storage.episodicQuery({ runId, eventType: 'run_end' }).length, 1);
      } finally {
        storage.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records nothing when episodic recording is off', async () => {
    const rt = await makeRuntime({ memoryConfig: { recordEpisodes: false } });
    const r = await rt.execute(program({ nodes: [[1, 'CONST_STR', { value: 'x' }]] }));
    assert.equal(r.status, 'succeeded');
    assert.equal(rt.storage.episodicCount(), 0);
    assert.equal(rt.storage.runGet(r.runId)?.status, 'succeeded', 'the run itself is still listed');
    await rt.dispose();
  });
});
