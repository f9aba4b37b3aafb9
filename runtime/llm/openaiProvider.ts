/**
 * Any OpenAI-compatible chat-completions server (OpenAI, Ollama, vLLM, llama.cpp) through the
 * `openai` package. One HTTP request per attempt: the SDK's retries are off because LlmClient is
 * the single retry layer; this adapter only classifies errors (transient or not, Retry-After).
 * The SDK sends the request and reports non-2xx statuses; the body of a 2xx reply is read here
 * (openaiReply.ts) so that a cut, empty or foreign reply is an error, never a partial answer.
 * The API key never appears in an error message, event or trace.
 */
import { signalOf } from '../cancellation.js';
import OpenAI from 'openai';
import type { ApxmError } from '../errors.js';
import { OpenAiErrors, type RawBody } from './openaiErrors.js';
import { readCompletion, readStream } from './openaiReply.js';
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
  private readonly errors: OpenAiErrors;
  /** Non-2xx bodies by their response's Headers, which the SDK's APIError keeps (it keeps only a JSON error's message). */
  private readonly rawBodies = new WeakMap<Headers, RawBody>();

  constructor(private readonly options: OpenAiProviderOptions) {
    this.defaultModel = options.model ?? 'gpt-4o-mini';
    this.errors = new OpenAiErrors(options.baseUrl, options.apiKey);
    this.client = new OpenAI({
      apiKey: options.apiKey || 'no-key',
      baseURL: options.baseUrl,
      maxRetries: 0,
      // LlmClient's per-attempt timeout bounds the call; the SDK's (which stops at the headers) stays out of the way
      timeout: 24 * 3600_000,
      defaultHeaders: options.headers,
      fetch: (url, init) => this.fetchKeepingErrorBodies(url, init),
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
    const streaming = this.options.stream !== false && request.onDelta !== undefined;
    // the SDK takes an AbortSignal: made here, per request, from the attempt's cancellation
    const link = request.cancel ? signalOf(request.cancel) : undefined;
    const signal = link?.signal ?? request.signal;
    try {
      const params: OpenAI.ChatCompletionCreateParams = streaming
        ? { ...body, stream: true, stream_options: { include_usage: true } }
        : { ...body, stream: false };
      const response = await this.client.chat.completions.create(params, { signal }).asResponse();
      const ctx = { errors: this.errors, request, model };
      return streaming ? await readStream(response, ctx) : await readCompletion(response, ctx);
    } catch (e) {
      throw this.mapError(e, signal);
    } finally {
      link?.release();
    }
  }

  /** Classifies whatever a request threw: retryable or not, with the server's own message and Retry-After. */
  mapError(e: unknown, signal?: AbortSignal): ApxmError {
    return this.errors.fromThrown(e, signal, (headers) => this.rawBodies.get(headers));
  }

  /** The SDK's fetch, except that a non-2xx body is read here and kept, so an HTML error page can be quoted. */
  private async fetchKeepingErrorBodies(url: string | URL | Request, init?: RequestInit): Promise<Response> {
    const response = await fetch(url, init);
    if (response.ok) return response;
    let text: string;
    try {
      text = await response.text();
    } catch (e) {
      if (init?.signal?.aborted) throw e;
      text = `(the body could not be read: ${(e as Error).message})`;
    }
    const raw = { contentType: response.headers.get('content-type'), text };
    let copy: Response;
    try {
      copy = new Response(text || null, { status: response.status, statusText: response.statusText, headers: response.headers });
    } catch {
      // a status a Response cannot be made with (600-999): the SDK gets the original, whose body is read
      this.rawBodies.set(response.headers, raw);
      return response;
    }
    this.rawBodies.set(copy.headers, raw);
    return copy;
  }
}
