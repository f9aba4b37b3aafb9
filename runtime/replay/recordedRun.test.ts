import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CapabilitySystem } from '../capabilities/capabilitySystem.js';
import { MemoryStorage } from '../memory/memoryStorage.js';
import type { EpisodicEvent } from '../memory/storage.js';
import { loadRecordedRun } from './recordedRun.js';
import { registerReplayCapabilities } from './replayCapabilities.js';

const ev = (nodeId: number | null, eventType: string, payload: EpisodicEvent['payload']): EpisodicEvent => ({
  runId: 'r',
  frameId: nodeId === null ? null : 1,
  nodeId,
  eventType,
  payload,
  timestamp: 0,
});

function store(events: EpisodicEvent[]): MemoryStorage {
  const storage = new MemoryStorage();
  storage.runPut({ runId: 'r', program: 'p.json', entryFlow: 'P.main', status: 'succeeded', startedAt: 0, args: {} });
  storage.episodicAppend([ev(null, 'run_start', {}), ...events]);
  return storage;
}

describe('loadRecordedRun', () => {
  it('takes capability params from a capability_request event of the same node, and then matches by them', async () => {
    // What traceRecorder.ts would write with the proposed `capability:call` line: a request before each result.
    const recorded = loadRecordedRun(
      store([
        ev(2, 'capability_request', { name: 'search', params: { q: 'tea' } }),
        ev(3, 'capability_request', { name: 'search', params: { q: 'coffee' } }),
        ev(3, 'capability_call', { name: 'search', result: 'about coffee', error: null, duration_ms: 1 }),
        ev(2, 'capability_call', { name: 'search', result: 'about tea', error: null, duration_ms: 1 }),
        ev(4, 'capability_call', { name: 'search', result: 'unpaired', error: null, duration_ms: 1 }),
      ]),
      'r',
    );
    assert.deepEqual(
      recorded.capabilityCalls.map((c) => [c.nodeId, c.params ?? null]),
      [
        [3, { q: 'coffee' }],
        [2, { q: 'tea' }],
        [4, null],
      ],
    );
    const system = new CapabilitySystem();
    registerReplayCapabilities(system, recorded);
    assert.equal(await system.invoke('search', { q: 'tea' }), 'about tea');
    assert.equal(await system.invoke('search', { q: 'coffee' }), 'about coffee');
  });

  it('names the run and the event of a malformed payload in the database', () => {
    const storage = store([ev(1, 'llm_call', { phase: 'ASK', messages: 'hi' })]);
    assert.throws(
      () => loadRecordedRun(storage, 'r'),
      (e: Error) => e.message === ':memory:: run r event seq 2.payload.messages: expected an array, found string "hi"',
    );
  });
});
