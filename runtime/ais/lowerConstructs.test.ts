/**
 * What the lowered control constructs do when they run: returns in one arm, values joined after
 * if / try / switch, loops with side effects, parallel blocks, flow calls, operations by name,
 * and `-O1` ask fusion. Each program is compiled from source and run on the simulated provider.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileAis } from './compileAis.js';
import { decodeArtifact, artifactToProgram } from '../artifact/readArtifact.js';
import { encodeArtifact, programToArtifactModel } from '../artifact/writeArtifact.js';
import type { Program } from '../graph/types.js';
import { SimulatedProvider, type ScriptedReply } from '../llm/simulatedProvider.js';
import type { Value } from '../values/value.js';
import { makeRuntime, recordEvents, tool } from '../../test/support/harness.js';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function compile(src: string, optimize: 0 | 1 = 0): Program {
  const r = compileAis(src, 'test.ais', { optimize });
  assert.deepEqual(
    r.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  assert.ok(r.program);
  return r.program;
}

async function run(
  src: string,
  args: Record<string, Value>,
  options: { script?: ScriptedReply[]; tools?: Record<string, (p: Record<string, unknown>) => unknown>; optimize?: 0 | 1 } = {},
) {
  const rt = await makeRuntime({ llmProvider: new SimulatedProvider({ script: options.script ?? [] }) });
  for (const [name, fn] of Object.entries(options.tools ?? {})) tool(rt, name, async (p) => fn(p));
  const log = recordEvents(rt);
  const program = compile(src, options.optimize);
  const result = await rt.execute(program, { args });
  await rt.dispose();
  return { result, log, program };
}

describe('AIS lowering: control constructs at run time', () => {
  const early = `agent A { @entry flow main(cmd: str) -> str {
    if (cmd == "stop") { return "stopped early" }
    ask("Work on " + cmd) -> out
    print("done: " + out)
    return out } }`;

  it('a return in one arm: the rest of the flow runs only on the other path', async () => {
    const stopped = await run(early, { cmd: 'stop' });
    assert.equal(stopped.result.status, 'succeeded');
    assert.equal(stopped.result.result, 'stopped early');
    assert.equal(stopped.log.of('llm:request').length, 0);
    assert.deepEqual(stopped.log.of('print'), []);
    const went = await run(early, { cmd: 'build' });
    assert.match(String(went.result.result), /^\[simulated\]/);
    assert.equal(went.log.of('print').length, 1);
  });

  it('a name bound in both arms of an if holds the value of the arm that ran', async () => {
    const src = `agent A { @entry flow main(n: number) -> str {
      if (n > 3) { let size = "big" } else { let size = "small" }
      return "size: " + size } }`;
    assert.equal((await run(src, { n: 5 })).result.result, 'size: big');
    assert.equal((await run(src, { n: 1 })).result.result, 'size: small');
  });

  it('try/catch: a failing tool runs the catch arm, whose value is the one seen after', async () => {
    const src = `agent A { @entry flow main(q: str) -> str {
      try { inv("flaky", "{\\"q\\": \\"" + q + "\\"}") -> page } catch { let page = "offline copy" }
      return "got " + page } }`;
    const down = await run(
      src,
      { q: 'x' },
      {
        tools: {
          flaky: () => {
            throw new Error('503');
          },
        },
      },
    );
    assert.equal(down.result.status, 'succeeded');
    assert.equal(down.result.result, 'got offline copy');
    const up = await run(src, { q: 'x' }, { tools: { flaky: (p) => `page for ${String(p.q)}` } });
    assert.equal(up.result.result, 'got page for x');
  });

  it('switch without default: an unmatched value passes through as the result', async () => {
    const src = `agent A { @entry flow main(kind: str) -> str {
      switch kind { case "a" => ask("about a") case "b" => ask("about b") } -> r
      return r } }`;
    const a = await run(src, { kind: 'a' });
    assert.match(String(a.result.result), /^\[simulated\].*about a/);
    assert.equal((await run(src, { kind: 'zzz' })).result.result, 'zzz');
  });

  it('a loop runs its body per item, side effects in order; memory keys carry the index', async () => {
    const src = `agent A { @entry flow main(topic: str) -> str {
      loop (city in ["Oslo", "Rome", "Lima"]) {
        print("visiting " + city)
        umem(city, "stm")
      }
      qmem("city", "stm") -> seen
      return "done" } }`;
    const { result, log } = await run(src, { topic: 't' });
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(
      log.of('print').map((e) => e.text),
      ['visiting Oslo', 'visiting Rome', 'visiting Lima'],
    );
    assert.deepEqual(
      log.of('memory:write').map((e) => [e.key, e.value]),
      [
        ['city:0', 'Oslo'],
        ['city:1', 'Rome'],
        ['city:2', 'Lima'],
      ],
    );
    const seen = log.of('node:finished').find((e) => e.name === 'seen')?.output as unknown[];
    assert.equal(seen.length, 3, 'the query ran after every write');
  });

  it('side effects keep source order, except inside parallel { }', () => {
    const p = compile(`agent A { @entry flow main() -> str {
      print("one")
      print("two")
      parallel { inv("a", "{}") -> x  inv("b", "{}") -> y }
      print("three" + x + y)
      return "ok" } }`).entry;
    const id = (pred: (n: Program['entry']['nodes'][number]) => boolean) => p.nodes.find(pred)?.id as number;
    const one = id((n) => n.attributes.message === 'one');
    const two = id((n) => n.attributes.message === 'two');
    const a = id((n) => n.attributes.capability === 'a');
    const b = id((n) => n.attributes.capability === 'b');
    const edge = (f: number, t: number) => p.edges.some((e) => e.from === f && e.to === t);
    assert.ok(edge(one, two));
    assert.ok(edge(two, a) && edge(two, b), 'both tools wait for the prints before them');
    assert.ok(!edge(a, b) && !edge(b, a), 'but not for each other');
  });

  it('flow calls: named arguments bind by name; calls of flows without side effects run in parallel', async () => {
    const src = `agent A {
      flow greet(name: str, tone: str) -> str { ask("Greet " + name + " in a " + tone + " tone") -> g  return g }
      @entry flow main(who: str) -> str {
        greet(tone: "warm", name: who) -> a
        greet(who, "dry") -> b
        return a + " / " + b } }`;
    const { result, log } = await run(src, { who: 'Ada' });
    assert.equal(result.status, 'succeeded');
    const prompts = log.of('llm:request').map((e) => e.messages.at(-1)?.content);
    assert.deepEqual(prompts.sort(), ['Greet Ada in a dry tone', 'Greet Ada in a warm tone']);
    assert.equal(result.stats.maxParallelism >= 2, true);
  });

  it('tool parameters: JSON text with values spliced in, and named arguments; numbers stay numbers', async () => {
    const src = `agent A { @entry flow main(q: str, n: number) -> str {
      inv("search", "{\\"query\\": \\"" + q + "\\", \\"limit\\": " + n + "}") -> a
      inv("search", query: q, limit: 2) -> b
      return a + b } }`;
    const calls: unknown[] = [];
    await run(
      src,
      { q: 'bees', n: 5 },
      {
        tools: {
          search: (p) => {
            calls.push(p);
            return 'ok';
          },
        },
      },
    );
    assert.deepEqual(calls, [
      { query: 'bees', limit: 5 },
      { query: 'bees', limit: 2 },
    ]);
  });

  it('guard with on_fail "skip" skips what depends on it; err raises into try/catch', async () => {
    const src = `agent A { @entry flow main(x: str) -> str {
      guard(x, "not_empty", on_fail: "skip") -> checked
      print("checked " + checked)
      try { err("boom") } catch { print("caught") }
      return "end" } }`;
    const empty = await run(src, { x: '' });
    assert.equal(empty.result.status, 'succeeded');
    assert.deepEqual(
      empty.log.of('print').map((e) => e.text),
      ['caught'],
    );
    const full = await run(src, { x: 'ok' });
    assert.deepEqual(
      full.log.of('print').map((e) => e.text),
      ['checked ok', 'caught'],
    );
  });
});

describe('AIS lowering: -O1 fuses chains of asks', () => {
  const chain = `agent W { @entry flow main(topic: str) -> str {
    ask("Outline an essay about " + topic) -> outline
    ask("Expand this outline: " + outline) -> draft
    ask("Polish: " + draft, topic) -> final
    return final } }`;

  it('-O0 keeps one node per ask; -O1 makes one ask that lists what it fused', () => {
    assert.equal(compile(chain).entry.nodes.filter((n) => n.op === 'ASK').length, 3);
    const f = compile(chain, 1).entry;
    const asks = f.nodes.filter((n) => n.op === 'ASK');
    assert.equal(asks.length, 1);
    assert.deepEqual(asks[0].attributes.fused_from, [1, 2]);
    assert.equal(
      asks[0].attributes.template_str,
      'Outline an essay about {{topic}}\n---\nExpand this outline: (the answer to the step above)\n---\nPolish: (the answer to the step above)',
    );
    assert.deepEqual(f.metadata.fused_asks, [{ node: asks[0].id, from: [1, 2] }]);
  });

  it('the fused program makes one LLM call and keeps the other inputs', async () => {
    const { result, log } = await run(chain, { topic: 'bees' }, { optimize: 1 });
    assert.equal(result.status, 'succeeded');
    assert.equal(log.of('llm:request').length, 1);
    assert.match(log.of('llm:request')[0].messages.at(-1)?.content ?? '', /Context 1: "\{\{topic\}\}"|Context 1: "bees"/);
  });
});

describe('AIS → artifact → program', () => {
  const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');
  for (const f of readdirSync(EXAMPLES).filter((x) => x.endsWith('.ais'))) {
    it(`${f}: the same DAG after a round trip, and the same bytes every time`, () => {
      const program = compile(readFileSync(path.join(EXAMPLES, f), 'utf8'));
      const bytes = encodeArtifact(programToArtifactModel(program, { createdAt: 0 }));
      const again = encodeArtifact(programToArtifactModel(compile(readFileSync(path.join(EXAMPLES, f), 'utf8')), { createdAt: 0 }));
      assert.deepEqual(Buffer.from(again), Buffer.from(bytes), 'deterministic');
      const back = artifactToProgram(decodeArtifact(bytes).payload);
      assert.equal(back.entry.qualifiedName, program.entry.qualifiedName);
      const shape = (p: Program) =>
        p.flows
          .map((g) => ({
            flow: g.qualifiedName,
            params: g.parameters,
            nodes: g.nodes.map((n) => ({
              id: n.id,
              op: n.op,
              name: n.name,
              attributes: n.attributes,
              line: n.source?.line,
              column: n.source?.column,
            })),
            edges: g.edges.map((e) => ({ from: e.from, to: e.to, dependency: e.dependency, label: e.label })),
          }))
          .sort((a, b) => a.flow.localeCompare(b.flow));
      assert.deepEqual(shape(back), shape(program));
    });
  }
});
