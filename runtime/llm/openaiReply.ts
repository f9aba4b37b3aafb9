/**
 * Reads a 2xx chat-completions response, JSON or an event stream, into an LlmResponse, or throws.
 * A reply counts only when it is complete: a JSON body that parses into a completion with a choice
 * and a finish_reason, or a stream that delivered a choice, a finish_reason and then `[DONE]`.
 * Anything else (cut, empty, HTML, an error object inside) is an ApxmError, never partial text.
 */
import type OpenAI from 'openai';
import { ApxmError } from '../errors.js';
import type { OpenAiErrors, ReplyFailure } from './openaiErrors.js';
import { sseEvents } from './sseEvents.js';
import { estimateTokens } from './simulatedProvider.js';
import type { LlmRequest, LlmResponse, TokenUsage } from './types.js';

export interface ReplyContext {
  errors: OpenAiErrors;
  request: LlmRequest;
  /** The model asked for: the reply's own model name wins when it sends one. */
  model: string;
}

const NO_CHOICES_HINT = 'check that the model name is served by this endpoint';
const FORMAT_HINT = 'the server does not follow the OpenAI chat-completions format';
const NO_FINISH_HINT = `${FORMAT_HINT} (every choice ends with a finish_reason)`;

export async function readCompletion(response: Response, ctx: ReplyContext): Promise<LlmResponse> {
  return completionFromText(response, await response.text(), ctx);
}

export async function readStream(response: Response, ctx: ReplyContext): Promise<LlmResponse> {
  const { errors, request } = ctx;
  const type = mediaType(response);
  // Some servers ignore `stream: true` and answer one JSON completion: that is a whole reply too.
  if (type === 'application/json' || type.endsWith('+json')) {
    const whole = completionFromText(response, await response.text(), ctx);
    if (whole.content) request.onDelta?.(whole.content);
    return whole;
  }
  if (type && type !== 'text/event-stream') {
    const text = await response.text();
    throw errors.badReply(
      `${errors.where()} answered ${response.status} with ${errors.describeBody(response.headers.get('content-type'), text)} instead of an event stream`,
      true,
    );
  }
  let content = '';
  let refusal = '';
  let model = ctx.model;
  let finishReason: string | undefined;
  let usage: OpenAI.CompletionUsage | undefined;
  let sawChoice = false;
  let done = false;
  let events = 0;
  const seen = { bytes: 0, head: '' };
  for await (const event of sseEvents(response.body ?? new ReadableStream(), seen)) {
    events++;
    if (event.data.trim() === '[DONE]') {
      done = true;
      break;
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(event.data);
    } catch {
      if (event.event === 'error') throw errors.inReply({ message: event.data }, response.headers, 'in the stream');
      throw errors.badReply(
        `event ${events} of the stream from ${errors.where()} is not JSON: ${errors.describeBody('text/event-stream', event.data)}`,
        true,
      );
    }
    const failure = failureIn(chunk, event.event);
    if (failure) throw errors.inReply(failure, response.headers, `in the stream after ${content.length} characters`);
    if (!isObject(chunk))
      throw errors.badReply(
        `event ${events} of the stream from ${errors.where()} is not a chat-completion chunk: ${errors.describeBody('text/event-stream', event.data)}`,
        false,
      );
    if (typeof chunk.model === 'string' && chunk.model) model = chunk.model;
    if (isObject(chunk.usage)) usage = chunk.usage as unknown as OpenAI.CompletionUsage;
    // chunks without choices are normal: the usage chunk, Azure's prompt_filter_results
    const choice = firstChoice(chunk.choices);
    if (!choice) continue;
    sawChoice = true;
    const delta = isObject(choice.delta) ? choice.delta.content : undefined;
    const refused = isObject(choice.delta) ? choice.delta.refusal : undefined;
    if (typeof refused === 'string') refusal += refused;
    if (typeof delta === 'string' && delta) {
      content += delta;
      request.onDelta!(delta);
    }
    if (typeof choice.finish_reason === 'string' && choice.finish_reason) finishReason = choice.finish_reason;
  }
  if (!done && events === 0) {
    // nothing that looks like a stream (an empty body, a page without a content type): as without streaming
    throw errors.badReply(
      `${errors.where()} answered ${response.status} with a body that is not an event stream: ${errors.describeBody(response.headers.get('content-type'), seen.head, seen.bytes)}`,
      true,
    );
  }
  if (!done) {
    throw new ApxmError(
      'E_LLM_NETWORK',
      errors.redact(
        `the reply stream from ${errors.where()} ended before [DONE] (${events} events, ${content.length} characters): the reply is incomplete`,
      ),
      {
        retryable: true,
        details: { server: errors.baseUrl },
        hint: 'the server or a proxy closed the stream early; the call is retried',
      },
    );
  }
  if (!sawChoice) throw errors.badReply(`${errors.where()} replied with no choices (streamed)`, false, NO_CHOICES_HINT);
  if (!finishReason)
    throw errors.badReply(
      `${errors.where()} ended its stream without a finish_reason (${content.length} characters)`,
      false,
      NO_FINISH_HINT,
    );
  if (refusal && !content) throw refused(errors, refusal);
  return { content, model, finishReason, usage: usageOf(usage, request, content) };
}

