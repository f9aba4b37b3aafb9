import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApxmError } from '../errors.js';
import { LlmClient } from './llmClient.js';
import { llmTimeoutFlag, llmTimeouts, llmTimeoutsFromConfigFile, MAX_LLM_TIMEOUT_MS } from './llmTimeouts.js';
import { SimulatedProvider } from './simulatedProvider.js';
import { LLM_TIMEOUT_BY_LATENCY } from './types.js';

const fails = (code: string, message: RegExp, jsonPath?: string) => (e: ApxmError) => {
  assert.equal(e.code, code);
  assert.match(e.message, message);
  if (jsonPath) assert.equal(e.place?.jsonPath, jsonPath);
  assert.match(e.hint ?? '', /--llm-timeout|timeoutMs/);
  return true;
};

describe('LLM timeout setting', () => {
  it('one number sets every latency class; an object sets some, the others keep their defaults', () => {
    assert.deepEqual(llmTimeouts(undefined), LLM_TIMEOUT_BY_LATENCY);
    assert.deepEqual(llmTimeouts(5000), { None: 5000, Low: 5000, Medium: 5000, High: 5000 });
    assert.deepEqual(llmTimeouts({ High: 600_000 }), { ...LLM_TIMEOUT_BY_LATENCY, High: 600_000 });
    assert.equal(new LlmClient(new SimulatedProvider(), { timeouts: 1234 }).timeoutFor('High'), 1234);
  });

  it('refuses what is not a whole number of ms from 1 to 24 h, naming the setting', () => {
    for (const bad of [0, -1, 1.5, NaN, MAX_LLM_TIMEOUT_MS + 1, 2 ** 31, '100', null, true, [100]]) {
      assert.throws(
        () => llmTimeouts(bad),
        fails('E_LLM_CONFIG', /llm\.timeoutMs must be a whole number of milliseconds from 1 to 86400000/),
        `${String(bad)}`,
      );
    }
    assert.throws(
      () => llmTimeouts({ Low: 10, Slow: 5 }),
      fails('E_LLM_CONFIG', /llm\.timeoutMs\.Slow is not a latency class: use None, Low, Medium, High/),
    );
    assert.throws(() => llmTimeouts({ High: 0 }), fails('E_LLM_CONFIG', /llm\.timeoutMs\.High must be/));
    assert.throws(() => new LlmClient(new SimulatedProvider(), { timeouts: -3 }), fails('E_LLM_CONFIG', /got -3/));
  });

  it('--llm-timeout takes digits only', () => {
    assert.equal(llmTimeoutFlag('120000'), 120_000);
    for (const bad of ['', 'abc', '0', '-5', '1e3', '10.5', '100ms', '86400001']) {
      assert.throws(() => llmTimeoutFlag(bad), fails('E_OPTION', /--llm-timeout must be a whole number of milliseconds/), bad);
    }
  });

  it('apxm.config.json: "llm" takes only timeoutMs; errors name the file and the JSON path', () => {
    const file = '/w/apxm.config.json';
    assert.equal(llmTimeoutsFromConfigFile(undefined, file), undefined);
    assert.equal(llmTimeoutsFromConfigFile({}, file), undefined);
    assert.equal(llmTimeoutsFromConfigFile({ timeoutMs: 9000 }, file), 9000);
    assert.deepEqual(llmTimeoutsFromConfigFile({ timeoutMs: { Medium: 9000 } }, file), { Medium: 9000 });
    const at = (jsonPath: string) => (e: ApxmError) => e.code === 'E_LLM_CONFIG' && e.place?.file === file && e.place.jsonPath === jsonPath;
    assert.throws(() => llmTimeoutsFromConfigFile({ timeoutMs: '30s' }, file), at('$.llm.timeoutMs'));
    assert.throws(() => llmTimeoutsFromConfigFile({ timeoutMs: { Low: 0 } }, file), at('$.llm.timeoutMs.Low'));
    assert.throws(() => llmTimeoutsFromConfigFile({ timeout: 5000 }, file), at('$.llm.timeout'));
    assert.throws(() => llmTimeoutsFromConfigFile(30000, file), at('$.llm'));
  });
});
