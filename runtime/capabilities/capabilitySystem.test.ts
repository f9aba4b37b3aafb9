import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApxmError } from '../errors.js';
import { CapabilityRecord, DEFAULT_CAPABILITY_TIMEOUT_MS } from './capabilityRecord.js';
import { CapabilitySystem, type CapabilityChange } from './capabilitySystem.js';
import type { CapabilityCallContext, CapabilityHandler, CapabilityOptions } from './types.js';
import { rejectsWith } from '../../test/support/assertions.js';

const rec = (handler: CapabilityHandler = () => 'ok', options: CapabilityOptions = {}, description = 'a tool') =>
  new CapabilityRecord(description, handler, options);

const citySchema = { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1 } }, required: ['city'] };

describe('CapabilitySystem registry', () => {
  it('registers tools and lists them sorted by name with their info', () => {
    const sys = new CapabilitySystem();
    sys.register(
      'weather',
      rec(() => 'sunny', { schema: citySchema, timeoutMs: 1234 }, 'Weather for a city'),
    );
    sys.register('a.search', rec());
    assert.deepEqual(sys.listCapabilityNames(), ['a.search', 'weather']);
    assert.deepEqual(
      sys.list().map((i) => i.name),
      ['a.search', 'weather'],
    );
    assert.deepEqual(sys.get('weather'), {
      name: 'weather',
      description: 'Weather for a city',
      schema: citySchema,
      timeoutMs: 1234,
      source: { kind: 'code' },
    });
    assert.deepEqual(sys.get('a.search'), {
      name: 'a.search',
      description: 'a tool',
      schema: { type: 'object' },
      timeoutMs: DEFAULT_CAPABILITY_TIMEOUT_MS,
      source: { kind: 'code' },
    });
    assert.equal(DEFAULT_CAPABILITY_TIMEOUT_MS, 30_000);
    assert.equal(sys.has('weather'), true);
    assert.equal(sys.get('nope'), undefined);
    assert.equal(sys.has('nope'), false);
  });

  it('refuses a second registration under the same name and keeps the first', async () => {
    const sys = new CapabilitySystem();
    sys.register(
      'weather',
      rec(() => 'first'),
    );
    const err = await rejectsWith(
      () =>
        sys.register(
          'weather',
          rec(() => 'second'),
        ),
      'E_CAPABILITY_DUPLICATE',
    );
    assert.match(err.message, /"weather" is already registered \(from code\)/);
    assert.equal(await sys.invoke('weather', {}), 'first');
    assert.deepEqual(sys.listCapabilityNames(), ['weather']);
  });

  it('names where the existing registration came from', async () => {
    const sys = new CapabilitySystem();
    sys.register(
      'fx.echo',
      rec(() => 1, { source: { kind: 'mcp', server: 'fx' } }),
    );
    sys.register(
      'tool',
      rec(() => 1, { source: { kind: 'module', file: '/w/apxm.capabilities.mjs' } }),
    );
    assert.match((await rejectsWith(() => sys.register('fx.echo', rec()), 'E_CAPABILITY_DUPLICATE')).message, /MCP server fx/);
    assert.match((await rejectsWith(() => sys.register('tool', rec()), 'E_CAPABILITY_DUPLICATE')).message, /\/w\/apxm\.capabilities\.mjs/);
  });

  for (const name of ['', '1abc', 'has space', 'x'.repeat(129), 'semi;colon']) {
    it(`rejects the invalid name ${JSON.stringify(name.length > 20 ? name.slice(0, 5) + '…' : name)}`, async () => {
      const sys = new CapabilitySystem();
      const err = await rejectsWith(() => sys.register(name, rec()), 'E_CAPABILITY_INVALID');
      assert.match(err.message, /invalid capability name/);
      assert.ok(err.hint?.includes('start with a letter'));
      assert.deepEqual(sys.listCapabilityNames(), []);
    });
  }

  it('accepts names with letters, digits, _, . and - up to 128 characters', () => {
    const sys = new CapabilitySystem();
    for (const name of ['_private', 'server.tool-name_2', 'A', 'x'.repeat(128)]) sys.register(name, rec());
    assert.equal(sys.listCapabilityNames().length, 4);
  });

  it('rejects an invalid parameter schema', async () => {
    const sys = new CapabilitySystem();
    const bad = await rejectsWith(
      () =>
        sys.register(
          't',
          rec(() => 1, { schema: { type: 'not-a-type' } }),
        ),
      'E_CAPABILITY_INVALID',
    );
    assert.match(bad.message, /invalid parameter schema/);
    assert.match(bad.message, /type/);
    const notObject = await rejectsWith(
      () =>
        sys.register(
          't',
          rec(() => 1, { schema: [] as unknown as Record<string, unknown> }),
        ),
      'E_CAPABILITY_INVALID',
    );
    assert.match(notObject.message, /must be an object/);
    assert.equal(sys.has('t'), false);
  });

  it('rejects a non-positive timeout, a missing handler and something that is not a CapabilityRecord', async () => {
    const sys = new CapabilitySystem();
    assert.match(
      (
        await rejectsWith(
          () =>
            sys.register(
              't',
              rec(() => 1, { timeoutMs: 0 }),
            ),
          'E_CAPABILITY_INVALID',
        )
      ).message,
      /invalid timeout 0/,
    );
    assert.match(
      (
        await rejectsWith(
          () => sys.register('t', new CapabilityRecord('x', undefined as unknown as CapabilityHandler)),
          'E_CAPABILITY_INVALID',
        )
      ).message,
      /no handler function/,
    );
    const fake = {
      description: 'x',
      handler: () => 1,
      schema: { type: 'object' },
      timeoutMs: 10,
      source: { kind: 'code' },
    } as unknown as CapabilityRecord;
    assert.match((await rejectsWith(() => sys.register('t', fake), 'E_CAPABILITY_INVALID')).message, /must be a CapabilityRecord/);
    assert.deepEqual(sys.listCapabilityNames(), []);
  });

  it('tells listeners about registrations and unregistrations until they unsubscribe', () => {
    const sys = new CapabilitySystem();
    const changes: CapabilityChange[] = [];
    const off = sys.onChange((c) => changes.push(c));
    sys.register('a', rec());
    sys.register('b', rec());
    assert.equal(sys.unregister('a'), true);
    assert.equal(sys.unregister('a'), false, 'unregistering twice reports nothing was there');
    assert.throws(() => sys.register('b', rec()));
    off();
    sys.register('c', rec());
    assert.deepEqual(changes, [
      { kind: 'registered', name: 'a' },
      { kind: 'registered', name: 'b' },
      { kind: 'unregistered', name: 'a' },
    ]);
    assert.deepEqual(sys.listCapabilityNames(), ['b', 'c']);
  });

  it('runs every disposer once on dispose, even when one fails', async () => {
    const sys = new CapabilitySystem();
    const ran: string[] = [];
    sys.addDisposer(() => void ran.push('sync'));
    sys.addDisposer(async () => {
      ran.push('failing');
      throw new Error('close failed');
    });
    sys.addDisposer(async () => void ran.push('async'));
    await sys.dispose();
    await sys.dispose();
    assert.deepEqual(ran.sort(), ['async', 'failing', 'sync']);
  });
});

