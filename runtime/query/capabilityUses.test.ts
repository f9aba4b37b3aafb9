/** "Find uses": INV sites across AIS, JSON and broken programs, at the positions the runtime's loader gives. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { findCapabilityUses, jsonPathSegments, locateJsonPath } from './capabilityUses.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-uses-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const AIS = `agent A {
    @entry flow main(q: str) -> str {
        inv("search", "{\\"q\\": \\"x\\"}") -> a
        lookup(q) -> b
        return a + b
    }
}
`;
// the capability's value sits on its own line, after a node whose strings hold brackets and commas
const JSON_PROGRAM = `{
  "name": "J.main",
  "nodes": [
    { "id": 1, "name": "p", "op": "PRINT", "attributes": { "text": "a [tricky], {string} \\" here" } },
    { "id": 2, "name": "s", "op": "INV", "attributes": {
        "capability": "search" } }
  ],
  "edges": [{ "from": 1, "to": 2, "dependency": "Control" }]
}`;

describe('capability uses', () => {
  it('finds inv() and direct calls in AIS, INV nodes in JSON, and reports programs that do not load', { timeout: 20_000 }, async () => {
    const ais = path.join(dir, 'a.ais');
    const json = path.join(dir, 'j.json');
    const broken = path.join(dir, 'broken.json');
    writeFileSync(ais, AIS);
    writeFileSync(json, JSON_PROGRAM);
    writeFileSync(broken, '{ "nodes": [');
    const all = await findCapabilityUses([ais, json, broken]);
    assert.deepEqual(
      all.uses.map((u) => [path.basename(u.file), u.capability, u.line, u.column]),
      [
        ['a.ais', 'search', 3, 9],
        ['a.ais', 'lookup', 4, 9],
        ['j.json', 'search', 6, 23],
      ],
    );
    assert.equal(all.problems.length, 1);
    assert.equal(all.problems[0].file, broken);
    const search = await findCapabilityUses([ais, json], 'search');
    assert.deepEqual(
      search.uses.map((u) => [u.flow, u.nodeId]),
      [
        ['A.main', 1],
        ['J.main', 2],
      ],
    );
  });

  it('locates JSON paths through strings, escapes and nesting', { timeout: 10_000 }, () => {
    const text = '{"a": [1, {"b c": "x,]}"}, {"d": {"e": true}}]}';
    assert.deepEqual(jsonPathSegments('$.a[2].d["e"]'), ['a', 2, 'd', 'e']);
    assert.deepEqual(locateJsonPath(text, '$.a[2].d.e'), { line: 1, column: 40, endLine: 1, endColumn: 44 });
    assert.equal(locateJsonPath(text, '$.a[1]["b c"]')?.column, 19);
    assert.equal(locateJsonPath(text, '$.a[5]'), undefined);
    assert.equal(locateJsonPath(text, '$.zz'), undefined);
  });
});
