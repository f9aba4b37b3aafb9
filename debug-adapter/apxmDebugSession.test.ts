/**
 * The adapter driven through the Debug Adapter Protocol, as VS Code drives it: `DebugClient`
 * (from @vscode/debugadapter-testsupport) starts `dapMain.js` over stdio. Launching, breakpoints,
 * stepping, the Debug Console and DAG listings here; changing state, restarts, databases, replay
 * and the TCP server in sessionRuns.test.ts (two files, so neither nears the per-file time limit).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { startFakeOpenAi } from '../test/support/fakeOpenAiServer.js';
import { launch, outputs, scopeVariables, topFrame, withClient } from '../test/support/debugClient.js';
import { buildDagListing } from './dagListing.js';
import { loadProgramFile } from '../runtime/programFile.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
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
        // set before the launch, so its wait spans the whole run: DebugClient's 15 s default is too short on a loaded machine
        const exited = dc.waitForEvent('exited', 60_000);
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
        // set before the launch, so its wait spans the whole run: DebugClient's 15 s default is too short on a loaded machine
        const exited = dc.waitForEvent('exited', 60_000);
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
});
