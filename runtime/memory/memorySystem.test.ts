import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApxmError } from '../errors.js';
import { EpisodicRecorder } from './episodicRecorder.js';
import { MemorySystem, parseTier } from './memorySystem.js';
import { MemoryStorage } from './memoryStorage.js';
import { openStorage } from './openStorage.js';
import { ShortTermMemory } from './shortTermMemory.js';

describe('ShortTermMemory', () => {
  it('evicts the least recently used key past its bound instead of failing', () => {
    const evicted: string[] = [];
    const stm = new ShortTermMemory({ maxEntries: 3, onEvict: (k) => evicted.push(k) });
    stm.set('a', 1);
    stm.set('b', 2);
    stm.set('c', 3);
    assert.equal(stm.get('a'), 1); // a is now the most recent
    stm.set('d', 4);
    assert.deepEqual(evicted, ['b']);
    assert.equal(stm.size, 3);
    assert.equal(stm.has('b'), false);
    for (let i = 0; i < 2000; i++) stm.set(`k${i}`, i);
    assert.equal(stm.size, 3);
    assert.equal(stm.evictedCount, 2001);
  });

  it('rejects an empty key, searches key substrings in key order, snapshots and restores', () => {
    const stm = new ShortTermMemory();
    assert.throws(
      () => stm.set('', 1),
      (e: unknown) => e instanceof ApxmError && e.code === 'E_MEMORY',
    );
    stm.set('user:2', 'b');
    stm.set('user:1', 'a');
    stm.set('other', 'c');
    assert.deepEqual(
      stm.search('user', 10).map((h) => h.key),
      ['user:1', 'user:2'],
    );
    assert.deepEqual(
      stm.search('user', 1).map((h) => h.key),
      ['user:1'],
    );
    assert.deepEqual(stm.search('USER', 10), [], 'STM search is case-sensitive');
    const snap = stm.snapshot();
    const copy = new ShortTermMemory();
    copy.restore(snap);
    assert.deepEqual(copy.entries(), stm.entries());
  });
});

describe('EpisodicRecorder', () => {
  it('writes in batches, on flush, and on close', () => {
    const storage = new MemoryStorage();
    let appends = 0;
    const counted = Object.assign(Object.create(storage), {
      episodicAppend: (evs: Parameters<MemoryStorage['episodicAppend']>[0]) => (appends++, storage.episodicAppend(evs)),
    });
    const rec = new EpisodicRecorder(counted, { batchSize: 4, flushIntervalMs: 60_000 });
    const ev = (i: number) => ({ runId: 'r', frameId: 1, nodeId: i, eventType: 'op_start', payload: i, timestamp: i });
    for (let i = 0; i < 10; i++) rec.record(ev(i));
    assert.equal(appends, 2, 'two full batches of 4');
    assert.equal(storage.episodicCount(), 8);
    assert.equal(rec.pendingCount, 2);
    rec.flush();
    assert.equal(storage.episodicCount(), 10);
    rec.record(ev(10));
    rec.close();
    assert.equal(storage.episodicCount(), 11);
    rec.record(ev(11));
    assert.equal(storage.episodicCount(), 11, 'nothing is recorded after close');
    assert.deepEqual(
      storage.episodicQuery({}).map((e) => e.payload),
      Array.from({ length: 11 }, (_, i) => i),
    );
  });

  it('by default writes as soon as the run yields to the event loop', async () => {
    const storage = new MemoryStorage();
    const rec = new EpisodicRecorder(storage, { batchSize: 100 });
    rec.record({ runId: 'r', frameId: null, nodeId: null, eventType: 'x', payload: null, timestamp: 1 });
    rec.record({ runId: 'r', frameId: null, nodeId: null, eventType: 'y', payload: null, timestamp: 2 });
    assert.equal(storage.episodicCount(), 0, 'nothing is written while the run holds the thread');
    await new Promise((r) => setImmediate(r));
    assert.equal(storage.episodicCount(), 2, 'both events are written');
    assert.equal(rec.pendingCount, 0);
  });

  it('flushes on its timer', async () => {
    const storage = new MemoryStorage();
    const rec = new EpisodicRecorder(storage, { batchSize: 100, flushIntervalMs: 5 });
    rec.record({ runId: 'r', frameId: null, nodeId: null, eventType: 'x', payload: null, timestamp: 1 });
    assert.equal(storage.episodicCount(), 0);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(storage.episodicCount(), 1);
  });
});

describe('MemorySystem', () => {
  it('routes the three tiers and combines key and full-text LTM search', async () => {
    const storage = await openStorage(':memory:');
    const rec = new EpisodicRecorder(storage, { batchSize: 1000 });
    const mem = new MemorySystem('run-1', new ShortTermMemory(), storage, rec, () => 42);
    mem.write('stm', 'draft', 'hello');
    mem.write('ltm', 'city:lisbon', { note: 'custard tarts and trams' });
    mem.write('ltm', 'city:porto', { note: 'port wine' });
    mem.write('episodic', 'insight', 'cache the lookups', { frameId: 1, nodeId: 3 });
    assert.equal(mem.read('stm', 'draft'), 'hello');
    assert.deepEqual(mem.read('ltm', 'city:lisbon'), { note: 'custard tarts and trams' });
    assert.equal(storage.episodicCount(), 0, 'episodic writes are batched');
    assert.deepEqual(
      mem.search('ltm', 'city', 10).map((h) => h.key),
      ['city:lisbon', 'city:porto'],
    );
    assert.deepEqual(
      mem.search('ltm', 'trams', 10).map((h) => h.key),
      ['city:lisbon'],
    );
    assert.deepEqual(
      mem
        .search('ltm', 'city', 10, 'text')
        .map((h) => h.key)
        .sort(),
      ['city:lisbon', 'city:porto'],
    );
    assert.deepEqual(mem.search('ltm', 'trams', 10, 'key'), []);
    const ep = mem.search('episodic', 'insight', 5);
    assert.equal(ep.length, 1, 'searching episodic flushes pending writes first');
    assert.deepEqual(ep[0].value, { event_type: 'insight', node_id: 3, payload: 'cache the lookups', timestamp: 42 });
    assert.equal(mem.episodes().length, 1);
    assert.throws(() => mem.write('ltm', '', 1), /must not be empty/);
    assert.throws(
      () => parseTier('disk'),
      (e: unknown) => e instanceof ApxmError && e.code === 'E_MEMORY_TIER',
    );
    storage.close();
  });
});
