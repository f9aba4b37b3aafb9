/**
 * Every example program in examples/*.ais compiles without a diagnostic, lowers to the graph its
 * comments describe (which nodes, which edges, what runs in parallel), and runs on the simulated
 * provider with the example capabilities.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileAis } from './compileAis.js';
import type { FlowGraph, OpNode, Program } from '../graph/types.js';
import { SimulatedProvider } from '../llm/simulatedProvider.js';
import { loadProgramFile } from '../programFile.js';
import { Runtime } from '../runtime.js';
import type { RuntimeConfig } from '../config.js';
import { loadWorkspaceCapabilities } from '../workspace.js';
import { recordEvents } from '../../test/support/harness.js';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');
const example = (name: string): string => path.join(EXAMPLES, name);

function compile(name: string): Program {
  const r = compileAis(readFileSync(example(name), 'utf8'), name);
  assert.deepEqual(r.diagnostics, [], `${name} compiles cleanly`);
  assert.ok(r.program);
  return r.program;
}

const flowOf = (p: Program, q: string): FlowGraph => {
  const f = p.flows.find((x) => x.qualifiedName === q);
  assert.ok(f, q);
  return f;
};
const byName = (f: FlowGraph, name: string): OpNode => {
  const n = f.nodes.find((x) => x.name === name);
  assert.ok(n, `node ${name} in ${f.qualifiedName}`);
  return n;
};
const inputs = (f: FlowGraph, id: number, dep: 'Data' | 'Control' = 'Data'): number[] =>
  f.edges.filter((e) => e.to === id && e.dependency === dep).map((e) => e.from);

/** Whether b depends on a (a path of edges from a to b). */
function reaches(f: FlowGraph, a: number, b: number): boolean {
  const seen = new Set<number>([a]);
  const stack = [a];
  while (stack.length) {
    const v = stack.pop() as number;
    if (v === b) return true;
    for (const e of f.edges)
      if (e.from === v && !seen.has(e.to)) {
        seen.add(e.to);
        stack.push(e.to);
      }
  }
  return false;
}
const independent = (f: FlowGraph, a: number, b: number): boolean => !reaches(f, a, b) && !reaches(f, b, a);

async function run(name: string, args: Record<string, string>, config: RuntimeConfig = {}) {
  const rt = await Runtime.create({
    memoryConfig: { dbPath: ':memory:' },
    ...config,
    ...(config.memoryConfig ? { memoryConfig: config.memoryConfig } : {}),
  });
  await loadWorkspaceCapabilities(rt.capabilitySystem(), example(name));
  const log = recordEvents(rt);
  const program = await loadProgramFile(example(name));
  const result = await rt.execute(program, { args });
  return { rt, log, result, program };
}

