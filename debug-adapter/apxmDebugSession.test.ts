/**
 * The adapter driven through the Debug Adapter Protocol, as VS Code drives it: `DebugClient`
 * (from @vscode/debugadapter-testsupport) starts `dapMain.js` over stdio (and once over TCP).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { openStorage } from '../runtime/memory/openStorage.js';
import { startFakeOpenAi } from '../test/support/fakeOpenAiServer.js';
import { spawnDapServer } from '../test/support/dapWire.js';
import { closeDebugClient, launch, openDebugClient, outputs, scopeVariables, topFrame, withClient } from '../test/support/debugClient.js';
import { logger } from '@vscode/debugadapter';
import { ApxmDebugSession } from './apxmDebugSession.js';
import { buildDagListing } from './dagListing.js';
import { loadProgramFile } from '../runtime/programFile.js';
import { startDapServer } from './dapServer.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ADAPTER = path.join(HERE, 'dapMain.js');
const CLI = path.join(HERE, 'apxmCli.js');
const EXAMPLES = path.resolve(HERE, '../../examples');
const example = (name: string) => path.join(EXAMPLES, name);

describe('debug adapter over DAP', () => {
  it('noDebug runs the program to the end with PRINT in the Debug Console', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const out = outputs(dc, 'stdout');
      await launch(dc, { program: example('trip_planner.ais'), args: { city: 'Lisbon' }, noDebug: true }, { until: 'terminated' });
      assert.ok(
        out.some((o) => o.startsWith('Plan: [simulated]')),
        out.join('|'),
      );
    }),
  );

  it('launches every example (AIS, JSON and the compiled artifact) and runs it to a clean exit', { timeout: 300_000 }, async (t) => {
    const args: Record<string, Record<string, string>> = {
      trip: { city: 'Lisbon' },
      support: { ticket: 'refund' },
      resilient: { topic: 'rust' },
      review: { topic: 'caches' },
      self: { goal: 'a haiku' },
      notes: { question: 'why' },
      release: { version: '1.0' },
      approval: { topic: 'the new office' },
    };
    const files = readdirSync(EXAMPLES).filter((f) => /\.(ais|json|apxmobj)$/.test(f));
    assert.equal(files.length, 16);
    for (const f of files) {
      await withClient(t, async (dc) => {
        const exited = dc.waitForEvent('exited');
        await launch(dc, { program: example(f), args: args[f.split(/[-_]/)[0]], stopOnEntry: true }, { until: 'stopped' });
        // approval_gate waits for a person: answered as the extension does, by the PAUSE's checkpoint id
        const answered = f.startsWith('approval')
          ? dc
              .waitForEvent('apxm/pauseWaiting')
              .then((e) =>
                dc.customRequest('apxm/answerPause', { checkpointId: (e.body as { checkpointId: string }).checkpointId, text: 'ok' }),
              )
          : undefined;
        await Promise.all([dc.continueRequest({ threadId: 1 }), answered, dc.waitForEvent('terminated')]);
        assert.equal(((await exited) as DebugProtocol.ExitedEvent).body.exitCode, 0, f);
      });
    }
  });

  it('the token-budget filter stops on the op over budget; an uncaught failure ends the run after it', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-dap-budget-'));
      try {
        const file = path.join(dir, 'budget.ais');
        writeFileSync(
          file,
          'agent B { @entry flow main() -> str {\n  ask("first question") -> a\n  ask("second: " + a, token_budget: 1) -> b\n  return b } }\n',
        );
        const exited = dc.waitForEvent('exited');
        await dc.launch({ program: file });
        await dc.setExceptionBreakpointsRequest({ filters: ['budget'] });
        await Promise.all([dc.configurationDoneRequest(), dc.assertStoppedLocation('exception', {})]);
        assert.equal((await dc.exceptionInfoRequest({ threadId: 1 })).body.exceptionId, 'E_BUDGET_EXCEEDED');
        await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
        assert.equal(((await exited) as DebugProtocol.ExitedEvent).body.exitCode, 1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
  );

  it('a program with errors fails the launch with the first error, and lists every error with its place', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-dap-bad-'));
      try {
        const file = path.join(dir, 'bad.ais');
        writeFileSync(
          file,
          'agent A {\n  @entry flow main() -> str {\n    ask("x" + nope) -> a\n    umem(a, "forever")\n    return a\n  }\n}\n',
        );
        const errs = outputs(dc, 'stderr');
        await assert.rejects(dc.launch({ program: file }), /AIS_UNDEFINED_VARIABLE/);
        assert.ok(
          errs.some((o) => o.includes('bad.ais:3:15: error[AIS_UNDEFINED_VARIABLE]')),
          errs.join('|'),
        );
        assert.ok(
          errs.some((o) => o.includes('bad.ais:4:13: error[AIS_INVALID_TIER]')),
          errs.join('|'),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
  );

  it('a line breakpoint stops before the op on that line, with its inputs in the Operation scope', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const file = example('trip_planner.ais');
      await dc.hitBreakpoint({ program: file, args: { city: 'Lisbon' } }, { path: file, line: 10 });
      const frame = await topFrame(dc);
      assert.match(frame.name, /^THINK plan/);
      assert.equal(frame.line, 10);
      const op = await scopeVariables(dc, frame.id, 'Operation');
      assert.equal(op.find((v) => v.name === 'op')?.value, '"THINK"');
      const inputs = op.find((v) => v.name === 'inputs');
      assert.ok(inputs && inputs.variablesReference > 0);
      const merged = (await dc.variablesRequest({ variablesReference: inputs.variablesReference })).body.variables;
      assert.equal(merged.length, 1);
      assert.equal(merged[0].value, '[3 items]', 'the merge of the three asks');
      const outs = await scopeVariables(dc, frame.id, 'Node outputs');
      assert.deepEqual(outs.map((v) => v.name.replace(/ \(#\d+\)$/, '')).sort(), ['food', 'notes', 'stay', 'transport']);
      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
    }),
  );

  it('a breakpoint on a line without an op is unverified and says why', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const file = example('trip_planner.ais');
      await dc.launch({ program: file, args: { city: 'x' }, stopOnEntry: true });
      const r = await dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: 1 }, { line: 6 }] });
      assert.equal(r.body.breakpoints[0].verified, false);
      assert.match(r.body.breakpoints[0].message ?? '', /no operation on line 1/);
      assert.equal(r.body.breakpoints[1].verified, true);
      const locs = await dc.customRequest('breakpointLocations', { source: { path: file }, line: 1, endLine: 20 });
      assert.deepEqual([...new Set((locs.body.breakpoints as { line: number }[]).map((b) => b.line))], [6, 7, 8, 9, 10, 11, 12]);
    }),
  );

  it('stopOnEntry, then next runs exactly one op per step', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      await Promise.all([
        dc.configurationSequence(),
        dc.launch({ program: example('trip_planner.ais'), args: { city: 'Oslo' }, stopOnEntry: true }),
        dc.assertStoppedLocation('entry', {}),
      ]);
      for (let k = 1; k <= 3; k++) {
        await Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
        const frame = await topFrame(dc);
        const outs = await scopeVariables(dc, frame.id, 'Node outputs');
        assert.equal(outs.length, k, `after ${k} steps, ${k} ops have run`);
      }
      await dc.terminateRequest();
    }),
  );

  it('function breakpoints by capability with a condition on the inputs; log points print without stopping', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const file = example('resilient_digest.ais');
      const out = outputs(dc, 'console');
      await dc.launch({ program: file, args: { topic: 'rust' } });
      await dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: 17, logMessage: 'skipping {inputs[0]}' }] });
      const fb = await dc.setFunctionBreakpointsRequest({
        breakpoints: [
          { name: 'inv:fetch_source', condition: 'inputs[0] == "forum"' },
          { name: 'nope' },
          { name: 'INV', condition: 'inputs[0] == "never"' },
        ],
      });
      assert.equal(fb.body.breakpoints[0].verified, true);
      assert.equal(fb.body.breakpoints[1].verified, false);
      const [, stopped] = await Promise.all([
        dc.configurationDoneRequest(),
        dc.waitForEvent('stopped'),
        dc.assertStoppedLocation('breakpoint', { line: 14 }),
      ]);
      // only the breakpoint whose condition held is reported as hit, not the INV one on the same op
      assert.deepEqual((stopped as DebugProtocol.StoppedEvent).body.hitBreakpointIds, [fb.body.breakpoints[0].id]);
      const frame = await topFrame(dc);
      const op = await scopeVariables(dc, frame.id, 'Operation');
      const inputs = op.find((v) => v.name === 'inputs') as DebugProtocol.Variable;
      assert.deepEqual(
        (await dc.variablesRequest({ variablesReference: inputs.variablesReference })).body.variables.map((v) => v.value),
        ['"forum"'],
      );
      const ev = await dc.evaluateRequest({ expression: 'inputs[0] + "!"', frameId: frame.id, context: 'repl' });
      assert.equal(ev.body.result, '"forum!"');
      assert.ok(out.includes('skipping wiki\n'), out.join('|'));
      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
    }),
  );

  it('expressions know only their own names: constructor, __proto__, toString and the like are not defined', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const file = example('trip_planner.ais');
      const errs = outputs(dc, 'stderr');
      const logs = outputs(dc, 'console');
      await dc.launch({ program: file, args: { city: 'Riga' } });
      // a condition on an inherited name fails and says so (it held before: __proto__ was Object.prototype)
      await dc.setBreakpointsRequest({
        source: { path: file },
        breakpoints: [
          { line: 6, logMessage: 'at {toString} {__proto__}' },
          { line: 10, condition: '__proto__ != null' },
        ],
      });
      await Promise.all([dc.configurationDoneRequest(), dc.assertStoppedLocation('breakpoint', { line: 10 })]);
      assert.ok(
        errs.some((o) => o.includes("breakpoint condition '__proto__ != null' failed: '__proto__' is not defined here")),
        errs.join('|'),
      );
      assert.ok(
        logs.some((o) => o.includes("at <'toString' is not defined here> <'__proto__' is not defined here>")),
        logs.join('|'),
      );
      const frame = await topFrame(dc);
      for (const expression of [
        'constructor',
        '__proto__',
        'toString',
        'hasOwnProperty',
        'valueOf',
        'isPrototypeOf',
        '__defineGetter__',
        'constructor.constructor',
        '__proto__.constructor',
      ]) {
        for (const context of ['repl', 'hover', 'watch']) {
          const root = expression.split('.')[0];
          await assert.rejects(
            dc.evaluateRequest({ expression, frameId: frame.id, context }),
            new RegExp(`'${root}' is not defined here`),
            `${expression} (${context})`,
          );
        }
      }
      for (const expression of ['toString()', 'hasOwnProperty("x")', 'constructor("x")', 'valueOf()']) {
        await assert.rejects(dc.evaluateRequest({ expression, frameId: frame.id, context: 'repl' }), /unknown function/, expression);
      }
      // the language's own names still resolve
      assert.equal((await dc.evaluateRequest({ expression: 'node.op', frameId: frame.id, context: 'hover' })).body.result, '"THINK"');
      await dc.terminateRequest();
    }),
  );

  it('the Debug Console invokes a capability ad hoc; hovers may not', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const file = example('resilient_digest.ais');
      await dc.hitBreakpoint({ program: file, args: { topic: 'rust' } }, { path: file, line: 14 });
      const frame = await topFrame(dc);
      const ok = await dc.evaluateRequest({ expression: 'invoke("fetch_source", { source: "news" })', frameId: frame.id, context: 'repl' });
      assert.ok(ok.body.result.length > 0);
      await assert.rejects(
        dc.evaluateRequest({ expression: 'invoke("fetch_source", { source: "wiki" })', frameId: frame.id, context: 'repl' }),
        /wiki is unreachable/,
      );
      await assert.rejects(
        dc.evaluateRequest({ expression: 'invoke("fetch_source", { source: "news" })', frameId: frame.id, context: 'hover' }),
        /Debug Console/,
      );
      await dc.terminateRequest();
    }),
  );

  it('hit counts: an op-type breakpoint stops on the second ASK only', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      await dc.launch({ program: example('support_router.ais'), args: { ticket: 'refund please' } });
      await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'ASK', hitCondition: '2' }] });
      await Promise.all([dc.configurationDoneRequest(), dc.waitForEvent('stopped')]);
      const frame = await topFrame(dc);
      assert.match(frame.name, /^ASK /);
      assert.notEqual(frame.line, 6, 'not the first ask');
      await dc.terminateRequest();
    }),
  );

  it('stepIn on a flow call enters the callee flow as its own thread', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const file = example('review_board.ais');
      await dc.hitBreakpoint({ program: file, args: { topic: 'caching' }, maxParallelism: 1 }, { path: file, line: 25 });
      const threadsBefore = (await dc.threadsRequest()).body.threads.length;
      await Promise.all([dc.stepInRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      const threads = (await dc.threadsRequest()).body.threads;
      assert.ok(threads.length > threadsBefore, 'the callee is a thread');
      const callee = threads.find((t) => t.name.startsWith('Author.draft')) as DebugProtocol.Thread;
      assert.ok(callee, threads.map((t) => t.name).join(', '));
      const st = await dc.stackTraceRequest({ threadId: callee.id });
      assert.match(st.body.stackFrames[0].name, /^THINK text — Author\.draft/);
      assert.equal(st.body.stackFrames[0].line, 6);
      assert.match(st.body.stackFrames[1].name, /^FLOW_CALL proposal — Chair\.main/);
      assert.equal(st.body.stackFrames[1].line, 25);
      await dc.terminateRequest();
    }),
  );

  it('next over a flow call runs the whole call and stops after it', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const file = example('review_board.ais');
      await dc.hitBreakpoint({ program: file, args: { topic: 'caching' }, maxParallelism: 1 }, { path: file, line: 25 });
      await Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      const outs = await scopeVariables(dc, (await topFrame(dc)).id, 'Node outputs');
      assert.ok(
        outs.some((v) => v.name.startsWith('proposal ') && /^"\[simulated\]/.test(v.value)),
        outs.map((v) => v.name).join(', '),
      );
      await dc.terminateRequest();
    }),
  );

  it('stepOut runs to the end of the callee flow and stops back in the caller', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const file = example('review_board.ais');
      await dc.hitBreakpoint({ program: file, args: { topic: 'caching' }, maxParallelism: 1 }, { path: file, line: 6 });
      const callee = (await dc.threadsRequest()).body.threads.find((t) => t.name.startsWith('Author.draft')) as DebugProtocol.Thread;
      assert.ok(callee);
      await Promise.all([dc.stepOutRequest({ threadId: callee.id }), dc.assertStoppedLocation('step', {})]);
      const threads = (await dc.threadsRequest()).body.threads;
      assert.ok(!threads.some((t) => t.name.startsWith('Author.draft')), 'the callee has returned');
      const outs = await scopeVariables(dc, (await topFrame(dc, threads[0].id)).id, 'Node outputs');
      assert.ok(
        outs.some((v) => v.name.startsWith('proposal ')),
        'the call finished',
      );
      await dc.terminateRequest();
    }),
  );

  it(
    'pause holds the scheduler while an LLM call is in flight; a 429 stops on the rate-limit filter; the key is never shown',
    { timeout: 60_000 },
    async (t) => {
      const server = await startFakeOpenAi();
      t.after(() => server.close());
      server.script({ delayMs: 400, reply: 'slow one' }, { status: 429, retryAfterMs: 10, message: 'slow down (key sk-DAP-SECRET-9)' });
      try {
        await withClient(t, async (dc) => {
          const all: string[] = [];
          dc.on('output', (e: DebugProtocol.OutputEvent) => all.push(JSON.stringify(e.body)));
          await dc.launch({
            program: example('trip_planner.ais'),
            args: { city: 'Nice' },
            maxParallelism: 1,
            llm: { provider: 'openai', baseUrl: server.url, apiKey: 'sk-DAP-SECRET-9' },
          });
          await dc.setExceptionBreakpointsRequest({ filters: ['rateLimited'] });
          await dc.configurationDoneRequest();
          await server.waitForRequests(1);
          await Promise.all([dc.pauseRequest({ threadId: 1 }), dc.assertStoppedLocation('pause', {})]);
          await Promise.all([dc.continueRequest({ threadId: 1 }), dc.assertStoppedLocation('exception', {})]);
          const info = await dc.exceptionInfoRequest({ threadId: 1 });
          assert.equal(info.body.exceptionId, 'E_LLM_RATE_LIMITED');
          await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
          assert.ok(all.length > 0);
          assert.ok(!all.some((o) => o.includes('SECRET')), 'the API key never reaches the client');
        });
      } finally {
        await server.close();
      }
    },
  );

  it('a caught tool failure stops with the exception filter on, with exceptionInfo', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      await dc.launch({ program: example('resilient_digest.ais'), args: { topic: 'rust' } });
      await dc.setExceptionBreakpointsRequest({ filters: ['caught'] });
      await Promise.all([dc.configurationDoneRequest(), dc.assertStoppedLocation('exception', {})]);
      const info = await dc.exceptionInfoRequest({ threadId: 1 });
      assert.equal(info.body.exceptionId, 'E_CAPABILITY_FAILED');
      assert.match(info.body.description ?? '', /wiki is unreachable/);
      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
    }),
  );

  it('a .json program gets a generated DAG listing: breakpoints on its lines, frames pointing into it', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      await launch(dc, { program: example('trip-planner.json'), args: { city: 'Rome' }, stopOnEntry: true }, { until: 'stopped' });
      const sources = ((await dc.customRequest('loadedSources', {})) as DebugProtocol.LoadedSourcesResponse).body.sources;
      assert.equal(sources.length, 1);
      const ref = sources[0].sourceReference as number;
      assert.ok(ref > 0);
      const text = (await dc.sourceRequest({ source: sources[0], sourceReference: ref })).body.content;
      const lines = text.split('\n');
      const planLine = lines.findIndex((l) => /#\d+\s+THINK/.test(l)) + 1;
      assert.ok(planLine > 0, text);
      const bp = await dc.setBreakpointsRequest({ source: sources[0], breakpoints: [{ line: planLine }] });
      assert.equal(bp.body.breakpoints[0].verified, true);
      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      const frame = await topFrame(dc);
      assert.match(frame.name, /^THINK /);
      assert.equal(frame.source?.sourceReference, ref);
      assert.equal(frame.line, planLine);
      await dc.terminateRequest();
    }),
  );

  it(
    'with a listingUri, the listing is that document: breakpoints set in it before configurationDone stop there, frames point into it',
    { timeout: 60_000 },
    (t) =>
      withClient(t, async (dc) => {
        const program = example('trip-planner.json');
        // the text the extension's apxm-dag: document shows: the same function on the same file
        const text = buildDagListing(await loadProgramFile(program)).text;
        const planLine = text.split('\n').findIndex((l) => /#\d+\s+THINK/.test(l)) + 1;
        assert.ok(planLine > 0, text);
        // as vscode.Uri.toString() writes it; VS Code may send it back decoded
        const listingUri = `apxm-dag:${encodeURI(program).replace(/\(/g, '%28')}%20%28DAG%29`;
        const decoded = `apxm-dag:${program} (DAG)`;
        const launched = dc.launch({ program, args: { city: 'Rome' }, listingUri } as DebugProtocol.LaunchRequestArguments);
        await dc.waitForEvent('initialized');
        const bp = await dc.setBreakpointsRequest({
          source: { name: 'trip-planner.json (DAG)', path: decoded },
          breakpoints: [{ line: planLine }],
        });
        assert.deepEqual(
          { verified: bp.body.breakpoints[0].verified, line: bp.body.breakpoints[0].line },
          { verified: true, line: planLine },
        );
        const other = await dc.setBreakpointsRequest({
          source: { name: 'review-board.json (DAG)', path: `apxm-dag:${example('review-board.json')} (DAG)` },
          breakpoints: [{ line: 3 }],
        });
        assert.equal(other.body.breakpoints[0].verified, false);
        assert.match(
          other.body.breakpoints[0].message ?? '',
          /review-board\.json \(DAG\) is not part of this program \(trip-planner\.json \(DAG\) is\)/,
        );
        await Promise.all([dc.configurationDoneRequest(), launched, dc.waitForEvent('stopped')]);
        const frame = await topFrame(dc);
        assert.match(frame.name, /^THINK /);
        assert.equal(frame.source?.path, listingUri);
        assert.ok(!frame.source?.sourceReference, 'no sourceReference: VS Code opens the URI itself');
        assert.equal(frame.line, planLine);
        const sources = ((await dc.customRequest('loadedSources', {})) as DebugProtocol.LoadedSourcesResponse).body.sources;
        assert.deepEqual(
          sources.map((s) => [s.name, s.path]),
          [['trip-planner.json (DAG)', listingUri]],
        );
        assert.equal((await dc.sourceRequest({ source: { path: listingUri }, sourceReference: 0 })).body.content, text);
        await dc.terminateRequest();
      }),
  );

  it('a listingUri that is not a URI is refused naming the property', { timeout: 30_000 }, (t) =>
    withClient(t, async (dc) => {
      for (const listingUri of [42, '/home/a/trip-planner.json (DAG)', 'C:\\trip.json']) {
        await assert.rejects(
          dc.launch({ program: example('trip-planner.json'), listingUri } as DebugProtocol.LaunchRequestArguments),
          /"listingUri" must be a URI/,
        );
      }
    }),
  );

  describe('changing state and watching memory', () => {
    let dir: string;
    let file: string;
    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-dap-mem-'));
      file = path.join(dir, 'memo.ais');
      writeFileSync(
        file,
        [
          'agent T { @entry flow main(x: str) -> str {',
          '  umem(x, "stm")',
          '  qmem("x", "stm") -> got',
          '  print("got " + got)',
          '  return "ok" } }',
        ].join('\n'),
      );
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('a data breakpoint on an STM key stops at the op that writes it', { timeout: 60_000 }, (t) =>
      withClient(t, async (dc) => {
        await launch(dc, { program: file, args: { x: 'hello' }, stopOnEntry: true }, { until: 'stopped' });
        const frame = await topFrame(dc);
        const stm = (await dc.scopesRequest({ frameId: frame.id })).body.scopes.find((x) => x.name === 'STM') as DebugProtocol.Scope;
        const info = await dc.dataBreakpointInfoRequest({ variablesReference: stm.variablesReference, name: 'x' });
        assert.equal(info.body.dataId, 'stm:x');
        const set = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: 'stm:x', accessType: 'write' }] });
        assert.equal(set.body.breakpoints[0].verified, true);
        await Promise.all([dc.continueRequest({ threadId: 1 }), dc.assertStoppedLocation('data breakpoint', { line: 2 })]);
        await dc.terminateRequest();
      }),
    );

    it('setVariable on STM changes what the next op reads; completions offer the STM keys', { timeout: 60_000 }, (t) =>
      withClient(t, async (dc) => {
        const out = outputs(dc, 'stdout');
        await dc.hitBreakpoint({ program: file, args: { x: 'hello' } }, { path: file, line: 3 });
        const frame = await topFrame(dc);
        const stm = (await dc.scopesRequest({ frameId: frame.id })).body.scopes.find((x) => x.name === 'STM') as DebugProtocol.Scope;
        const r = await dc.setVariableRequest({ variablesReference: stm.variablesReference, name: 'x', value: '"changed"' });
        assert.equal(r.body.value, '"changed"');
        assert.equal((await dc.evaluateRequest({ expression: 'stm.x', frameId: frame.id, context: 'repl' })).body.result, '"changed"');
        const c = await dc.completionsRequest({ text: 'stm.', column: 5, frameId: frame.id });
        assert.deepEqual(
          c.body.targets.map((t) => t.label),
          ['x'],
        );
        await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
        assert.ok(
          out.some((o) => o.includes('"value":"changed"')),
          out.join('|'),
        );
      }),
    );
  });

  it('setVariable on the inputs of a waiting op changes what it runs with', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const file = example('trip_planner.ais');
      const out = outputs(dc, 'stdout');
      await dc.hitBreakpoint({ program: file, args: { city: 'Lisbon' } }, { path: file, line: 10 });
      const frame = await topFrame(dc);
      const op = await scopeVariables(dc, frame.id, 'Operation');
      const inputs = op.find((v) => v.name === 'inputs') as DebugProtocol.Variable;
      await dc.setVariableRequest({ variablesReference: inputs.variablesReference, name: '[0]', value: 'only museums' });
      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
      assert.ok(
        out.some((o) => o.includes('using: only museums')),
        out.join('|'),
      );
    }),
  );

  it('stepInTargets lists the ready ops; stepping into one runs that one', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      await launch(dc, { program: example('trip_planner.ais'), args: { city: 'Oslo' }, stopOnEntry: true }, { until: 'stopped' });
      const frame = await topFrame(dc);
      const t = await dc.stepInTargetsRequest({ frameId: frame.id });
      assert.deepEqual(t.body.targets.map((x) => x.label.split(' ')[1]).sort(), ['food', 'stay', 'transport']);
      const transport = t.body.targets.find((x) => x.label.startsWith('ASK transport')) as DebugProtocol.StepInTarget;
      await Promise.all([dc.stepInRequest({ threadId: 1, targetId: transport.id }), dc.waitForEvent('stopped')]);
      const outs = await scopeVariables(dc, (await topFrame(dc)).id, 'Node outputs');
      assert.deepEqual(
        outs.map((v) => v.name.replace(/ \(#\d+\)$/, '')),
        ['transport'],
      );
      await dc.terminateRequest();
    }),
  );

  it('restart runs the program again in the same session, breakpoints kept', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const file = example('trip_planner.ais');
      await dc.hitBreakpoint({ program: file, args: { city: 'Lisbon' } }, { path: file, line: 10 });
      await Promise.all([dc.customRequest('restart', {}), dc.assertStoppedLocation('breakpoint', { line: 10 })]);
      const outs = await scopeVariables(dc, (await topFrame(dc)).id, 'Node outputs');
      assert.equal(outs.length, 4, 'the second run got to the same place');
      await dc.terminateRequest();
    }),
  );

  it('a PAUSE waits for a human answer given in the Debug Console', { timeout: 60_000 }, (t) =>
    withClient(t, async (dc) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-dap-pause-'));
      try {
        const file = path.join(dir, 'approve.ais');
        writeFileSync(
          file,
          'agent H { @entry flow main(plan: str) -> str {\n  pause("Approve " + plan + "?") -> verdict\n  print("verdict: " + verdict)\n  return verdict } }\n',
        );
        const out = outputs(dc, 'stdout');
        const asked = new Promise<string>((resolve) =>
          dc.on('output', (e: DebugProtocol.OutputEvent) => {
            if (e.body.category === 'important') resolve(e.body.output);
          }),
        );
        await launch(dc, { program: file, args: { plan: 'the launch' } });
        assert.match(await asked, /Approve the launch\?/);
        // The run may end before the evaluate reply arrives: listen for the end first.
        const terminated = dc.waitForEvent('terminated');
        const r = await dc.evaluateRequest({ expression: 'answer("yes, go")', context: 'repl' });
        assert.match(r.body.result, /answered/);
        await terminated;
        assert.ok(out.includes('verdict: yes, go\n'), out.join('|'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
  );

  describe('with a database', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-dap-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('program, db and capabilities are relative to cwd', { timeout: 60_000 }, (t) =>
      withClient(t, async (dc) => {
        copyFileSync(example('apxm.capabilities.mjs'), path.join(dir, 'tools.mjs'));
        const program = path.relative(dir, example('resilient_digest.ais'));
        await launch(
          dc,
          { program, cwd: dir, db: 'relative.sqlite', capabilities: 'tools.mjs', args: { topic: 'rust' }, noDebug: true },
          { until: 'terminated' },
        );
        const store = await openStorage(path.join(dir, 'relative.sqlite'));
        try {
          assert.equal(store.runList(10)[0]?.status, 'succeeded');
        } finally {
          store.close();
        }
      }),
    );

    it('the LTM and Episodic scopes show what the SQLite file holds', { timeout: 60_000 }, (t) =>
      withClient(t, async (dc) => {
        const db = path.join(dir, 'notes.sqlite');
        const file = example('notes_memory.ais');
        const first = await openDebugClient(t, ADAPTER);
        try {
          await launch(first, { program: file, args: { question: 'capital of France' }, db, noDebug: true }, { until: 'terminated' });
        } finally {
          await closeDebugClient(first);
        }
        await dc.hitBreakpoint({ program: file, args: { question: 'capital of France' }, db }, { path: file, line: 15 });
        const frame = await topFrame(dc);
        const ltm = await scopeVariables(dc, frame.id, 'LTM');
        const store = await openStorage(db);
        try {
          const rows = store.ltmList(0, 100);
          assert.deepEqual(ltm.map((v) => v.name).sort(), rows.map((r) => r.key).sort());
          assert.ok(rows.some((r) => r.key === 'answer'));
        } finally {
          store.close();
        }
        const found = await dc.evaluateRequest({ expression: 'ltm.search("France", 3)', frameId: frame.id, context: 'repl' });
        assert.equal(found.body.result, '[1 item]', 'the Debug Console searches LTM');
        const epi = await scopeVariables(dc, frame.id, 'Episodic');
        assert.ok(epi.length > 0 && epi.every((v) => /^#\d+ /.test(v.name)), epi.map((v) => v.name).join(', '));
        assert.ok(
          epi.some((v) => /op_success node 1$/.test(v.name)),
          'the memory query that ran before the breakpoint is in the trace',
        );
        await dc.terminateRequest();
      }),
    );

    it('replay: a recorded run re-executes with the LLM server gone, breakpoints and all, same output', { timeout: 60_000 }, async (t) => {
      const db = path.join(dir, 'replay.sqlite');
      const file = example('trip_planner.ais');
      let n = 0;
      const server = await startFakeOpenAi((req) => ({
        reply: `live answer ${++n} to ${String(req.body.messages.at(-1)?.content).slice(0, 20)}`,
      }));
      t.after(() => server.close());
      let livePrint: string[] = [];
      try {
        await withClient(t, async (dc) => {
          livePrint = outputs(dc, 'stdout');
          await launch(
            dc,
            {
              program: file,
              args: { city: 'Porto' },
              db,
              noDebug: true,
              llm: { provider: 'openai', baseUrl: server.url, apiKey: 'k' },
            },
            { until: 'terminated' },
          );
        });
      } finally {
        await server.close();
      }
      assert.equal(n, 4);
      assert.match(livePrint.join(''), /^Plan: live answer 4/);
      const store = await openStorage(db);
      const runId = store.runList(1)[0].runId;
      store.close();
      await withClient(t, async (dc) => {
        const out = outputs(dc, 'stdout');
        const all = outputs(dc);
        await dc.hitBreakpoint({ program: file, db, replay: runId }, { path: file, line: 10 });
        const frame = await topFrame(dc);
        const op = await scopeVariables(dc, frame.id, 'Operation');
        assert.equal(op.find((v) => v.name === 'op')?.value, '"THINK"');
        await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
        assert.deepEqual(out, livePrint, 'the replay printed what the live run printed');
        // each LLM call says where its reply came from: the recording, not a simulated model
        const calls = all.filter((o) => o.startsWith('▸ '));
        assert.equal(calls.length, 4, all.join(''));
        for (const c of calls) assert.match(c, / \(replayed\)\n$/, c);
      });
    });

    it('step back and reverse continue in a replay re-execute to the earlier op, with the same values', { timeout: 60_000 }, async (t) => {
      const db = path.join(dir, 'stepback.sqlite');
      const file = example('trip_planner.ais');
      await withClient(t, async (dc) => {
        await launch(dc, { program: file, args: { city: 'Kyoto' }, db, noDebug: true }, { until: 'terminated' });
      });
      const store = await openStorage(db);
      const runId = store.runList(1)[0].runId;
      store.close();
      await withClient(t, async (dc) => {
        const outputsNow = async () =>
          (await scopeVariables(dc, (await topFrame(dc)).id, 'Node outputs')).map((v) => `${v.name}=${v.value}`);
        await launch(dc, { program: file, db, replay: runId, stopOnEntry: true }, { until: 'stopped' });
        await dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: 10 }] });
        for (let k = 0; k < 3; k++) await Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
        const three = await outputsNow();
        assert.equal(three.length, 3);
        await Promise.all([dc.stepBackRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
        const two = await outputsNow();
        assert.deepEqual(two, three.slice(0, 2), 'one op fewer, the others with their recorded values');
        await Promise.all([dc.continueRequest({ threadId: 1 }), dc.assertStoppedLocation('breakpoint', { line: 10 })]);
        const atBreakpoint = await outputsNow();
        await Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
        assert.equal((await outputsNow()).length, atBreakpoint.length + 1);
        await Promise.all([dc.reverseContinueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
        assert.deepEqual(await outputsNow(), atBreakpoint, 'back where the breakpoint stopped');
        await dc.terminateRequest();
      });
    });

    it('step back in a live session says it needs a replay', { timeout: 60_000 }, (t) =>
      withClient(t, async (dc) => {
        await launch(dc, { program: example('trip_planner.ais'), args: { city: 'x' }, stopOnEntry: true }, { until: 'stopped' });
        await assert.rejects(dc.stepBackRequest({ threadId: 1 }), /replay sessions/);
        await dc.terminateRequest();
      }),
    );

    it('terminate mid-run leaves a consistent database with the run recorded as cancelled', { timeout: 60_000 }, (t) =>
      withClient(t, async (dc) => {
        const db = path.join(dir, 'trip.sqlite');
        await launch(dc, { program: example('trip_planner.ais'), args: { city: 'Rome' }, db, stopOnEntry: true }, { until: 'stopped' });
        await Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
        await Promise.all([dc.terminateRequest(), dc.waitForEvent('terminated')]);
        await dc.disconnectRequest({});
        const store = await openStorage(db);
        try {
          const runs = store.runList(10);
          assert.equal(runs.length, 1);
          assert.equal(runs[0].status, 'cancelled');
          assert.ok(store.episodicCount(runs[0].runId) > 0);
        } finally {
          store.close();
        }
      }),
    );
  });

  it(
    'runs inline in its host process (as in the extension host), one session per connection, logging nothing away',
    { timeout: 60_000 },
    async (t) => {
      const queued = () => (logger as unknown as { _pendingLogQ?: unknown[] | null })._pendingLogQ?.length ?? 0;
      const before = queued();
      const server = await startDapServer(() => new ApxmDebugSession(), { port: 0 });
      t.after(() => server.close());
      const file = example('trip_planner.ais');
      for (const city of ['Bern', 'Graz']) {
        const dc = await openDebugClient(t, ADAPTER, server.port);
        try {
          const out = outputs(dc, 'stdout');
          await dc.hitBreakpoint({ program: file, args: { city } }, { path: file, line: 11 });
          await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
          assert.ok(out.some((o) => o.startsWith('Plan: [simulated]')));
        } finally {
          await closeDebugClient(dc);
        }
      }
      // the library's LoggingDebugSession queued every message in a global array that nothing drained
      assert.equal(queued(), before, 'messages were queued in the library logger');
    },
  );

  it('apxm dap --server=PORT serves DAP over TCP', { timeout: 60_000 }, async (t) => {
    const server = await spawnDapServer(CLI);
    t.after(() => server.stop());
    const dc = await openDebugClient(t, ADAPTER, server.port);
    const out = outputs(dc, 'stdout');
    await launch(dc, { program: example('trip_planner.ais'), args: { city: 'Lima' }, noDebug: true }, { until: 'terminated' });
    assert.ok(out.some((o) => o.startsWith('Plan: ')));
    await closeDebugClient(dc);
    assert.doesNotMatch(server.stderr(), /internal error/);
  });
});

describe('the LLM timeout in a debug session', () => {
  it('comes from apxm.config.json next to the program, and llm.timeoutMs in the launch overrides it', { timeout: 60_000 }, async (t) => {
    const server = await startFakeOpenAi(() => ({ hang: true }));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-dap-timeout-'));
    t.after(async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    copyFileSync(example('trip_planner.ais'), path.join(dir, 'trip_planner.ais'));
    writeFileSync(path.join(dir, 'apxm.config.json'), JSON.stringify({ llm: { timeoutMs: 100 } }));
    const program = path.join(dir, 'trip_planner.ais');
    let description = '';
    // the file's 100 ms, then the launch's own 150 ms, are the ones the error names
    await withClient(t, async (dc) => {
      await dc.launch({ program, args: { city: 'Oslo' }, llm: { provider: 'openai', baseUrl: server.url } });
      await Promise.all([dc.configurationDoneRequest(), dc.assertStoppedLocation('exception', {})]);
      description = (await dc.exceptionInfoRequest({ threadId: 1 })).body.description ?? '';
    });
    assert.match(description, /within 100 ms/);
    await withClient(t, async (dc) => {
      await dc.launch({ program, args: { city: 'Oslo' }, llm: { provider: 'openai', baseUrl: server.url, timeoutMs: 150 } });
      await Promise.all([dc.configurationDoneRequest(), dc.assertStoppedLocation('exception', {})]);
      description = (await dc.exceptionInfoRequest({ threadId: 1 })).body.description ?? '';
    });
    assert.match(description, /within 150 ms/);
  });

  it('a bad llm.timeoutMs in the launch is refused, naming the field and the range', { timeout: 30_000 }, (t) =>
    withClient(t, async (dc) => {
      await assert.rejects(
        dc.launch({ program: example('trip_planner.ais'), args: { city: 'Oslo' }, llm: { timeoutMs: 'soon' } }),
        (e: Error) => {
          assert.match(e.message, /"llm\.timeoutMs" must be a whole number of milliseconds from 1 to 86400000/);
          return true;
        },
      );
    }),
  );
});
