/** The DAG listing served for `.json`/`.apxmobj` programs: one op per line, inputs before users, stable text. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadProgramFile } from '../runtime/programFile.js';
import type { Program } from '../runtime/graph/types.js';
import { bundle, program, type GraphSpec } from '../test/support/graphBuilder.js';
import { buildDagListing, listingSourceName, type DagListing } from './dagListing.js';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');
const example = (name: string) => loadProgramFile(path.join(EXAMPLES, name));

/** Every node on exactly one line, the maps inverse of each other, and each edge pointing upwards. */
function assertWellFormed(p: Program, listing: DagListing): string[] {
  const lines = listing.text.split('\n');
  assert.equal(lines.at(-1), '', 'the text ends with a newline');
  const nodeLines = new Set<number>();
  for (const flow of p.flows) {
    for (const node of flow.nodes) {
      const line = listing.lineOf(flow.qualifiedName, node.id);
      assert.ok(line !== undefined && line >= 1 && line < lines.length, `${flow.qualifiedName}#${node.id} has a line`);
      assert.ok(!nodeLines.has(line), `line ${line} holds one node only`);
      nodeLines.add(line);
      assert.deepEqual(listing.nodesAt(line), [{ flow: flow.qualifiedName, nodeId: node.id }]);
      assert.equal(listing.flowAt(line), flow.qualifiedName);
      assert.match(lines[line - 1], new RegExp(`^  #${node.id} +${node.op} +`), `line ${line} lists #${node.id} ${node.op}`);
    }
    for (const e of flow.edges) {
      const from = listing.lineOf(flow.qualifiedName, e.from) as number;
      const to = listing.lineOf(flow.qualifiedName, e.to) as number;
      assert.ok(from < to, `${flow.qualifiedName}: #${e.from} (line ${from}) is listed before #${e.to} (line ${to})`);
    }
  }
  for (let line = 1; line <= lines.length; line++) {
    const at = listing.nodesAt(line);
    assert.ok(at.length <= 1);
    if (at.length === 1) assert.equal(listing.lineOf(at[0].flow, at[0].nodeId), line);
    else assert.ok(!nodeLines.has(line));
  }
  return lines;
}

const lineText = (listing: DagListing, flow: string, id: number) => listing.text.split('\n')[(listing.lineOf(flow, id) as number) - 1];