describe('AIS examples: lowering', () => {
  it('every example compiles with no diagnostic, one graph per flow, each node pointing at its source line', () => {
    const names = readdirSync(EXAMPLES).filter((f) => f.endsWith('.ais'));
    assert.equal(names.length, 8);
    for (const name of names) {
      const p = compile(name);
      const text = readFileSync(example(name), 'utf8').split('\n');
      for (const f of p.flows) {
        for (const n of f.nodes) {
          assert.ok(n.source, `${name} node ${n.id} has a source`);
          assert.equal(n.source.file, name);
          assert.ok(n.source.line >= 1 && n.source.line <= text.length);
        }
      }
    }
  });

  it('trip_planner: three asks with no edges between them, joined by merge, then think, print and return', () => {
    const f = compile('trip_planner.ais').entry;
    const [stay, food, transport] = ['stay', 'food', 'transport'].map((n) => byName(f, n));
    assert.deepEqual([stay.op, food.op, transport.op], ['ASK', 'ASK', 'ASK']);
    for (const n of [stay, food, transport])
      assert.deepEqual(
        f.edges.filter((e) => e.to === n.id),
        [],
        `${n.name} has no inputs`,
      );
    assert.equal(stay.attributes.template_str, 'List three neighbourhoods worth staying in, in {{city}}');
    const notes = byName(f, 'notes');
    assert.equal(notes.op, 'MERGE');
    assert.deepEqual(inputs(f, notes.id), [stay.id, food.id, transport.id]);
    const plan = byName(f, 'plan');
    assert.equal(plan.op, 'THINK');
    assert.deepEqual(inputs(f, plan.id), [notes.id]);
    assert.equal(plan.attributes.template_str, 'Write a one-paragraph plan for a weekend in {{city}} using: {0}');
    assert.equal(plan.source?.line, 10);
    const ret = f.nodes.find((n) => n.op === 'RETURN') as OpNode;
    assert.deepEqual(inputs(f, ret.id), [plan.id]);
  });

  it('review_board: one graph per flow; the draft and the questions are independent, the review waits for the draft', () => {
    const p = compile('review_board.ais');
    assert.deepEqual(p.flows.map((f) => f.qualifiedName).sort(), ['Author.draft', 'Chair.main', 'Skeptic.questions', 'Skeptic.review']);
    assert.equal(p.entry.qualifiedName, 'Chair.main');
    const f = p.entry;
    const [proposal, questions, critique] = ['proposal', 'open_questions', 'critique'].map((n) => byName(f, n));
    for (const n of [proposal, questions, critique]) assert.equal(n.op, 'FLOW_CALL');
    assert.deepEqual([proposal.attributes.agent_name, proposal.attributes.flow_name], ['Author', 'draft']);
    assert.ok(independent(f, proposal.id, questions.id));
    assert.deepEqual(inputs(f, critique.id), [proposal.id]);
    assert.deepEqual(flowOf(p, 'Skeptic.review').parameters, [{ name: 'text', typeName: 'str' }]);
  });

  it('support_router: a switch routes to labelled arms, their values meet in one MERGE', () => {
    const f = compile('support_router.ais').entry;
    const sw = f.nodes.find((n) => n.op === 'SWITCH') as OpNode;
    assert.deepEqual(sw.attributes.case_labels, ['billing', 'bug']);
    assert.deepEqual(inputs(f, sw.id), [byName(f, 'kind').id]);
    const labelled = f.edges.filter((e) => e.from === sw.id).map((e) => [f.nodes.find((n) => n.id === e.to)?.op, e.label]);
    assert.deepEqual(labelled, [
      ['ASK', 'billing'],
      ['REASON', 'bug'],
      ['ASK', 'default'],
    ]);
    const merge = f.nodes.find((n) => n.op === 'MERGE') as OpNode;
    assert.equal(merge.name, 'reply');
    assert.equal(merge.attributes.strategy, 'first');
    assert.equal(inputs(f, merge.id).length, 3);
    assert.deepEqual(inputs(f, byName(f, 'short_reply').id), [merge.id]);
  });

  it('resilient_digest: loop over a list, try/catch inside, the digest only in the true arm of the if', () => {
    const f = compile('resilient_digest.ais').entry;
    const start = f.nodes.find((n) => n.op === 'LOOP_START') as OpNode;
    const end = f.nodes.find((n) => n.op === 'LOOP_END') as OpNode;
    assert.equal(start.attributes.label, end.attributes.label);
    const tc = f.nodes.find((n) => n.op === 'TRY_CATCH') as OpNode;
    const page = byName(f, 'page');
    assert.equal(page.op, 'INV');
    assert.equal(page.attributes.capability, 'fetch_source');
    assert.deepEqual(JSON.parse(String(page.attributes.params_json)), { source: '{0}' });
    assert.deepEqual(inputs(f, page.id), [start.id], "the loop variable is the loop start's output");
    const print = f.nodes.find((n) => n.op === 'PRINT') as OpNode;
    assert.ok(f.edges.some((e) => e.from === tc.id && e.to === print.id && e.label === 'catch'));
    const found = byName(f, 'found');
    assert.ok(reaches(f, end.id, found.id), 'the memory query waits for the loop (it reads what the loop wrote)');
    const branch = f.nodes.find((n) => n.op === 'BRANCH_ON_VALUE') as OpNode;
    assert.equal(branch.attributes.condition, 'not_empty');
    const digest = byName(f, 'digest');
    assert.ok(f.edges.some((e) => e.from === branch.id && e.to === digest.id && e.label === 'true'));
    assert.equal(f.nodes.filter((n) => n.op === 'RETURN').length, 2);
  });

  it('notes_memory and release_checker: side effects keep source order, reads wait for the writes before them', () => {
    const notes = compile('notes_memory.ais').entry;
    const umems = notes.nodes.filter((n) => n.op === 'UMEM');
    assert.deepEqual(
      umems.map((n) => n.attributes.memory_tier),
      ['stm', 'episodic', 'ltm'],
    );
    assert.ok(reaches(notes, umems[0].id, umems[1].id) && reaches(notes, umems[1].id, umems[2].id));
    assert.equal(byName(notes, 'remembered').attributes.query, 'previous answers about {{question}}');
    const rc = compile('release_checker.ais').entry;
    const [changes, ci] = [byName(rc, 'changes'), byName(rc, 'ci')];
    assert.ok(reaches(rc, changes.id, ci.id), 'tool calls run in source order');
    const verdict = byName(rc, 'verdict');
    assert.equal(verdict.attributes.claim, 'The release is ready: every change is tested and CI is green');
    assert.deepEqual(inputs(rc, verdict.id), [changes.id, ci.id]);
  });

  it('self_improver: plan → ask → reflect → think, reflect and plan are their own ops', () => {
    const f = compile('self_improver.ais').entry;
    assert.deepEqual(
      f.nodes.filter((n) => n.op !== 'CONST_STR').map((n) => n.op),
      ['PLAN', 'ASK', 'REFLECT', 'THINK', 'RETURN'],
    );
    assert.equal(byName(f, 'steps').attributes.goal, '{{goal}}');
    assert.deepEqual(inputs(f, byName(f, 'better').id), [byName(f, 'lessons').id, byName(f, 'first_try').id]);
  });
});

