import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validateAgainstSchema } from '../values/jsonSchema.js';
import { apxmGraphJsonSchema } from './graphJsonSchema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const schemaFile = path.join(root, 'extension/schemas/apxm-graph.schema.json');

describe('ApxmGraph JSON schema', () => {
  it('the file the extension contributes is the generated schema', () => {
    assert.deepEqual(
      JSON.parse(readFileSync(schemaFile, 'utf8')),
      apxmGraphJsonSchema(),
      'regenerate with: node out/runtime/graph/writeGraphJsonSchema.js',
    );
  });

  it('accepts every example program', () => {
    const schema = apxmGraphJsonSchema();
    const examples = readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.json'));
    assert.ok(examples.length >= 5);
    for (const f of examples)
      assert.deepEqual(validateAgainstSchema(schema, JSON.parse(readFileSync(path.join(root, 'examples', f), 'utf8'))), [], f);
  });

  it('rejects unknown ops, empty names, missing edges and bad dependencies', () => {
    const schema = apxmGraphJsonSchema();
    const ok = { name: 'A.main', nodes: [{ id: 1, name: 'a', op: 'ASK', attributes: { template_str: 'hi' } }], edges: [] };
    assert.deepEqual(validateAgainstSchema(schema, ok), []);
    const bad = [
      { ...ok, nodes: [{ id: 1, name: 'a', op: 'ASKK' }] },
      { ...ok, nodes: [{ id: 1, name: '', op: 'ASK' }] },
      { name: 'A.main', nodes: ok.nodes },
      { ...ok, edges: [{ from: 1, to: 1, dependency: 'Sometimes' }] },
      { ...ok, nodes: [] },
      { flows: [] },
    ];
    for (const b of bad) assert.notDeepEqual(validateAgainstSchema(schema, b), [], JSON.stringify(b));
  });
});
