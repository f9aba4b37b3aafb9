import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { program, type EdgeSpec, type NodeSpec } from '../../test/support/graphBuilder.js';
import { makeRuntime, recordEvents } from '../../test/support/harness.js';

/** Random valid DAGs with branches, guards, joins, loops and try/catch regions. */
const dagArb = fc.integer({ min: 1, max: 28 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    kinds: fc.array(fc.constantFrom('const', 'const', 'merge', 'wait', 'branch', 'guard', 'print', 'try', 'err', 'loop'), { minLength: n, maxLength: n }),
    edges: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean(), fc.boolean()), { maxLength: n * 2 }),
    values: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    parallelism: fc.integer({ min: 1, max: 4 }),
  }),
);

function build(d: { n: number; kinds: string[]; edges: [number, number, boolean, boolean][]; values: boolean[] }): { nodes: NodeSpec[]; edges: EdgeSpec[]; total: number } {
  const nodes: NodeSpec[] = [];
  const edges: EdgeSpec[] = [];
  const seen = new Set<string>();
  let nextId = d.n + 1;
  for (let i = 0; i < d.n; i++) {
    const id = i + 1;
    switch (d.kinds[i]) {
      case 'merge': nodes.push([id, 'MERGE']); break;
      case 'wait': nodes.push([id, 'WAIT_ALL']); break;
      case 'branch': nodes.push([id, 'BRANCH_ON_VALUE', { value: d.values[i] }]); break;
      case 'guard': nodes.push([id, 'GUARD', { condition: d.values[i] ? 'not_null' : 'is_null', on_fail: 'skip' }]); break;
      case 'print': nodes.push([id, 'PRINT', { message: `p${id}` }]); break;
      case 'try': nodes.push([id, 'TRY_CATCH']); break;
      case 'err': nodes.push([id, d.values[i] ? 'ERR' : 'CONST_STR', d.values[i] ? { message: `boom ${id}` } : { value: `v${id}` }]); break;
      case 'loop': {
        // a self-contained loop: LOOP_START → body → LOOP_END, placed as node `id` (the start)
        const body = nextId++;
        const end = nextId++;
        nodes.push([id, 'LOOP_START', { count: d.values[i] ? 2 : 0 }], [body, 'CONST_STR', { value: 'b' }], [end, 'LOOP_END']);
        edges.push([id, body, 'Control'], [body, end]);
        break;
      }
      default: nodes.push([id, 'CONST_STR', { value: `v${id}` }]);
    }
  }
  const hasTryEdge = new Set<number>();
  for (const [a, b, control, alt] of d.edges) {
    const from = (a % d.n) + 1;
    const to = (b % d.n) + 1;
    if (from >= to || seen.has(`${from}-${to}`)) continue;
    seen.add(`${from}-${to}`);
    const kind = d.kinds[from - 1];
    const label = kind === 'branch' ? (alt ? 'true' : 'false') : kind === 'try' ? (alt ? 'try' : 'catch') : undefined;
    if (kind === 'try' && label === 'try') hasTryEdge.add(from);
    edges.push([from, to, control ? 'Control' : 'Data', label]);
  }
  // a TRY_CATCH needs a try region, and an ERR outside one fails the run: keep only caught ERRs
  for (const [i, k] of d.kinds.entries()) {
    if (k === 'try' && !hasTryEdge.has(i + 1)) nodes[nodes.findIndex((x) => x[0] === i + 1)] = [i + 1, 'CONST_STR', { value: 'no try' }];
  }
  return { nodes, edges, total: nodes.length };
}

describe('random DAGs (property)', () => {
  it('always terminate, settling every node exactly once', async () => {
    const rt = await makeRuntime({ memoryConfig: { recordEpisodes: false } });
    const log = recordEvents(rt);
    await fc.assert(
      fc.asyncProperty(dagArb, async (d) => {
        const { nodes, edges } = build(d);
        let p;
        try {
          p = program({ nodes, edges });
        } catch {
          return; // the generator made an invalid program (e.g. a loop edge into a body): not this property's concern
        }
        const r = await rt.execute(p, { maxParallelism: d.parallelism });
        const settled = new Map<string, number>();
        for (const e of [...log.of('node:finished'), ...log.of('node:skipped'), ...log.of('node:failed')]) {
          if (e.runId !== r.runId) continue;
          settled.set(e.nodeExecId, (settled.get(e.nodeExecId) ?? 0) + 1);
        }
        for (const [id, count] of settled) assert.equal(count, 1, `${id} settled ${count} times`);
        const topLevel = [...settled.keys()].filter((k) => k.split(':')[1] === '1').length;
        if (r.status === 'succeeded') {
          // every node of the entry frame that is not a loop body settled
          const bodyIds = new Set(nodes.filter((x) => x[0] > d.n && x[1] !== 'LOOP_END').map((x) => x[0]));
          assert.equal(topLevel, nodes.length - bodyIds.size);
        } else {
          assert.ok(['E_USER_ERROR'].includes(r.error?.code ?? ''), `unexpected failure ${r.error?.code}: ${r.error?.message}`);
        }
      }),
      { numRuns: 150 },
    );
    await rt.dispose();
  });
});