function completionFromText(response: Response, text: string, ctx: ReplyContext): LlmResponse {
  const { errors, request } = ctx;
  const status = response.status;
  const contentType = response.headers.get('content-type');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // an empty or cut body, or a page that is not an API's: a cut may be transient, so it is retried
    throw errors.badReply(
      `${errors.where()} answered ${status} with a body that is not JSON: ${errors.describeBody(contentType, text)}`,
      true,
    );
  }
  const failure = failureIn(body);
  if (failure) throw errors.inReply(failure, response.headers, `in a ${status} reply`);
  if (!isObject(body) || !Array.isArray(body.choices)) {
    throw errors.badReply(
      `${errors.where()} answered ${status} with JSON that is not a chat completion: ${errors.describeBody(contentType, text)}`,
      false,
    );
  }
  const choice = firstChoice(body.choices);
  if (!choice) throw errors.badReply(`${errors.where()} replied with no choices`, false, NO_CHOICES_HINT);
  if (typeof choice.finish_reason !== 'string' || !choice.finish_reason)
    throw errors.badReply(`${errors.where()} replied without a finish_reason`, false, NO_FINISH_HINT);
  const message = isObject(choice.message) ? choice.message : {};
  const content = textOf(message.content);
  if (content === undefined)
    throw errors.badReply(
      `${errors.where()} replied with a message content that is not text: ${errors.describeBody(contentType, JSON.stringify(message.content))}`,
      false,
      FORMAT_HINT,
    );
  if (!content && typeof message.refusal === 'string' && message.refusal) throw refused(errors, message.refusal);
  const model = typeof body.model === 'string' && body.model ? body.model : ctx.model;
  return {
    content,
    model,
    finishReason: choice.finish_reason,
    usage: usageOf(isObject(body.usage) ? (body.usage as unknown as OpenAI.CompletionUsage) : undefined, request, content),
  };
}

/** An error object inside a reply: `{error: ...}`, vLLM's `{object: "error", ...}`, or an `event: error`. */
function failureIn(value: unknown, event?: string): ReplyFailure | undefined {
  if (!isObject(value)) return event === 'error' ? { message: JSON.stringify(value) } : undefined;
  const e = value.error ?? (value.object === 'error' || event === 'error' ? value : undefined);
  if (e === undefined || e === null) return undefined;
  if (typeof e === 'string') return { message: e };
  const fields = isObject(e) ? e : {};
  const message = typeof fields.message === 'string' ? fields.message : JSON.stringify(e);
  const status = [fields.status, fields.code, value.status].find(
    (n): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 400 && n <= 599,
  );
  return { message, status };
}

/** A refusal is the model's answer, not a reply to the prompt: asking again gets the same one. */
function refused(errors: OpenAiErrors, text: string): ApxmError {
  return errors.badReply(
    `${errors.where()} returned no content: the model refused: ${text}`,
    false,
    'rephrase the prompt, or handle the refusal with a "fallback" attribute or a try/catch',
  );
}

/** A message's text: a string, none (null: a reply of tool calls or a refusal), or text parts joined; undefined for anything else. */
function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (Array.isArray(content) && content.every((p) => isObject(p) && typeof p.text === 'string'))
    return content.map((p) => (p as { text: string }).text).join('');
  return undefined;
}

/** Choice 0 (a reply with `n` > 1 is not asked for). */
function firstChoice(choices: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(choices)) return undefined;
  const found = (choices as unknown[]).find((c) => isObject(c) && (c.index === undefined || c.index === 0));
  return isObject(found) ? found : undefined;
}

function usageOf(u: OpenAI.CompletionUsage | undefined, request: LlmRequest, content: string): TokenUsage {
  if (u && Number.isFinite(u.prompt_tokens) && Number.isFinite(u.completion_tokens)) {
    return {
      inputTokens: u.prompt_tokens,
      outputTokens: u.completion_tokens,
      totalTokens: Number.isFinite(u.total_tokens) ? u.total_tokens : u.prompt_tokens + u.completion_tokens,
    };
  }
  const inputTokens = request.messages.reduce((n, m) => n + estimateTokens(m.content), 0);
  const outputTokens = estimateTokens(content);
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
}

function mediaType(response: Response): string {
  return (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
