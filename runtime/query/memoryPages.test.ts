import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { program } from '../../test/support/graphBuilder.js';
import { makeRuntime } from '../../test/support/harness.js';
import { Aam } from '../aam/aam.js';
import { RuntimeEventEmitter } from '../events.js';
import { openStorage } from '../memory/openStorage.js';
import { ShortTermMemory } from '../memory/shortTermMemory.js';
import type { StorageBackend } from '../memory/storage.js';
import { aamSeq, MemoryChanges } from './memoryChanges.js';
import { MAX_PAGE_ROWS, memoryPage, memoryProvenance, ROW_PREVIEW_CHARS, SEARCH_CAP, type MemorySources } from './memoryPages.js';
import { PageStore } from './nodeDetail.js';

/** A real SQLite file, closed and removed after `fn`. */
async function withFile(fn: (storage: StorageBackend) => Promise<void> | void): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-mempages-'));
  const storage = await openStorage(path.join(dir, 'mem.db'));
  try {
    await fn(storage);
  } finally {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function sources(storage: StorageBackend, changes?: MemoryChanges): MemorySources {
  return { runId: 'run-1', stm: new ShortTermMemory(), aam: new Aam(), storage, ...(changes ? { changes } : {}) };
}

describe('memory pages', () => {
  it('pages LTM by key, under a prefix and most recently updated first, with exact totals', { timeout: 20_000 }, () =>
    withFile((storage) => {
      storage.ltmPutMany(
        Array.from({ length: 1200 }, (_, i) => ({ key: `doc:${String(i).padStart(4, '0')}`, value: `text ${i}` })),
        1000,
      );
      storage.ltmPut('note:a', 'alpha', 5000);
      storage.ltmPut('note:b', 'beta', 4000);
      const src = sources(storage);
      const pages = new PageStore();
      const first = memoryPage(src, { tab: 'ltm', offset: 0, limit: 50 }, pages);
      assert.equal(first.total, 1202);
      assert.equal(first.rows.length, 50);
      assert.equal(first.rows[0].key, 'doc:0000');
      assert.equal(first.rows[0].updatedAt, 1000);
      const deep = memoryPage(src, { tab: 'ltm', offset: 1190, limit: 50 }, pages);
      assert.deepEqual(
        deep.rows.map((r) => r.key),
        [...Array.from({ length: 10 }, (_, i) => `doc:${1190 + i}`), 'note:a', 'note:b'],
      );
      const notes = memoryPage(src, { tab: 'ltm', offset: 0, limit: 50, prefix: 'note:' }, pages);
      assert.equal(notes.total, 2);
      const recent = memoryPage(src, { tab: 'ltm', offset: 0, limit: 3, sort: 'updated' }, pages);
      assert.deepEqual(
        recent.rows.map((r) => r.key),
        ['note:a', 'note:b', 'doc:0000'],
      );
      // a page never holds more than MAX_PAGE_ROWS rows, whatever is asked
      assert.equal(memoryPage(src, { tab: 'ltm', offset: 0, limit: 100_000 }, pages).rows.length, MAX_PAGE_ROWS);
    }),
  );

  it('searches LTM by words with the full-text index, best first, paged from the ranked hits', { timeout: 20_000 }, () =>
    withFile((storage) => {
      storage.ltmPut('trip:oslo', { city: 'Oslo', note: 'fjords and museums' });
      storage.ltmPut('trip:rome', { city: 'Rome', note: 'museums and pasta' });
      storage.ltmPut('trip:lima', { city: 'Lima', note: 'ceviche' });
      const src = sources(storage);
      const hits = memoryPage(src, { tab: 'ltm', offset: 0, limit: 10, search: 'museums' }, new PageStore());
      assert.equal(hits.total, 2);
      assert.deepEqual(hits.rows.map((r) => r.key).sort(), ['trip:oslo', 'trip:rome']);
      assert.ok(hits.rows.every((r) => r.score !== undefined && r.score > 0));
      const both = memoryPage(src, { tab: 'ltm', offset: 0, limit: 10, search: 'museums fjords' }, new PageStore());
      assert.deepEqual(
        both.rows.map((r) => r.key),
        ['trip:oslo'],
      );
      const second = memoryPage(src, { tab: 'ltm', offset: 1, limit: 10, search: 'museums' }, new PageStore());
      assert.equal(second.rows.length, 1);
      assert.equal(second.total, 2);
      assert.equal(memoryPage(src, { tab: 'ltm', offset: 0, limit: 10, search: 'museums', prefix: 'trip:r' }, new PageStore()).total, 1);
      assert.ok(SEARCH_CAP >= 1000);
    }),
  );

  it('previews long values briefly and keeps the rest for value pages', { timeout: 20_000 }, () =>
    withFile((storage) => {
      const long = 'x'.repeat(10_000);
      storage.ltmPut('big', long);
      const pages = new PageStore();
      const [row] = memoryPage(sources(storage), { tab: 'ltm', offset: 0, limit: 1 }, pages).rows;
      assert.equal(row.value.text.length, ROW_PREVIEW_CHARS);
      assert.equal(row.value.length, 10_000);
      assert.ok(row.value.pageRef);
      assert.equal(pages.page(row.value.pageRef, 0, 20_000)?.text, long);
    }),
  );

  it('lists STM, beliefs and goals with prefix, words and sort; episodic newest first, filtered by type', { timeout: 20_000 }, () =>
    withFile((storage) => {
      const src = sources(storage);
      src.stm.set('b', 'second');
      src.stm.set('a', { city: 'Oslo' });
      src.stm.set('c', 3);
      const pages = new PageStore();
      assert.deepEqual(
        memoryPage(src, { tab: 'stm', offset: 0, limit: 10 }, pages).rows.map((r) => r.key),
        ['a', 'b', 'c'],
      );
      assert.deepEqual(
        memoryPage(src, { tab: 'stm', offset: 0, limit: 10, sort: 'updated' }, pages).rows.map((r) => r.key),
        ['c', 'a', 'b'],
      );
      assert.deepEqual(
        memoryPage(src, { tab: 'stm', offset: 0, limit: 10, search: 'OSLO' }, pages).rows.map((r) => r.key),
        ['a'],
      );
      src.aam.setBelief('weather', 'rain', 'test');
      src.aam.setBelief('mood', 'good', 'test');
      assert.deepEqual(
        memoryPage(src, { tab: 'beliefs', offset: 0, limit: 10 }, pages).rows.map((r) => [r.key, r.value.text]),
        [
          ['mood', 'good'],
          ['weather', 'rain'],
        ],
      );
      src.aam.upsertGoal('low', 'tidy up', 1, 'test');
      src.aam.upsertGoal('high', 'ship it', 9, 'test');
      const goals = memoryPage(src, { tab: 'goals', offset: 0, limit: 10 }, pages);
      assert.deepEqual(
        goals.rows.map((r) => r.key),
        ['high', 'low'],
      );
      assert.match(goals.rows[0].value.text, /ship it/);
      storage.episodicAppend([
        { runId: 'run-1', frameId: 1, nodeId: 2, eventType: 'op_start', payload: { op: 'Ask' }, timestamp: 10 },
        { runId: 'run-1', frameId: 1, nodeId: 2, eventType: 'op_success', payload: { output: 'ok' }, timestamp: 11 },
        { runId: 'other', frameId: 1, nodeId: 2, eventType: 'op_start', payload: {}, timestamp: 12 },
      ]);
      const epi = memoryPage(src, { tab: 'episodic', offset: 0, limit: 10 }, pages);
      assert.equal(epi.total, 2, 'this run only');
      assert.deepEqual(
        epi.rows.map((r) => r.event?.eventType),
        ['op_success', 'op_start'],
      );
      assert.equal(epi.rows[0].event?.nodeId, 2);
      const starts = memoryPage(src, { tab: 'episodic', offset: 0, limit: 10, prefix: 'op_st' }, pages);
      assert.deepEqual(
        starts.rows.map((r) => r.key),
        [epi.rows[1].key],
      );
    }),
  );

  it(
    'marks rows written since the previous stop: STM and LTM by write stamps, beliefs and goals from the AAM log',
    { timeout: 20_000 },
    () =>
      withFile((storage) => {
        const events = new RuntimeEventEmitter();
        const changes = new MemoryChanges(events, 'run-1');
        const src = sources(storage, changes);
        const write = (tier: 'stm' | 'ltm', key: string) => {
          if (tier === 'stm') src.stm.set(key, 1);
          else storage.ltmPut(key, 1);
          events.emit('memory:write', { runId: 'run-1', nodeExecId: 'run-1:1:1', tier, key, value: 1 });
        };
        write('stm', 'early');
        write('ltm', 'old');
        src.aam.setBelief('first', 1, 'op');
        changes.stopped(aamSeq(src.aam)); // stop 1: everything so far is new
        const changed = (tab: 'stm' | 'ltm' | 'beliefs') =>
          memoryPage(src, { tab, offset: 0, limit: 10 }, new PageStore())
            .rows.filter((r) => r.changed)
            .map((r) => r.key);
        assert.deepEqual(changed('stm'), ['early']);
        assert.deepEqual(changed('ltm'), ['old']);
        assert.deepEqual(changed('beliefs'), ['first']);
        write('stm', 'late');
        src.aam.setBelief('second', 2, 'op');
        changes.stopped(aamSeq(src.aam)); // stop 2: only what was written since stop 1
        assert.deepEqual(changed('stm'), ['late']);
        assert.deepEqual(changed('ltm'), []);
        assert.deepEqual(changed('beliefs'), ['second']);
        // an edit while stopped counts as a change at this stop
        changes.wrote('ltm', 'old');
        assert.deepEqual(changed('ltm'), ['old']);
        // another run's writes are not this run's
        events.emit('memory:write', { runId: 'run-2', nodeExecId: 'run-2:1:1', tier: 'stm', key: 'early', value: 2 });
        assert.deepEqual(changed('stm'), ['late']);
        assert.equal(memoryPage(src, { tab: 'stm', offset: 0, limit: 10 }, new PageStore()).stop, 2);
        changes.dispose();
      }),
  );

  it('names the op that wrote a key, from the episodic log of a real run; across runs for LTM', { timeout: 20_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-provenance-'));
    const rt = await makeRuntime({ memoryConfig: { dbPath: path.join(dir, 'p.db') } });
    try {
      const prog = program({
        nodes: [
          [1, 'UMEM', { key: 'fact', memory_tier: 'ltm', value: 'first' }],
          [2, 'UMEM', { key: 'factory', memory_tier: 'ltm', value: 'other' }],
          [3, 'UMEM', { key: 'scratch', value: 'stm value' }],
          [4, 'RETURN'],
        ],
        edges: [
          [1, 2],
          [2, 3],
          [3, 4],
        ],
      });
      const r1 = await rt.execute(prog);
      const r2 = await rt.execute(prog);
      assert.equal(r2.status, 'succeeded');
      const src: MemorySources = { runId: r2.runId, stm: new ShortTermMemory(), aam: new Aam(), storage: rt.storage };
      const p = memoryProvenance(src, 'ltm', 'fact', 10);
      // 'factory' starts with 'fact' and is not a write of 'fact'
      assert.equal(p.writes.length, 2);
      assert.deepEqual(
        p.writes.map((w) => [w.runId, w.thisRun, w.nodeId, w.op]),
        [
          [r2.runId, true, 1, 'UMem'],
          [r1.runId, false, 1, 'UMem'],
        ],
      );
      assert.equal(p.writes[0].nodeExecId, `${r2.runId}:1:1`);
      assert.equal(p.writes[0].flow, prog.entry.qualifiedName);
      const stm = memoryProvenance(src, 'stm', 'scratch', 10);
      assert.deepEqual(
        stm.writes.map((w) => [w.runId, w.nodeId]),
        [[r2.runId, 3]],
        'an STM key: this run only',
      );
      const none = memoryProvenance(src, 'ltm', 'never', 10);
      assert.equal(none.writes.length, 0);
      assert.match(none.note ?? '', /no recorded write of LTM key 'never'/);
      src.aam.setBelief('mood', 'ok', 'UpdateBeliefs', 7);
      assert.deepEqual(
        memoryProvenance(src, 'beliefs', 'mood').writes.map((w) => [w.nodeId, w.label]),
        [[7, 'UpdateBeliefs']],
      );
      assert.throws(() => memoryProvenance(src, 'episodic', '#1 op_start'), /provenance is for STM, LTM, belief and goal keys/);
    } finally {
      await rt.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
