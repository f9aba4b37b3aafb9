import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asApxmError } from '../errors.js';
import { formatCost } from './costText.js';
import { BUILTIN_PRICES, callCost, checkPriceTable, llmPricesFromConfigFile, priceOf, priceTable, PRICES_AS_OF } from './prices.js';

const usage = (inputTokens: number, outputTokens: number) => ({ inputTokens, outputTokens, totalTokens: inputTokens + outputTokens });

describe('LLM prices and the cost of a call', () => {
  it('the built-in table is dated and prices the common models per 1M tokens', { timeout: 5_000 }, () => {
    assert.match(PRICES_AS_OF, /^\d{4}-\d{2}$/);
    assert.deepEqual(BUILTIN_PRICES['gpt-4o'], { input: 2.5, output: 10 });
    assert.deepEqual(BUILTIN_PRICES['gpt-4o-mini'], { input: 0.15, output: 0.6 });
    for (const m of ['gpt-4.1', 'gpt-4.1-mini', 'o3-mini', 'claude-3-5-sonnet']) assert.ok(BUILTIN_PRICES[m], m);
    assert.deepEqual(BUILTIN_PRICES.llama3, { input: 0, output: 0 });
  });

  it("a dated snapshot or tag of a model has the model's price; another model with the same start has none", { timeout: 5_000 }, () => {
    const t = priceTable();
    assert.equal(priceOf('gpt-4o-2024-08-06', t), t['gpt-4o']);
    assert.equal(priceOf('gpt-4o-mini-2024-07-18', t), t['gpt-4o-mini']);
    assert.equal(priceOf('claude-3-5-sonnet-20241022', t), t['claude-3-5-sonnet']);
    assert.equal(priceOf('claude-3-5-sonnet-latest', t), t['claude-3-5-sonnet']);
    assert.equal(priceOf('llama3:8b', t), t.llama3);
    for (const other of ['gpt-4o-audio-preview', 'gpt-4', 'gpt-4o-minix', 'my-model', 'toString', '__proto__', 'constructor'])
      assert.equal(priceOf(other, t), undefined, other);
  });

  it('cost = input tokens × input price + output tokens × output price, per 1M', { timeout: 5_000 }, () => {
    const t = priceTable();
    assert.equal(callCost('gpt-4o', usage(1_000_000, 0), false, t), 2.5);
    assert.equal(callCost('gpt-4o', usage(0, 1_000_000), false, t), 10);
    assert.ok(Math.abs(callCost('gpt-4o-mini', usage(1200, 300), false, t)! - (1200 * 0.15 + 300 * 0.6) / 1e6) < 1e-15);
    assert.equal(callCost('llama3', usage(5000, 5000), false, t), 0);
  });

  it('an unknown model has no cost; a simulated reply costs 0 unless its model has a price', { timeout: 5_000 }, () => {
    const t = priceTable();
    assert.equal(callCost('my-model', usage(100, 100), false, t), undefined);
    assert.equal(callCost('apxm-simulated-1', usage(100, 100), true, t), 0);
    assert.equal(callCost('my-model', usage(100, 100), true, t), 0);
    assert.equal(callCost('gpt-4o', usage(1_000_000, 0), true, t), 2.5);
  });

  it('overrides take precedence over the built-in table and price models it lacks', { timeout: 5_000 }, () => {
    const t = priceTable({ 'gpt-4o': { input: 1, output: 2 }, 'my-model': { input: 3, output: 4 } });
    assert.equal(callCost('gpt-4o', usage(1_000_000, 1_000_000), false, t), 3);
    assert.equal(callCost('my-model', usage(1_000_000, 0), false, t), 3);
    assert.deepEqual(t['o3-mini'], BUILTIN_PRICES['o3-mini']);
  });

  it('a bad price table is refused naming the JSON path, the file and the fix', { timeout: 5_000 }, () => {
    const refused = (v: unknown) => {
      try {
        checkPriceTable(v, 'llm.prices', { file: '/w/apxm.config.json' });
      } catch (e) {
        return asApxmError(e);
      }
      assert.fail('accepted');
    };
    const e = refused({ 'gpt-4o': { input: -1, output: 2 } });
    assert.equal(e.code, 'E_LLM_CONFIG');
    assert.equal(e.place?.jsonPath, 'llm.prices["gpt-4o"].input');
    assert.equal(e.place?.file, '/w/apxm.config.json');
    assert.match(e.message, /must be a number ≥ 0/);
    assert.match(e.hint ?? '', /per 1M tokens/);
    assert.equal(refused({ m: { input: 1 } }).place?.jsonPath, 'llm.prices["m"].output');
    assert.equal(refused({ m: { input: 1, output: 1, cached: 1 } }).place?.jsonPath, 'llm.prices["m"].cached');
    assert.equal(refused({ m: 3 }).place?.jsonPath, 'llm.prices["m"]');
    assert.equal(refused([]).place?.jsonPath, 'llm.prices');
    assert.equal(refused({ m: { input: '1', output: 1 } }).place?.jsonPath, 'llm.prices["m"].input');
    assert.deepEqual(checkPriceTable({ m: { input: 0, output: 1.5 } }, 'x'), { m: { input: 0, output: 1.5 } });
  });

  it("apxm.config.json's llm.prices is read and checked; without it there are none", { timeout: 5_000 }, () => {
    assert.equal(llmPricesFromConfigFile(undefined, 'f'), undefined);
    assert.equal(llmPricesFromConfigFile({ timeoutMs: 5 }, 'f'), undefined);
    assert.deepEqual(llmPricesFromConfigFile({ prices: { m: { input: 1, output: 2 } } }, 'f'), { m: { input: 1, output: 2 } });
    assert.throws(() => llmPricesFromConfigFile({ prices: { m: { input: 1, output: null } } }, 'f'), /\$\.llm\.prices\["m"\]\.output/);
  });

  it('a cost reads with enough digits for one call, and 0 as $0', { timeout: 5_000 }, () => {
    assert.deepEqual([0, 0.00001, 0.00042, 0.0123, 1, 12.345].map(formatCost), ['$0', '<$0.0001', '$0.0004', '$0.0123', '$1.00', '$12.35']);
  });
});
