import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStoredKeys, serverOf, withApiKey, withLlmSettings, withPrices } from './llmSettings.js';

const base = { type: 'apxm', request: 'launch', name: 'x', program: 'a.ais' };
const openai = { provider: 'openai', baseUrl: 'http://127.0.0.1:9/v1', model: 'gpt-4o-mini' };

describe('LLM settings and the stored API key in a launch', () => {
  it('a configuration without llm gets the settings; simulated settings add nothing but a model', { timeout: 5_000 }, () => {
    assert.deepEqual(withLlmSettings(base, openai).llm, openai);
    assert.equal(withLlmSettings(base, { provider: 'simulated', baseUrl: 'http://x/v1' }).llm, undefined);
    assert.deepEqual(withLlmSettings(base, { provider: 'simulated', model: ' gpt-4o ' }).llm, { model: 'gpt-4o' });
    // an empty base URL is left out, so the adapter names the missing field
    assert.deepEqual(withLlmSettings(base, { provider: 'openai', baseUrl: ' ' }).llm, { provider: 'openai' });
  });

  it(
    "a configuration's own llm wins: with a provider it is untouched, without one its fields stay over the settings'",
    { timeout: 5_000 },
    () => {
      const own = { ...base, llm: { provider: 'simulated' } };
      assert.equal(withLlmSettings(own, openai), own);
      const partial = { ...base, llm: { timeoutMs: 1000, model: 'mine' } };
      assert.deepEqual(withLlmSettings(partial, openai).llm, { ...openai, timeoutMs: 1000, model: 'mine' });
      const broken = { ...base, llm: 'openai' };
      assert.equal(withLlmSettings(broken, openai), broken, 'left for the adapter to refuse, naming "llm"');
    },
  );

  it('the stored key goes to an OpenAI launch only, in a copy, never over a key of its own', { timeout: 5_000 }, () => {
    const stored = { 'http://127.0.0.1:9': 'sk-stored' };
    const launch = { ...base, llm: { ...openai } };
    const keyed = withApiKey(launch, stored);
    assert.deepEqual(keyed, { config: { ...base, llm: { ...openai, apiKey: 'sk-stored' } }, ownKey: false });
    assert.equal((launch.llm as Record<string, unknown>).apiKey, undefined, 'the given configuration is not changed');
    assert.deepEqual(withApiKey({ ...base, llm: { provider: 'simulated' } }, stored).config.llm, { provider: 'simulated' });
    assert.equal(withApiKey(base, stored).config, base);
    assert.equal(withApiKey(launch, undefined).config, launch);
    const own = withApiKey({ ...base, llm: { ...openai, apiKey: 'sk-in-launch-json' } }, stored);
    assert.equal(own.ownKey, true);
    assert.equal((own.config.llm as Record<string, unknown>).apiKey, 'sk-in-launch-json');
  });

  it('a key goes only to the server it was set for: another host, port or scheme gets none', { timeout: 5_000 }, () => {
    const stored = { 'https://api.openai.com': 'sk-openai', 'http://127.0.0.1:8000': 'sk-vllm' };
    const key = (baseUrl: unknown) =>
      (withApiKey({ ...base, llm: { provider: 'openai', baseUrl } }, stored).config.llm as Record<string, unknown>).apiKey;
    assert.equal(key('https://api.openai.com/v1'), 'sk-openai');
    assert.equal(key(' http://127.0.0.1:8000/v1 '), 'sk-vllm');
    for (const elsewhere of [
      'https://evil.example/v1',
      'http://api.openai.com/v1',
      'https://api.openai.com:8443/v1',
      'http://127.0.0.1:9000/v1',
    ])
      assert.equal(key(elsewhere), undefined, elsewhere);
    for (const broken of [undefined, '', 'not a url', 'file:///etc/passwd', 42]) assert.equal(key(broken), undefined, String(broken));
    assert.equal(serverOf('https://api.openai.com/v1/'), 'https://api.openai.com');
    // what SecretStorage holds: a JSON object of servers and keys; anything else is no key at all
    assert.deepEqual(parseStoredKeys(JSON.stringify(stored)), stored);
    assert.deepEqual(parseStoredKeys('sk-plain'), {});
    assert.deepEqual(parseStoredKeys('["sk"]'), {});
    assert.deepEqual(parseStoredKeys(JSON.stringify({ 'https://a.example': 7, 'https://b.example': '' })), {});
    assert.deepEqual(parseStoredKeys(undefined), {});
  });

  it(
    "apxm.llm.prices go to every launch, under the launch's own prices; none or a broken llm leave it as it is",
    { timeout: 5_000 },
    () => {
      const mine = { 'my-model': { input: 1, output: 2 } };
      assert.deepEqual(withPrices(base, mine).llm, { prices: mine });
      const own = { ...base, llm: { provider: 'simulated', prices: { 'my-model': { input: 9, output: 9 } } } };
      assert.deepEqual(withPrices(own, { ...mine, 'gpt-4o': { input: 3, output: 4 } }).llm, {
        provider: 'simulated',
        prices: { 'my-model': { input: 9, output: 9 }, 'gpt-4o': { input: 3, output: 4 } },
      });
      assert.equal(withPrices(base, {}), base);
      assert.equal(withPrices(base, undefined), base);
      const broken = { ...base, llm: { prices: 'cheap' } };
      assert.equal(withPrices(broken, mine), broken, 'left for the adapter to refuse, naming "llm.prices"');
    },
  );
});
