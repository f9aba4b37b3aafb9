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
  let protocol: string;
  try {
    protocol = new URL(baseUrl).protocol;
  } catch {
    throw new ApxmError('E_LLM_CONFIG', `"${baseUrl}" is not a valid LLM base URL`, {
      hint: 'write it in full, e.g. https://api.openai.com/v1',
    });
  }
  // fetch cannot use any other scheme: file:, data: or ftp: failed only at the first call, retried
  if (protocol !== 'http:' && protocol !== 'https:')
    throw new ApxmError('E_LLM_CONFIG', `"${baseUrl}" is not an http or https URL; an LLM server is reached over HTTP`, {
      hint: 'write it in full, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1',
    });
  return new OpenAiProvider({
    baseUrl,
    model: config.model,
    stream: config.stream,
    headers: config.headers,
    apiKey: config.apiKey ?? env.APXM_LLM_API_KEY ?? env.OPENAI_API_KEY,
  });
}