describe('DAG listing', () => {
  it('lists trip-planner.json one op per line, in topological order, with prompts', { timeout: 10_000 }, async () => {
    const p = await example('trip-planner.json');
    const listing = buildDagListing(p);
    const lines = assertWellFormed(p, listing);
    assert.match(lines[0], /^\/\/ DAG of TripPlanner\.main from .*trip-planner\.json/);
    assert.equal(listingSourceName(p), 'trip-planner.json (DAG)');
    const header = lines.indexOf('@entry flow TripPlanner.main(city: str)') + 1;
    assert.ok(header > 0, listing.text);
    assert.equal(listing.flowAt(header), 'TripPlanner.main');
    assert.deepEqual(listing.nodesAt(header), []);
    assert.deepEqual(
      p.entry.nodes.map((n) => listing.lineOf('TripPlanner.main', n.id)),
      [1, 2, 3, 4, 5, 6, 7].map((k) => header + k),
    );
    assert.match(lineText(listing, 'TripPlanner.main', 1), /#1 +ASK +stay +"List three neighbourhoods worth staying in, in \{\{city\}\}"$/);
    assert.match(lineText(listing, 'TripPlanner.main', 4), /MERGE +notes +← #1, #2, #3 +strategy="array"$/);
    assert.match(lineText(listing, 'TripPlanner.main', 6), /PRINT +show +← #5 +message="Plan:"$/);
  });

  it('lists review-board.json with the entry flow first, control inputs marked and flow calls named', { timeout: 10_000 }, async () => {
    const p = await example('review-board.json');
    const listing = buildDagListing(p);
    const lines = assertWellFormed(p, listing);
    const headers = lines.filter((l) => /^(@entry )?flow /.test(l));
    assert.deepEqual(headers, [
      '@entry flow Chair.main(topic: str)',
      'flow Author.draft(topic: str)',
      'flow Skeptic.questions(topic: str)',
      'flow Skeptic.review(text: str)',
    ]);
    for (const h of headers.slice(1)) assert.equal(lines[lines.indexOf(h) - 1], '', `a blank line before ${h}`);
    assert.equal(listing.flowAt(lines.indexOf(headers[1])), undefined, 'the blank line belongs to no flow');
    assert.match(lineText(listing, 'Chair.main', 5), /ASK +decision +← ~#2, ~#3, ~#4 +"Decide accept or revise/);
    assert.match(lineText(listing, 'Chair.main', 4), /FLOW_CALL +critique +← #2 +calls Skeptic\.review$/);
    assert.equal(listing.lineOf('Chair.main', 99), undefined);
    assert.equal(listing.lineOf('Nobody.main', 1), undefined);
    assert.deepEqual(listing.nodesAt(0), []);
    assert.deepEqual(listing.nodesAt(lines.length + 5), []);
  });

  it('shows edge labels, effect edges and the switch cases', { timeout: 10_000 }, () => {
    const p = program({
      params: ['ticket'],
      nodes: [
        [1, 'CONST_STR', { value: '{{ticket}}' }, 'ticket'],
        [2, 'SWITCH', { case_labels: ['billing', 'bug'] }, 'route'],
        [3, 'ASK', { template_str: 'Billing: {0}' }, 'billing'],
        [4, 'ASK', { template_str: 'Bug: {0}' }, 'bug'],
        [5, 'PRINT', { message: 'other' }, 'other'],
        [6, 'MERGE', {}, 'answer'],
        [7, 'BRANCH_ON_VALUE', {}, 'check'],
        [8, 'PRINT', { message: 'yes' }, 'yes'],
        [9, 'UMEM', { key: 'last' }, 'remember'],
      ],
      edges: [
        [1, 2],
        [2, 3, 'Data', 'billing'],
        [2, 4, 'Data', 'bug'],
        [2, 5, 'Control', 'default'],
        [3, 6],
        [4, 6],
        [5, 6],
        [6, 7],
        [7, 8, 'Control', 'true'],
        [6, 9],
        [8, 9, 'Effect'],
      ],
    });
    const listing = buildDagListing(p);
    assertWellFormed(p, listing);
    assert.match(lineText(listing, 'Test.main', 2), /SWITCH +route +← #1 +case_labels=\["billing","bug"\]$/);
    assert.match(lineText(listing, 'Test.main', 3), /← #2\[billing\] +"Billing: \{0\}"$/);
    assert.match(lineText(listing, 'Test.main', 5), /← ~#2\[default\] +message="other"$/);
    assert.match(lineText(listing, 'Test.main', 8), /← ~#7\[true\] +message="yes"$/);
    assert.match(lineText(listing, 'Test.main', 9), /← #6, \^#8 +key="last"$/);
  });

  it('breaks ties by node id, whatever the order of the nodes in the file', { timeout: 10_000 }, () => {
    const p = program({
      nodes: [
        [5, 'ASK', { template_str: 'a' }],
        [3, 'MERGE'],
        [1, 'ASK', { template_str: 'b' }],
        [2, 'RETURN'],
        [4, 'PRINT', { message: 'x' }],
      ],
      edges: [
        [5, 3],
        [1, 3],
        [3, 2],
      ],
    });
    const listing = buildDagListing(p);
    assertWellFormed(p, listing);
    const order = [1, 4, 5, 3, 2].map((id) => listing.lineOf('Test.main', id) as number);
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
    );
  });

  it('keeps long and multi-line attributes on one line, truncated inside the quotes', { timeout: 10_000 }, () => {
    const prompt = `Write a plan\nfor {{city}}\r\nusing\u2028${'very '.repeat(40)}long notes: {0}`;
    const p = program({
      nodes: [
        [1, 'THINK', { template_str: prompt }],
        [2, 'INV', { capability: 'search', params: { q: 'x' } }],
      ],
      edges: [[1, 2]],
    });
    p.flows[0].nodes[0].name = 'multi\nline name'; // loaders refuse it; a program built in memory may still have one
    const listing = buildDagListing(p);
    const lines = assertWellFormed(p, listing);
    assert.equal(lines.length, 7, 'header, legend, blank, flow header, two nodes, and the empty string after the final newline');
    const think = lineText(listing, 'Test.main', 1);
    const summary = think.slice(think.indexOf('"'));
    assert.ok(summary.startsWith('"Write a plan⏎for {{city}}⏎using⏎very very'), summary);
    assert.ok(summary.endsWith('…"'), summary);
    assert.equal(Array.from(summary).length, 80);
    assert.match(think, /THINK +multi⏎line name/);
    assert.match(lineText(listing, 'Test.main', 2), /INV +n2 +← #1 +capability="search"$/);
  });

  it('escapes control and bidirectional characters of names, labels and values', { timeout: 5_000 }, () => {
    const p = program({
      nodes: [
        [1, 'SWITCH', { discriminant: 'x' }],
        [2, 'PRINT', { message: 'red \u001b[31m alert \u009b2J' }],
        [3, 'ASK', { template_str: 'left \u202e thgir' }],
      ],
      edges: [
        [1, 2, 'Data', 'a\u0007b'],
        [1, 3, 'Data', 'default'],
      ],
    });
    p.flows[0].nodes[1].name = 'evil\u001b]0;title\u0007';
    p.flows[0].parameters.push({ name: 'p\u2066', typeName: 'str' });
    const listing = buildDagListing(p);
    assert.doesNotMatch(
      listing.text,
      /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/,
      'no raw control or bidi character',
    );
    assert.match(
      lineText(listing, 'Test.main', 2),
      /PRINT +evil\\x1b\]0;title\\x07 +← #1\[a\\x07b\] +message="red \\x1b\[31m alert \\x9b2J"$/,
    );
    assert.match(lineText(listing, 'Test.main', 3), /"left \\u202e thgir"$/);
    assert.match(listing.text, /flow Test\.main\(p\\u2066: str\)/);
  });

  it('lists a node with no attributes and no inputs without a summary', { timeout: 10_000 }, () => {
    const p = bundle('A.main', [
      {
        name: 'A.main',
        nodes: [
          [1, 'MERGE'],
          [2, 'FENCE'],
        ],
        edges: [[1, 2, 'Control']],
      },
      {
        name: 'B.helper',
        params: [
          ['n', 'int'],
          ['flag', 'bool'],
        ],
        nodes: [[7, 'WAIT_ALL']],
      },
    ]);
    const listing = buildDagListing(p);
    const lines = assertWellFormed(p, listing);
    assert.equal(lineText(listing, 'A.main', 1), '  #1  MERGE  n1');
    assert.equal(lineText(listing, 'A.main', 2), '  #2  FENCE  n2  ← ~#1');
    assert.equal(lineText(listing, 'B.helper', 7), '  #7  WAIT_ALL  n7');
    assert.ok(lines.includes('flow B.helper(n: int, flag: bool)'));
    assert.equal(listingSourceName(p), 'bundle (DAG)');
    assert.doesNotMatch(listing.text, /undefined|\{\}|\t/);
  });

  it('is deterministic: the same program lists to the same text', { timeout: 10_000 }, async () => {
    const spec: GraphSpec = {
      nodes: [
        [2, 'ASK', { template_str: 'q' }],
        [1, 'ASK', { template_str: 'p' }],
        [3, 'MERGE'],
      ],
      edges: [
        [2, 3],
        [1, 3],
      ],
    };
    assert.equal(buildDagListing(program(spec)).text, buildDagListing(program(spec)).text);
    const [a, b] = await Promise.all([example('review-board.json'), example('review-board.json')]);
    assert.equal(buildDagListing(a).text, buildDagListing(b).text);
    assert.equal(buildDagListing(a).text, buildDagListing(a).text);
  });
});