describe('CapabilitySystem.invoke', () => {
  it('passes the params and the call context to the handler and returns its value', async () => {
    const sys = new CapabilitySystem();
    let seen: { params: unknown; ctx?: CapabilityCallContext } = { params: undefined };
    sys.register(
      'weather',
      rec(
        async (params, ctx) => {
          seen = { params, ctx };
          ctx.log(`looking up ${String(params.city)}`);
          return { city: params.city, forecast: 'sunny' };
        },
        { schema: citySchema },
      ),
    );
    const logs: string[] = [];
    const result = await sys.invoke('weather', { city: 'Lisbon', days: 2 }, { runId: 'run-1', nodeId: 7, log: (m) => logs.push(m) });
    assert.deepEqual(result, { city: 'Lisbon', forecast: 'sunny' });
    assert.deepEqual(seen.params, { city: 'Lisbon', days: 2 });
    assert.equal(seen.ctx?.runId, 'run-1');
    assert.equal(seen.ctx?.nodeId, 7);
    assert.equal(seen.ctx?.signal.aborted, false);
    assert.deepEqual(logs, ['looking up Lisbon']);
  });

  it('checks params against the schema before calling the handler and lists the problems', async () => {
    const sys = new CapabilitySystem();
    let calls = 0;
    sys.register(
      'weather',
      rec(() => ++calls, { schema: citySchema }),
    );
    const missing = await rejectsWith(() => sys.invoke('weather', {}), 'E_CAPABILITY_ARGS');
    assert.match(missing.message, /parameters for "weather" do not match its schema/);
    assert.match(missing.message, /must have required property 'city'/);
    const wrong = await rejectsWith(() => sys.invoke('weather', { city: 5, days: 0 }), 'E_CAPABILITY_ARGS');
    assert.match(wrong.message, /\/city: must be string/);
    assert.match(wrong.message, /\/days: must be >= 1/);
    assert.deepEqual(wrong.details?.params, { city: 5, days: 0 });
    assert.ok(wrong.hint?.includes('"required":["city"]'));
    assert.equal(calls, 0, 'the handler never ran');
    assert.equal(await sys.invoke('weather', { city: 'Porto' }), 1);
  });

  it('reports an unknown name with the near names as a hint', async () => {
    const sys = new CapabilitySystem();
    sys.register('weather', rec());
    sys.register('search', rec());
    const near = await rejectsWith(() => sys.invoke('wether', {}), 'E_CAPABILITY_NOT_FOUND');
    assert.match(near.message, /no capability named "wether"/);
    assert.equal(near.hint, 'did you mean "weather"?');
    const far = await rejectsWith(() => sys.invoke('translate', {}), 'E_CAPABILITY_NOT_FOUND');
    assert.equal(far.hint, 'registered: search, weather');
    const empty = await rejectsWith(() => new CapabilitySystem().invoke('weather', {}), 'E_CAPABILITY_NOT_FOUND');
    assert.match(empty.hint ?? '', /apxm\.capabilities\.mjs/);
  });

  it("wraps a failing handler in E_CAPABILITY_FAILED carrying the tool's message and cause", async () => {
    const sys = new CapabilitySystem();
    const boom = new Error('service unavailable (503)');
    sys.register(
      'flaky',
      rec(() => {
        throw boom;
      }),
    );
    sys.register(
      'rejects',
      rec(async () => Promise.reject('plain string reason')),
    );
    const err = await rejectsWith(() => sys.invoke('flaky', {}), 'E_CAPABILITY_FAILED');
    assert.equal(err.message, 'capability "flaky" failed: service unavailable (503)');
    assert.equal(err.cause, boom);
    assert.match((await rejectsWith(() => sys.invoke('rejects', {}), 'E_CAPABILITY_FAILED')).message, /plain string reason/);
  });

  it('lets an ApxmError thrown by a handler through unchanged', async () => {
    const sys = new CapabilitySystem();
    const own = new ApxmError('E_USER_ERROR', 'the tool refuses');
    sys.register(
      'strict',
      rec(() => {
        throw own;
      }),
    );
    const err = await rejectsWith(() => sys.invoke('strict', {}), 'E_USER_ERROR');
    assert.equal(err, own);
  });

  it('times out a handler that never finishes and aborts its signal', async () => {
    const sys = new CapabilitySystem();
    let signal: AbortSignal | undefined;
    sys.register(
      'hang',
      rec((_p, ctx) => {
        signal = ctx.signal;
        return new Promise(() => undefined);
      }),
    );
    const err = await rejectsWith(() => sys.invoke('hang', {}, { timeoutMs: 50 }), 'E_TIMEOUT');
    assert.match(err.message, /"hang" did not finish within 50 ms/);
    assert.ok(signal, 'the handler ran');
    assert.equal(signal.aborted, true);
  });

  it("uses the capability's own timeout when the call gives none", async () => {
    const sys = new CapabilitySystem();
    let signal: AbortSignal | undefined;
    sys.register(
      'hang',
      rec(
        (_p, ctx) => {
          signal = ctx.signal;
          return new Promise(() => undefined);
        },
        { timeoutMs: 40 },
      ),
    );
    const err = await rejectsWith(() => sys.invoke('hang', {}), 'E_TIMEOUT');
    assert.match(err.message, /within 40 ms/);
    assert.equal(signal?.aborted, true);
  });

  it("cancels a running call when the outer signal aborts, and aborts the handler's signal", async () => {
    const sys = new CapabilitySystem();
    let signal: AbortSignal | undefined;
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    sys.register(
      'hang',
      rec((_p, ctx) => {
        signal = ctx.signal;
        started();
        return new Promise(() => undefined);
      }),
    );
    const outer = new AbortController();
    const call = rejectsWith(() => sys.invoke('hang', {}, { signal: outer.signal, timeoutMs: 60_000 }), 'E_CANCELLED');
    await running;
    assert.equal(signal?.aborted, false);
    outer.abort();
    const err = await call;
    assert.match(err.message, /"hang" was cancelled/);
    assert.equal(signal?.aborted, true);
  });

  it('does not start a call whose signal is already aborted', async () => {
    const sys = new CapabilitySystem();
    let calls = 0;
    sys.register(
      't',
      rec(() => ++calls),
    );
    const err = await rejectsWith(() => sys.invoke('t', {}, { signal: AbortSignal.abort() }), 'E_CANCELLED');
    assert.match(err.message, /before it started/);
    assert.equal(calls, 0);
  });

  it('returns JSON results as JSON (toJSON applied, undefined dropped as JSON drops it)', async () => {
    const sys = new CapabilitySystem();
    sys.register(
      'rich',
      rec(() => ({
        when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
        gone: undefined,
        nested: { list: [1, undefined, new Date(0)] },
        nothing: null,
      })),
    );
    sys.register(
      'undef',
      rec(() => undefined),
    );
    assert.deepEqual(await sys.invoke('rich', {}), {
      when: '2024-01-02T03:04:05.000Z',
      nested: { list: [1, null, '1970-01-01T00:00:00.000Z'] },
      nothing: null,
    });
    assert.equal(await sys.invoke('undef', {}), null);
  });

  it('fails a result that is not JSON, naming what and its JSON path, never rounding or flattening it', async () => {
    const sys = new CapabilitySystem();
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    const cases: [unknown, string][] = [
      [{ total: 2n ** 64n }, 'a BigInt (18446744073709551616n) at $.total'],
      [circular, 'a circular reference (back to $) at $.self'],
      [{ list: [1, Infinity] }, 'a non-finite number (Infinity) at $.list[1]'],
      [{ tags: new Set(['a']) }, 'a Set object (only plain objects and arrays are JSON) at $.tags'],
      [{ f: () => 1 }, 'a function at $.f'],
      [
        {
          x: {
            toJSON() {
              throw new Error('no');
            },
          },
        },
        'reading it (or its toJSON) threw Error: no at $.x',
      ],
    ];
    for (const [value, what] of cases) {
      const name = `t${cases.findIndex((c) => c[0] === value)}`;
      sys.register(
        name,
        rec(() => value),
      );
      const err = await rejectsWith(() => sys.invoke(name, {}), 'E_CAPABILITY_FAILED');
      assert.equal(err.message, `capability "${name}" returned a value that is not JSON: ${what}`);
    }
  });

  it('refuses a timeout a timer cannot wait for', async () => {
    const sys = new CapabilitySystem();
    assert.match(
      (
        await rejectsWith(
          () =>
            sys.register(
              't',
              rec(() => 1, { timeoutMs: 1e10 }),
            ),
          'E_CAPABILITY_INVALID',
        )
      ).message,
      /invalid timeout 10000000000/,
    );
    sys.register(
      'ok',
      rec(() => 1),
    );
    assert.match(
      (await rejectsWith(() => sys.invoke('ok', {}, { timeoutMs: 2 ** 31 }), 'E_CAPABILITY_ARGS')).message,
      /from 1 to 2147483647/,
    );
  });
});
