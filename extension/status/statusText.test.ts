import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunStatusBody } from '../../debug-adapter/customProtocol.js';
import { statusText } from './statusText.js';

const status = (over: Partial<RunStatusBody> = {}, stats: Partial<RunStatusBody['stats']> = {}): RunStatusBody => ({
  runId: 'r1',
  state: 'running',
  stats: {
    nodesTotal: 12,
    nodesDone: 4,
    nodesFailed: 1,
    nodesSkipped: 2,
    running: 2,
    llmCalls: 3,
    tokens: 1234,
    elapsedMs: 65_400,
    ...stats,
  },
  ...over,
});

describe('the run status bar text', () => {
  it('ops finished (done, failed, skipped) of total, tokens and elapsed, with the state as an icon', { timeout: 5_000 }, () => {
    assert.equal(statusText('trip.ais', status()).text, '$(sync~spin) 7/12 ops · 1,234 tok · 1 m 05 s');
    assert.equal(statusText('t', status({ state: 'succeeded' }, { tokens: 48_250 })).text, '$(pass) 7/12 ops · 48.3k tok · 1 m 05 s');
    assert.equal(statusText('t', status({ state: 'failed' }, { tokens: 2_500_000 })).text, '$(error) 7/12 ops · 2.50M tok · 1 m 05 s');
  });

  it('the cost shows when the run has one above 0; 0 and an unknown cost take no room', { timeout: 5_000 }, () => {
    assert.equal(statusText('t', status({}, { cost: 0.01234 })).text, '$(sync~spin) 7/12 ops · 1,234 tok · $0.0123 · 1 m 05 s');
    assert.equal(statusText('t', status({}, { cost: 12.5 })).text, '$(sync~spin) 7/12 ops · 1,234 tok · $12.50 · 1 m 05 s');
    assert.equal(statusText('t', status({}, { cost: 0 })).text, '$(sync~spin) 7/12 ops · 1,234 tok · 1 m 05 s');
    assert.match(statusText('t', status({}, { cost: 0 })).tooltip, /3 calls, 1,234 tokens, \$0$/m);
    assert.match(statusText('t', status()).tooltip, /3 calls, 1,234 tokens$/m, 'no price: no cost');
  });

  it('the tooltip names the program, where it is stopped, and what a click does', { timeout: 5_000 }, () => {
    const tip = statusText('trip.ais', status({ state: 'paused', stoppedAt: { frameId: 0, nodeId: 3, flow: 'Trip.main' } })).tooltip;
    assert.match(tip, /^APXM trip\.ais: paused at Trip\.main node 3$/m);
    assert.match(tip, /4 done, 1 failed, 2 skipped, 2 running, of 12/);
    assert.match(tip, /3 calls, 1,234 tokens/);
    assert.match(tip, /Click to show the program graph/);
  });

  it('elapsed reads as people read it: ms for a short run (not 0.0 s), then s, then m ss', { timeout: 5_000 }, () => {
    const at = (elapsedMs: number) => statusText('t', status({ state: 'succeeded' }, { elapsedMs }));
    assert.equal(at(12).text, '$(pass) 7/12 ops · 1,234 tok · 12 ms');
    assert.match(at(12).tooltip, /^elapsed: 12 ms$/m);
    assert.equal(at(3_400).text, '$(pass) 7/12 ops · 1,234 tok · 3.4 s');
    assert.equal(at(125_000).text, '$(pass) 7/12 ops · 1,234 tok · 2 m 05 s');
  });
});