describe('AIS examples: running on the simulated provider', () => {
  it('trip_planner: the three asks run at the same time', async () => {
    const { rt, result } = await run('trip_planner.ais', { city: 'Lisbon' });
    assert.equal(result.status, 'succeeded');
    assert.match(String(result.result), /^\[simulated\]/);
    assert.equal(result.stats.maxParallelism, 3);
    await rt.dispose();
  });

  it('support_router: exactly one arm runs, the others are skipped', async () => {
    const provider = new SimulatedProvider({ script: [{ match: /Answer with one word/, reply: 'Bug.' }] });
    const { rt, log, result, program } = await run(
      'support_router.ais',
      { ticket: 'The app crashes on export' },
      { llmProvider: provider },
    );
    assert.equal(result.status, 'succeeded');
    const f = program.entry;
    const idOf = (op: string) => f.nodes.filter((n) => n.op === op).map((n) => n.id);
    assert.ok(log.finished().includes(idOf('REASON')[0]), 'the bug arm ran');
    const asks = f.nodes.filter((n) => n.op === 'ASK' && n.name === 'reply').map((n) => n.id);
    assert.deepEqual(log.skipped().sort(), asks.sort());
    const prompts = log.of('llm:request').map((e) => e.messages.at(-1)?.content ?? '');
    assert.ok(
      prompts.some((p) => p.startsWith('Shorten this reply to two sentences: [simulated]')),
      'the merged reply reached the last ask',
    );
    await rt.dispose();
  });

  it('resilient_digest: the failing source is caught, the loop goes on, the digest is written from memory', async () => {
    const { rt, log, result } = await run('resilient_digest.ais', { topic: 'rust' });
    assert.equal(result.status, 'succeeded');
    const printed = log.of('print').map((e) => e.text);
    assert.deepEqual(printed, ['Skipping a source that failed: wiki']);
    const writes = log
      .of('memory:write')
      .map((e) => e.key)
      .filter((k) => k.startsWith('page:'));
    assert.deepEqual(writes.sort(), ['page:0', 'page:2']);
    await rt.dispose();
  });

  it("review_board: flow calls run the other agents' flows; draft and questions overlap", async () => {
    const { rt, log, result } = await run('review_board.ais', { topic: 'a new cache' });
    assert.equal(result.status, 'succeeded');
    assert.match(String(result.result), /^\[simulated\]/);
    const frames = log.of('frame:entered').map((e) => e.flow);
    assert.deepEqual([...new Set(frames)].sort(), ['Author.draft', 'Chair.main', 'Skeptic.questions', 'Skeptic.review']);
    assert.ok(result.stats.maxParallelism >= 2);
    assert.deepEqual(
      log.of('print').map((e) => e.text.slice(0, 21)),
      ['Decision: [simulated]'],
    );
    await rt.dispose();
  });

  it('notes_memory: a second run sees what the first stored in LTM', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'apxm-ais-notes-'));
    try {
      const db = path.join(tmp, 'notes.sqlite');
      const first = await run('notes_memory.ais', { question: 'capital of France' }, { memoryConfig: { dbPath: db } });
      assert.equal(first.result.status, 'succeeded');
      await first.rt.dispose();
      const second = await run('notes_memory.ais', { question: 'capital of France' }, { memoryConfig: { dbPath: db } });
      const remembered = second.log.of('node:finished').find((e) => e.name === 'remembered')?.output as { key: string }[];
      assert.ok(
        remembered.some((h) => h.key === 'answer'),
        JSON.stringify(remembered),
      );
      await second.rt.dispose();
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('release_checker and self_improver run to a result', async () => {
    const a = await run('release_checker.ais', { version: '1.2.0' });
    assert.equal(a.result.status, 'succeeded');
    assert.match(a.log.of('print')[0]?.text ?? '', /^Verdict for 1\.2\.0: /);
    const calls = a.log.of('capability:call').map((e) => [e.name, e.params]);
    assert.deepEqual(calls, [
      ['changelog', { version: '1.2.0' }],
      ['ci_status', { branch: 'main' }],
    ]);
    await a.rt.dispose();
    const b = await run('self_improver.ais', { goal: 'write a haiku' });
    assert.equal(b.result.status, 'succeeded');
    await b.rt.dispose();
  });
});
