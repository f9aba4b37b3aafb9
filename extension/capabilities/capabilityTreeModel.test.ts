/** The Capabilities tree's model: groups, badges, tooltips, the Invoke box's prefill and its validation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CapabilityCatalog, CatalogCapability } from '../../runtime/query/capabilityCatalog.js';
import {
  groupCatalogs,
  itemDescription,
  itemTooltip,
  mergeStats,
  paramsProblem,
  paramsSkeleton,
  statsText,
} from './capabilityTreeModel.js';

const cap = (name: string, origin: CatalogCapability['origin'], extra: Partial<CatalogCapability> = {}): CatalogCapability => ({
  name,
  description: `does ${name}`,
  schema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
  timeoutMs: 30_000,
  origin,
  ...extra,
});

describe('capability tree model', () => {
  it('groups host, workspace and each MCP server in that order, with problems in their group', { timeout: 5_000 }, () => {
    const catalog: CapabilityCatalog = {
      capabilities: [cap('fx.echo', 'mcp:fx'), cap('greet', 'workspace'), cap('lookup', 'host'), cap('a.b', 'mcp:a')],
      problems: [{ origin: 'mcp:zz', message: 'not loaded: the workspace is not trusted', untrusted: true }],
    };
    const groups = groupCatalogs([{ dir: '', catalog }]);
    assert.deepEqual(
      groups.map((g) => [g.label, g.capabilities.map((c) => c.name), g.problems.length]),
      [
        ['Host', ['lookup'], 0],
        ['Workspace (apxm.capabilities.mjs)', ['greet'], 0],
        ['MCP: a', ['a.b'], 0],
        ['MCP: fx', ['fx.echo'], 0],
        ['MCP: zz', [], 1],
      ],
    );
    const two = groupCatalogs([
      { dir: 'b', catalog: { capabilities: [cap('x', 'workspace')], problems: [] } },
      { dir: 'a', catalog: { capabilities: [cap('y', 'workspace')], problems: [] } },
    ]);
    assert.deepEqual(
      two.map((g) => [g.description, g.capabilities[0].name]),
      [
        ['a', 'y'],
        ['b', 'x'],
      ],
    );
  });

  it('shows stats as a badge during a session, the description otherwise; the tooltip holds the schema', { timeout: 5_000 }, () => {
    const plain = cap('greet', 'workspace');
    assert.equal(itemDescription(plain), 'does greet');
    const merged = mergeStats(
      { capabilities: [plain], problems: [] },
      { greet: { calls: 3, errors: 1, lastLatencyMs: 12, lastError: 'boom' } },
    );
    assert.equal(itemDescription(merged.capabilities[0]), '3 calls · 12 ms · 1 error');
    assert.equal(statsText({ calls: 1, errors: 0 }), '1 call');
    const tip = itemTooltip(merged.capabilities[0]);
    assert.match(tip, /last error: boom/);
    assert.match(tip, /"required": \[\s*"q"\s*\]/);
    assert.doesNotMatch(tip, /from Invoke/);
    const invoked = mergeStats(merged, { greet: { calls: 4, errors: 1, lastLatencyMs: 3, invoked: 1 } }).capabilities[0];
    assert.match(itemTooltip(invoked), /this session: 4 calls · 3 ms · 1 error \(1 from Invoke\.\.\.\)/);
  });

  it('prefills every parameter and validates what is typed, naming the path and the fix', { timeout: 5_000 }, () => {
    const schema = {
      type: 'object',
      properties: {
        q: { type: 'string' },
        n: { type: 'integer', default: 5 },
        mode: { enum: ['fast', 'slow'] },
        opts: { type: 'object', properties: { deep: { type: 'boolean' } } },
      },
      required: ['q'],
    };
    assert.deepEqual(paramsSkeleton(schema), { q: '', n: 5, mode: 'fast', opts: { deep: false } });
    assert.equal(paramsProblem('{"q": "x"}', schema), undefined);
    assert.match(paramsProblem('{}', schema) ?? '', /^\$\.q is missing: add "q": a string/);
    assert.match(paramsProblem('{"q": "x", "n": "5"}', schema) ?? '', /^\$\.n must be integer: give an integer/);
    assert.match(paramsProblem('{"q": ', schema) ?? '', /^not JSON/);
    assert.match(paramsProblem('[1]', schema) ?? '', /must be a JSON object/);
  });
});
