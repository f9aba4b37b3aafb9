import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CapabilityRecord } from '../capabilities/capabilityRecord.js';
import { CapabilitySystem } from '../capabilities/capabilitySystem.js';
import type { ApxmError, SerializedError } from '../errors.js';
import type { Value, ValueObject } from '../values/value.js';
import type { RecordedCapabilityCall } from './recordedRun.js';
import { registerReplayCapabilities } from './replayCapabilities.js';

let seq = 0;
const call = (
  name: string,
  result: Value,
  opts: { params?: ValueObject; error?: SerializedError; nodeId?: number } = {},
): RecordedCapabilityCall => ({
  seq: ++seq,
  frameId: 1,
  nodeId: opts.nodeId ?? 1,
  name,
  result,
  durationMs: 3,
  ...(opts.params ? { params: opts.params } : {}),
  ...(opts.error ? { error: opts.error } : {}),
});
const invoke = (system: CapabilitySystem, name: string, params: ValueObject, nodeId?: number) => system.invoke(name, params, { nodeId });

describe('registerReplayCapabilities', () => {
  it('matches recorded params by canonical JSON, identical calls in recorded order', async () => {
    const system = new CapabilitySystem();
    const replay = registerReplayCapabilities(system, {
      runId: 'r1',
      capabilityCalls: [
        call('search', 'first tea', { params: { q: 'tea', limit: 2 } }),
        call('search', 'coffee', { params: { q: 'coffee' } }),
        call('search', 'second tea', { params: { limit: 2, q: 'tea' } }),
      ],
    });
    assert.deepEqual(replay.served, ['search']);
    assert.equal(await invoke(system, 'search', { q: 'coffee' }), 'coffee');
    assert.equal(await invoke(system, 'search', { limit: 2, q: 'tea' }), 'first tea');
    assert.equal(await invoke(system, 'search', { q: 'tea', limit: 2 }), 'second tea');
    await assert.rejects(
      invoke(system, 'search', { q: 'tea', limit: 2 }),
      (e: ApxmError) =>
        e.code === 'E_REPLAY_DIVERGED' &&
        e.message ===
          'replay diverged from run r1: capability "search" was called with params the recording holds no result for; params: {"q":"tea","limit":2}',
    );
    assert.deepEqual(replay.unserved(), []);
  });

  it('fails a call again with the recorded code, message and hint', async () => {
    const system = new CapabilitySystem();
    registerReplayCapabilities(system, {
      runId: 'r1',
      capabilityCalls: [
        call('fetch', null, { error: { code: 'E_CAPABILITY_FAILED', message: 'capability "fetch" failed: 503', hint: 'try later' } }),
      ],
    });
    await assert.rejects(
      invoke(system, 'fetch', {}),
      (e: ApxmError) => e.code === 'E_CAPABILITY_FAILED' && e.message === 'capability "fetch" failed: 503' && e.hint === 'try later',
    );
  });

  it('without recorded params, matches by name in order, preferring the call the same node made', async () => {
    const system = new CapabilitySystem();
    const replay = registerReplayCapabilities(system, {
      runId: 'r1',
      capabilityCalls: [
        call('lookup', 'from node 7', { nodeId: 7 }),
        call('lookup', 'from node 3', { nodeId: 3 }),
        call('lookup', 'again', { nodeId: 3 }),
      ],
    });
    assert.equal(await invoke(system, 'lookup', { any: 1 }, 3), 'from node 3');
    assert.equal(await invoke(system, 'lookup', { any: 2 }), 'from node 7');
    assert.equal(replay.unserved().length, 1);
    assert.equal(await invoke(system, 'lookup', {}, 9), 'again');
    await assert.rejects(
      invoke(system, 'lookup', {}, 3),
      /capability "lookup" was called 4 times, the recording holds 3 calls; params: \{\}$/,
    );
  });

  it('shadows live tools, keeping their schema, and blocks those the recording never called', async () => {
    const system = new CapabilitySystem();
    const live = () => {
      throw new Error('a live tool ran during a replay');
    };
    system.register(
      'lookup',
      new CapabilityRecord('Looks things up', live, { schema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } }),
    );
    system.register('send_mail', new CapabilityRecord('Sends mail', live));
    const heard: ApxmError[] = [];
    const replay = registerReplayCapabilities(
      system,
      { runId: 'r1', capabilityCalls: [call('lookup', 'recorded')] },
      { onDivergence: (e) => heard.push(e) },
    );
    assert.deepEqual(replay.blocked, ['send_mail']);
    assert.equal(await invoke(system, 'lookup', { q: 'x' }), 'recorded');
    assert.deepEqual(system.get('lookup')?.schema.required, ['q']);
    assert.match(system.get('lookup')?.description ?? '', /^replay of "lookup" from run r1: Looks things up$/);
    await assert.rejects(
      invoke(system, 'send_mail', { to: 'a@b.c' }),
      /replay diverged from run r1: the program called capability "send_mail", which the recorded run never called/,
    );
    assert.equal(heard.length, 1);
    replay.dispose();
    assert.deepEqual(system.listCapabilityNames(), []);
  });

  it('names recorded params in first-seen order, so positional inputs get the names they had live', () => {
    const system = new CapabilitySystem();
    registerReplayCapabilities(system, {
      runId: 'r1',
      capabilityCalls: [
        call('search', 'x', { params: { query: 'a', limit: 1 } }),
        call('search', 'y', { params: { query: 'b', lang: 'en' } }),
      ],
    });
    assert.deepEqual(Object.keys(system.get('search')?.schema.properties as object), ['query', 'limit', 'lang']);
  });

  it('leaves a name that was not registered when recorded unregistered', () => {
    const system = new CapabilitySystem();
    const replay = registerReplayCapabilities(system, {
      runId: 'r1',
      capabilityCalls: [call('nope', null, { error: { code: 'E_CAPABILITY_NOT_FOUND', message: 'no capability named "nope"' } })],
    });
    assert.deepEqual(replay.served, []);
    assert.equal(system.has('nope'), false);
  });
});
