/**
 * The token and cost limits through DebugClient over real stdio: offered as exception filters with a
 * condition, set with `filterOptions`, each stopping the run once with the total and the limit.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { launch, withClient } from '../test/support/debugClient.js';
import { startFakeOpenAi, type FakeOpenAi } from '../test/support/fakeOpenAiServer.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TRIP = path.resolve(HERE, '../../examples/trip_planner.ais');

/** Every call: 10 input and 5 output tokens; at $100 / $1000 per 1M, $0.006. */
const serve = () => startFakeOpenAi(() => ({ reply: 'ok', usage: { prompt_tokens: 10, completion_tokens: 5 } }));
const llmOf = (server: FakeOpenAi) => ({
  provider: 'openai',
  baseUrl: server.url,
  model: 'm',
  prices: { m: { input: 100, output: 1000 } },
});

/** Launches the trip planner (3 ASKs, then a THINK: 4 calls) with these filter options; the setExceptionBreakpoints answer. */
async function launchWith(dc: DebugClient, server: FakeOpenAi, filterOptions: DebugProtocol.ExceptionFilterOptions[]) {
  let set: DebugProtocol.SetExceptionBreakpointsResponse['body'] | undefined;
  const { capabilities } = await launch(
    dc,
    { program: TRIP, args: { city: 'Lisbon' }, llm: llmOf(server) },
    { setup: async () => (set = (await dc.setExceptionBreakpointsRequest({ filters: ['failed'], filterOptions })).body) },
  );
  return { capabilities, set };
}

/** Runs to the end, continuing at each stop; the stops seen. */
async function stopsUntilEnd(dc: DebugClient): Promise<DebugProtocol.StoppedEvent['body'][]> {
  const stops: DebugProtocol.StoppedEvent['body'][] = [];
  const ended = dc.waitForEvent('terminated', 30_000);
  const onStop = (e: DebugProtocol.Event) => {
    stops.push(e.body as DebugProtocol.StoppedEvent['body']);
    void dc.continueRequest({ threadId: (e.body as DebugProtocol.StoppedEvent['body']).threadId ?? 1 });
  };
  dc.on('stopped', onStop);
  try {
    await ended;
  } finally {
    dc.off('stopped', onStop);
  }
  return stops;
}

describe('run token and cost limits in the Breakpoints view', () => {
  it(
    'offers both as filters with a condition; the token limit stops once, naming the total and the limit',
    { timeout: 60_000 },
    async (t) => {
      const server = await serve();
      t.after(() => server.close());
      await withClient(t, async (dc) => {
        const first = dc.waitForEvent('stopped', 30_000);
        const { capabilities, set } = await launchWith(dc, server, [{ filterId: 'tokenLimit', condition: '20' }]);
        assert.equal(capabilities?.supportsExceptionFilterOptions, true);
        const offered = capabilities?.exceptionBreakpointFilters ?? [];
        for (const id of ['tokenLimit', 'costLimit']) {
          const f = offered.find((x) => x.filter === id);
          assert.equal(f?.supportsCondition, true, id);
          assert.ok(f?.conditionDescription, id);
        }
        assert.deepEqual(
          set?.breakpoints?.map((b) => b.verified),
          [true, true],
        );
        const stop = (await first).body as DebugProtocol.StoppedEvent['body'];
        // the second reply takes the run from 15 to 30 tokens, past 20
        assert.equal(stop.reason, 'exception');
        assert.equal(stop.description, 'the run has used 30 tokens, over its limit of 20');
        const info = await dc.exceptionInfoRequest({ threadId: stop.threadId ?? 1 });
        assert.equal(info.body.description, 'the run has used 30 tokens, over its limit of 20');
        assert.match(info.body.details?.stackTrace ?? '', /Edit Condition/);
        const rest = stopsUntilEnd(dc);
        await dc.continueRequest({ threadId: stop.threadId ?? 1 });
        assert.deepEqual(await rest, [], 'it stops once (the run reaches 60 tokens)');
      });
    },
  );

  it('the cost limit stops once the priced calls pass it', { timeout: 60_000 }, async (t) => {
    const server = await serve();
    t.after(() => server.close());
    await withClient(t, async (dc) => {
      const first = dc.waitForEvent('stopped', 30_000);
      await launchWith(dc, server, [{ filterId: 'costLimit', condition: '$0.01' }]);
      const stop = (await first).body as DebugProtocol.StoppedEvent['body'];
      assert.equal(stop.reason, 'exception');
      assert.equal(stop.description, 'the run has cost $0.0120, over its limit of $0.01');
      const rest = stopsUntilEnd(dc);
      await dc.continueRequest({ threadId: stop.threadId ?? 1 });
      assert.deepEqual(await rest, []);
    });
  });

  it(
    'a limit with no condition, or one that is not a number, is not verified and says how to write it; the run is not stopped',
    { timeout: 60_000 },
    async (t) => {
      const server = await serve();
      t.after(() => server.close());
      await withClient(t, async (dc) => {
        const { set } = await launchWith(dc, server, [
          { filterId: 'tokenLimit' },
          { filterId: 'costLimit', condition: 'a lot' },
          { filterId: 'caught', condition: 'x > 1' },
        ]);
        assert.deepEqual(
          set?.breakpoints?.map((b) => [b.verified, b.message]),
          [
            [true, undefined],
            [false, 'set the limit with Edit Condition: a number of tokens, e.g. 50000 or 50k'],
            [false, "'a lot' is not a limit: write a number of US dollars, e.g. 0.50"],
            [false, 'the filter caught takes no condition'],
          ],
        );
        assert.deepEqual(await stopsUntilEnd(dc), []);
      });
    },
  );
});
