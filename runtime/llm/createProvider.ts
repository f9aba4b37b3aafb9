/** Builds the LLM provider a config asks for: the simulated one unless a base URL is given. */
import { ApxmError } from '../errors.js';
import { OpenAiProvider } from './openaiProvider.js';
import { SimulatedProvider } from './simulatedProvider.js';
import type { LlmConfig, LlmProvider } from './types.js';

export function createProvider(config: LlmConfig, env: NodeJS.ProcessEnv = process.env): LlmProvider {
  const choice = config.provider ?? (config.baseUrl ? 'openai' : 'simulated');
  if (choice === 'simulated') return new SimulatedProvider({ latency: config.simulatedLatencyMs, model: config.model });
  const baseUrl = config.baseUrl ?? (/^https?:\/\//.test(choice) ? choice : undefined);
  if (!baseUrl) {
    throw new ApxmError('E_LLM_CONFIG', `LLM provider "${choice}" needs a base URL`, {
      hint: 'use --llm simulated, or --llm http://127.0.0.1:11434/v1 (any OpenAI-compatible server)',
    });
  }
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ApxmError('E_LLM_CONFIG', `"${withoutUserinfo(baseUrl)}" is not a valid LLM base URL`, {
      hint: 'write it in full, e.g. https://api.openai.com/v1',
    });
  }
  // fetch cannot use any other scheme: file:, data: or ftp: failed only at the first call, retried
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ApxmError('E_LLM_CONFIG', `"${withoutUserinfo(baseUrl)}" is not an http or https URL; an LLM server is reached over HTTP`, {
      hint: 'write it in full, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1',
    });
  // fetch refuses such a URL at every call, and each refusal quoted the password in the error
  if (url.username || url.password)
    throw new ApxmError(
      'E_LLM_CONFIG',
      `the LLM base URL "${url.protocol}//…@${url.host}${url.pathname}" has a user name or password in it`,
      {
        hint: 'pass the key in APXM_LLM_API_KEY (or OPENAI_API_KEY)',
      },
    );
  // the SDK appends its paths after a query (…/v1?key=…/chat/completions), so no call could work,
  // and every error would quote a key written there
  if (url.search || url.hash)
    throw new ApxmError('E_LLM_CONFIG', `the LLM base URL ${url.origin}${url.pathname} has a query or fragment after it (not shown)`, {
      hint: 'give the URL up to its path (e.g. https://api.openai.com/v1) and the key in APXM_LLM_API_KEY (or OPENAI_API_KEY)',
    });
  return new OpenAiProvider({
    baseUrl,
    model: config.model,
    stream: config.stream,
    headers: config.headers,
    apiKey: config.apiKey ?? env.APXM_LLM_API_KEY ?? env.OPENAI_API_KEY,
  });
}

/** The URL text with any `user:password@` replaced, so an error never shows a password. */
function withoutUserinfo(text: string): string {
  return text.replace(/\/\/[^/?#]*@/, '//…@');
}
