/**
 * The capability explorer's requests and event (protocol/capabilityProtocol.ts) through
 * DebugClient over real stdio: the catalogue with its origins and this session's stats, the
 * coalesced stats event while subscribed (and none without a subscription), and invocations with
 * their parameters checked against the schema before the call.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { errorOf, launch, withClient } from '../test/support/debugClient.js';
import type { ApxmEvents, ApxmRequests } from './customProtocol.js';
import { DapErrorId } from './dapErrors.js';
import { CapabilityRequests } from './capabilityRequests.js';
import { makeRuntime } from '../test/support/harness.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXAMPLES = path.resolve(HERE, '../../examples');
const RELEASE = path.join(EXAMPLES, 'release_checker.ais');

type Body<K extends keyof ApxmRequests> = ApxmRequests[K]['body'];

/** Launches stopped on entry: the runtime is open, the run has not called anything yet. */
const launchStopped = (dc: DebugClient) =>
  launch(dc, { program: RELEASE, args: { version: '2.1' }, stopOnEntry: true }, { until: 'stopped', timeoutMs: 30_000 });

const catalog = async (dc: DebugClient, args: ApxmRequests['apxm/capabilities']['arguments'] = {}) =>
  (await dc.customRequest('apxm/capabilities', args)).body as Body<'apxm/capabilities'>;
const invoke = async (dc: DebugClient, name: string, params: Record<string, unknown>) =>
  (await dc.customRequest('apxm/invokeCapability', { name, params })).body as Body<'apxm/invokeCapability'>;

describe('apxm/capabilities', () => {
  it('before a launch: refused, quietly', { timeout: 30_000 }, (t) =>
    withClient(t, async (dc) => {
      await dc.initializeRequest({ adapterID: 'apxm', pathFormat: 'path' });
      const e = await errorOf(dc, 'apxm/capabilities', {});
      assert.equal(e.id, DapErrorId.notAvailable);
      assert.match(e.message, /launch one/);
      assert.equal(e.showUser, false);
    }),
  );

  it(
    'lists the workspace module’s tools; subscribed, the run’s calls arrive as coalesced stats and in the catalogue',
    { timeout: 60_000 },
    (t) =>
      withClient(t, async (dc) => {
        const events: ApxmEvents['apxm/capabilityStats'][] = [];
        dc.on('apxm/capabilityStats', (e: DebugProtocol.Event) => events.push(e.body as ApxmEvents['apxm/capabilityStats']));
        await launchStopped(dc);
        const before = await catalog(dc, { subscribe: true });
        assert.deepEqual(
          before.capabilities.map((c) => [c.name, c.origin, c.file, c.stats]),
          ['changelog', 'ci_status', 'fetch_source'].map((n) => [n, 'workspace', path.join(EXAMPLES, 'apxm.capabilities.mjs'), undefined]),
        );
        assert.deepEqual(before.capabilities[0].schema.required, ['version']);
        const ended = dc.waitForEvent('terminated', 30_000);
        await dc.continueRequest({ threadId: 1 });
        await ended;
        const after = await catalog(dc);
        const stats = new Map(after.capabilities.map((c) => [c.name, c.stats]));
        assert.equal(stats.get('changelog')?.calls, 1);
        assert.equal(stats.get('ci_status')?.calls, 1);
        assert.equal(stats.get('changelog')?.errors, 0);
        assert.equal(typeof stats.get('changelog')?.lastLatencyMs, 'number');
        assert.equal(stats.get('fetch_source'), undefined);
        // the events carry the same totals; two calls and two results came in at most four events
        const deadline = Date.now() + 10_000;
        while (!events.some((e) => e.stats.ci_status?.lastLatencyMs !== undefined) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        const last = (name: string) => events.filter((e) => e.stats[name]).at(-1)?.stats[name];
        assert.deepEqual(last('changelog'), stats.get('changelog'));
        assert.deepEqual(last('ci_status'), stats.get('ci_status'));
        assert.ok(events.length >= 1 && events.length <= 4, `events: ${events.length}`);
      }),
  );

  it('counts the calls a run makes as it starts (launched without stopping on entry)', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      await launch(dc, { program: RELEASE, args: { version: '2.1' } }, { until: 'terminated', timeoutMs: 30_000 });
      const stats = new Map((await catalog(dc)).capabilities.map((c) => [c.name, c.stats]));
      // the first INV starts within runtime.start(): its call event came before start() returned
      assert.equal(stats.get('changelog')?.calls, 1);
      assert.equal(stats.get('ci_status')?.calls, 1);
    }),
  );

  it('without a subscription no stats event is sent; unsubscribing stops them', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      let seen = 0;
      dc.on('apxm/capabilityStats', () => seen++);
      await launchStopped(dc);
      await catalog(dc, { subscribe: true });
      await catalog(dc, { subscribe: false });
      const ended = dc.waitForEvent('terminated', 30_000);
      await dc.continueRequest({ threadId: 1 });
      await ended;
      // a request answered after the run proves every event sent before it has arrived
      const after = await catalog(dc);
      assert.equal(after.capabilities.find((c) => c.name === 'changelog')?.stats?.calls, 1);
      assert.equal(seen, 0);
    }),
  );
});

