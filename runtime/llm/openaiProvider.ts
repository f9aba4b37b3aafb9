/**
 * Any OpenAI-compatible chat-completions server (OpenAI, Ollama, vLLM, llama.cpp) through the
 * `openai` package. One HTTP request per attempt: the SDK's retries are off because LlmClient is
 * the single retry layer; this adapter only classifies errors (transient or not, Retry-After).
 * The API key never appears in an error message, event or trace.
 */
import { signalOf } from '../cancellation.js';
import OpenAI from 'openai';
import { ApxmError } from '../errors.js';
import { parseRetryAfter } from './retry.js';
import { estimateTokens } from './simulatedProvider.js';
import type { LlmProvider, LlmRequest, LlmResponse } from './types.js';

export interface OpenAiProviderOptions {
  baseUrl: string;
  model?: string;
  apiKey?: string;
  stream?: boolean;
  headers?: Record<string, string>;
}

/** THINK `budget` (tokens) → `reasoning_effort`, only for models that accept it. */
function reasoningEffort(model: string, budget: number | undefined): 'low' | 'medium' | 'high' | undefined {
  if (budget === undefined || !/^(o\d|gpt-5)/.test(model)) return undefined;
  return budget < 2048 ? 'low' : budget < 16384 ? 'medium' : 'high';
}

export class OpenAiProvider implements LlmProvider {
  readonly name = 'openai';
  readonly defaultModel: string;
  private readonly client: OpenAI;
  private readonly secret?: string;

  constructor(private readonly options: OpenAiProviderOptions) {
    this.defaultModel = options.model ?? 'gpt-4o-mini';
    this.secret = options.apiKey;
    this.client = new OpenAI({
      apiKey: options.apiKey || 'no-key',
      baseURL: options.baseUrl,
      maxRetries: 0,
      timeout: 24 * 3600_000,
      defaultHeaders: options.headers,
    });
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  async complete(request: LlmRequest): Promise<LlmResponse> {
    const model = request.model ?? this.defaultModel;
    const body = {
      model,
      messages: request.messages,
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
      ...(request.json ? { response_format: { type: 'json_object' as const } } : {}),
      ...(reasoningEffort(model, request.reasoningBudget) ? { reasoning_effort: reasoningEffort(model, request.reasoningBudget) } : {}),
    };
    // the SDK takes an AbortSignal: made here, per request, from the attempt's cancellation
    const link = request.cancel ? signalOf(request.cancel) : undefined;
    const signal = link?.signal ?? request.signal;
    try {
      if (this.options.stream !== false && request.onDelta) return await this.streamed(body, request, signal);
      const r = await this.client.chat.completions.create({ ...body, stream: false }, { signal });
      const choice = r.choices[0];
      if (!choice) throw new ApxmError('E_LLM_BAD_REPLY', `${this.where()} replied with no choices`, { hint: 'check that the model name is served by this endpoint' });
      const content = choice.message?.content ?? '';
      return {
        content, model: r.model || model, finishReason: choice.finish_reason ?? 'stop',
        usage: this.usage(r.usage, request, content),
      };
    } catch (e) {
      throw this.mapError(e);
    } finally {
      link?.release();
    }
  }

  private async streamed(body: Record<string, unknown> & { model: string }, request: LlmRequest, signal: AbortSignal | undefined): Promise<LlmResponse> {
    const stream = await this.client.chat.completions.create(
      { ...(body as unknown as OpenAI.ChatCompletionCreateParamsStreaming), stream: true, stream_options: { include_usage: true } },
      { signal },
    );
    let content = '';
    let finishReason = 'stop';
    let model = body.model;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      if (chunk.model) model = chunk.model;
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      const delta = choice?.delta?.content;
      if (delta) {
        content += delta;
        request.onDelta!(delta);
      }
      if (choice?.finish_reason) finishReason = choice.finish_reason;
    }
    return { content, model, finishReason, usage: this.usage(usage, request, content) };
  }

  private usage(u: OpenAI.CompletionUsage | undefined | null, request: LlmRequest, content: string) {
    if (u) return { inputTokens: u.prompt_tokens, outputTokens: u.completion_tokens, totalTokens: u.total_tokens };
    const inputTokens = request.messages.reduce((n, m) => n + estimateTokens(m.content), 0);
    const outputTokens = estimateTokens(content);
    return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  }

  private where(): string {
    return `the LLM server at ${this.options.baseUrl}`;
  }

  private redact(text: string): string {
    return this.secret ? text.split(this.secret).join('***') : text;
  }

  /** Classifies an SDK error: retryable or not, with the server's own message and Retry-After. */
  mapError(e: unknown): ApxmError {
    if (e instanceof ApxmError) return e;
    if (e instanceof OpenAI.APIUserAbortError) return new ApxmError('E_CANCELLED', 'the LLM call was cancelled', { cause: e });
    if (e instanceof OpenAI.APIConnectionError) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      return new ApxmError('E_LLM_NETWORK', this.redact(`cannot reach ${this.where()}: ${cause?.code ?? cause?.message ?? e.message}`), {
        retryable: true, hint: 'check --llm / apxm.llm.baseUrl and that the server is running',
      });
    }
    if (e instanceof OpenAI.APIError) {
      const status = e.status ?? 0;
      const serverMessage = this.redact(((e.error as { message?: string } | undefined)?.message ?? e.message ?? '').toString());
      const headers = e.headers as Headers | undefined;
      const retryAfterMs = parseRetryAfter(headers?.get?.('retry-after'), headers?.get?.('retry-after-ms'));
      const details = { status, server: this.options.baseUrl };
      if (status === 429) {
        return new ApxmError('E_LLM_RATE_LIMITED', `${this.where()} is rate limiting (429): ${serverMessage}`, {
          retryable: true, retryAfterMs, details, hint: 'wait, lower schedulerConfig.maxParallelism, or raise your rate limit',
        });
      }
      if (status === 401 || status === 403) {
        return new ApxmError('E_LLM_AUTH', `${this.where()} refused the credentials (${status}): ${serverMessage}`, {
          details, hint: 'set OPENAI_API_KEY (or APXM_LLM_API_KEY) to a valid key for this server',
        });
      }
      const transient = status >= 500 || status === 408 || status === 409;
      return new ApxmError('E_LLM_HTTP', `${this.where()} answered ${status}: ${serverMessage}`, {
        retryable: transient, retryAfterMs, details,
        hint: status === 404 ? 'check the base URL (it usually ends in /v1) and the model name' : transient ? 'the server failed; the call is retried' : 'the request was rejected; check the model name and attributes',
      });
    }
    if (e instanceof SyntaxError) {
      // The server answered, but its body is not JSON (truncated, or not an OpenAI-compatible API): not a network failure.
      return new ApxmError('E_LLM_BAD_REPLY', this.redact(`${this.where()} sent a response that is not valid JSON: ${e.message}`), {
        retryable: true, cause: e, hint: 'check that the base URL points at an OpenAI-compatible API (it usually ends in /v1)',
      });
    }
    const err = e as Error;
    return new ApxmError('E_LLM_NETWORK', this.redact(`LLM request to ${this.options.baseUrl} failed: ${err?.message ?? String(e)}`), { retryable: true, cause: e });
  }
}