describe('apxm/invokeCapability', () => {
  it('calls a tool in the session; bad parameters are refused before the call with their JSON path and fix', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      await launchStopped(dc);
      const ok = await invoke(dc, 'changelog', { version: '9.9' });
      assert.ok('result' in ok, JSON.stringify(ok));
      assert.equal((ok.result as { version: string }).version, '9.9');
      assert.equal(typeof ok.durationMs, 'number');

      const missing = await invoke(dc, 'changelog', {});
      assert.ok('error' in missing);
      assert.equal(missing.error.code, 'E_CAPABILITY_ARGS');
      assert.equal(missing.error.jsonPath, '$.params.version');
      assert.match(missing.error.hint ?? '', /add "version": a string/);
      assert.equal(missing.durationMs, 0);

      const wrongType = await invoke(dc, 'ci_status', { branch: 3 });
      assert.ok('error' in wrongType);
      assert.equal(wrongType.error.jsonPath, '$.params.branch');
      assert.match(wrongType.error.hint ?? '', /give a string/);

      const failed = await invoke(dc, 'fetch_source', { source: 'wiki' });
      assert.ok('error' in failed);
      assert.equal(failed.error.code, 'E_CAPABILITY_FAILED');
      assert.match(failed.error.message, /503/);

      const unknown = await invoke(dc, 'changelg', {});
      assert.ok('error' in unknown);
      assert.match(unknown.error.hint ?? '', /did you mean "changelog"/);

      // not an object: the request's own check, before the handler
      const shape = await errorOf(dc, 'apxm/invokeCapability', { name: 'changelog', params: [1] });
      assert.equal(shape.id, DapErrorId.badArguments);
      assert.match(shape.message, /arguments\.params must be an object, not an array/);

      // the session's stats count the calls that ran (as `invoked`: no run made them), not those refused
      const stats = new Map((await catalog(dc)).capabilities.map((c) => [c.name, c.stats]));
      assert.deepEqual({ ...stats.get('changelog'), lastLatencyMs: 0 }, { calls: 1, errors: 0, invoked: 1, lastLatencyMs: 0 });
      assert.equal(stats.get('ci_status'), undefined);
      assert.equal(stats.get('fetch_source')?.calls, 1);
      assert.equal(stats.get('fetch_source')?.errors, 1);
      assert.match(stats.get('fetch_source')?.lastError ?? '', /503/);
    }),
  );
});

describe('apxm/capabilityStats coalescing', () => {
  it('a burst of calls is one event with the totals; none once unsubscribed', { timeout: 20_000 }, async () => {
    const rt = await makeRuntime();
    const sent: ApxmEvents['apxm/capabilityStats'][] = [];
    const caps = new CapabilityRequests(
      (name, body) => sent.push(body as ApxmEvents['apxm/capabilityStats']),
      () => rt,
      () => undefined,
    );
    try {
      caps.runStarted(rt);
      assert.ok(!('error' in caps.catalog({ subscribe: true })));
      for (let i = 0; i < 100; i++) {
        rt.events.emit('capability:call', { runId: 'r', nodeExecId: `r:0:${i}`, name: 'tool', params: {} });
        rt.events.emit('capability:result', { runId: 'r', nodeExecId: `r:0:${i}`, name: 'tool', result: 1, durationMs: 2.4 });
      }
      const deadline = Date.now() + 5_000;
      while (!sent.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // a second burst after the first event waits for the interval: still one more event, not 200
      rt.events.emit('capability:call', { runId: 'r', nodeExecId: 'r:0:x', name: 'tool', params: {} });
      while (sent.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(sent.length, 2);
      assert.deepEqual(sent[0].stats, { tool: { calls: 100, errors: 0, lastLatencyMs: 2 } });
      assert.equal(sent[1].stats.tool.calls, 101);
      caps.catalog({ subscribe: false });
      rt.events.emit('capability:call', { runId: 'r', nodeExecId: 'r:0:y', name: 'tool', params: {} });
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(sent.length, 2);
    } finally {
      caps.dispose();
      await rt.dispose();
    }
  });
});
