/**
 * How the OpenAI-compatible adapter names a failure: an ApxmError with the server, the status, and
 * for a body that is not what was expected its content type and first characters. The API key is
 * removed from everything quoted.
 */
import OpenAI from 'openai';
import { ApxmError } from '../errors.js';
import { parseRetryAfter } from './retry.js';

/** Characters of an unexpected body quoted in an error. */
const PREVIEW_CHARS = 160;

const BASE_URL_HINT =
  "check that the base URL points at an OpenAI-compatible API (it usually ends in /v1), not a web page or a proxy's error page";

/** An error object a server put inside a 200 reply or an event stream. */
export interface ReplyFailure {
  message: string;
  /** An HTTP status the server gave with it (vLLM and llama.cpp send one as `code`). */
  status?: number;
}

export class OpenAiErrors {
  constructor(
    readonly baseUrl: string,
    private readonly secret?: string,
  ) {}

  where(): string {
    return `the LLM server at ${this.baseUrl}`;
  }

  redact(text: string): string {
    return this.secret ? text.split(this.secret).join('***') : text;
  }

  /** `text/html, 1234 bytes: "<html>…"`, or `an empty body`. */
  describeBody(contentType: string | null | undefined, text: string, bytes = Buffer.byteLength(text)): string {
    if (!text.trim()) return `an empty body (${contentType || 'no content type'})`;
    const flat = this.redact(text).replace(/\s+/g, ' ').trim();
    const shown = flat.length > PREVIEW_CHARS ? `${flat.slice(0, PREVIEW_CHARS)}…` : flat;
    return `${contentType || 'no content type'}, ${bytes} bytes: ${JSON.stringify(shown)}`;
  }

  /** A reply that arrived whole but is not a usable chat completion. */
  badReply(message: string, retryable: boolean, hint = BASE_URL_HINT): ApxmError {
    return new ApxmError('E_LLM_BAD_REPLY', this.redact(message), { retryable, hint, details: { server: this.baseUrl } });
  }

  /**
   * An HTTP failure by status: 429 rate limited, 401/403 auth, 5xx/408/409 retried, the rest not.
   * `said` replaces "answered <status>" when the status came from somewhere else.
   */
  http(status: number, what: string, retryAfterMs?: number, said = `answered ${status}`): ApxmError {
    const details = { status, server: this.baseUrl };
    const text = this.redact(what);
    if (status === 429) {
      return new ApxmError('E_LLM_RATE_LIMITED', `${this.where()} is rate limiting (429): ${text}`, {
        retryable: true,
        retryAfterMs,
        details,
        hint: 'wait, lower schedulerConfig.maxParallelism, or raise your rate limit',
      });
    }
    if (status === 401 || status === 403) {
      return new ApxmError('E_LLM_AUTH', `${this.where()} refused the credentials (${status}): ${text}`, {
        details,
        hint: 'give a valid key for this server: "APXM: Set API Key" in VS Code, else APXM_LLM_API_KEY or OPENAI_API_KEY',
      });
    }
    const transient = status >= 500 || status === 408 || status === 409;
    return new ApxmError('E_LLM_HTTP', `${this.where()} ${said}: ${text}`, {
      retryable: transient,
      retryAfterMs,
      details,
      hint:
        status === 404
          ? 'check the base URL (it usually ends in /v1) and the model name'
          : transient
            ? 'the server failed; the call is retried'
            : 'the request was rejected; check the model name and attributes',
    });
  }

  /**
   * An error the server reported inside a 200 reply (a JSON body, or an event mid-stream): it had
   * accepted the request and then failed, so without a status of its own it counts as a 500.
   */
  inReply(failure: ReplyFailure, headers: Headers, where: string): ApxmError {
    const status = failure.status ?? 500;
    return this.http(
      status,
      failure.message,
      retryAfterOf(headers),
      `reported an error ${where}${failure.status ? ` (status ${status})` : ''}`,
    );
  }

  /**
   * Maps whatever a request threw. `rawBody` gives the text of a non-2xx body the SDK could not keep
   * (it keeps only an OpenAI-shaped JSON error). After an abort the abort's reason wins: the
   * attempt's timeout, or E_CANCELLED.
   */
  fromThrown(e: unknown, signal: AbortSignal | undefined, rawBody: (headers: Headers) => RawBody | undefined): ApxmError {
    if (e instanceof ApxmError) return e;
    if (signal?.aborted)
      return signal.reason instanceof ApxmError ? signal.reason : new ApxmError('E_CANCELLED', 'the LLM call was cancelled', { cause: e });
    if (e instanceof OpenAI.APIUserAbortError) return new ApxmError('E_CANCELLED', 'the LLM call was cancelled', { cause: e });
    if (e instanceof OpenAI.APIConnectionError) {
      return new ApxmError('E_LLM_NETWORK', this.redact(`cannot reach ${this.where()}: ${causeText(e.cause ?? e)}`), {
        retryable: true,
        hint: 'check --llm / apxm.llm.baseUrl and that the server is running',
      });
    }
    if (e instanceof OpenAI.APIError) {
      const status = (e.status as number | undefined) ?? 500;
      const headers = e.headers as Headers | undefined;
      const raw = headers ? rawBody(headers) : undefined;
      const shaped = e.error as { message?: unknown } | undefined;
      const what = typeof shaped?.message === 'string' ? shaped.message : raw ? this.describeBody(raw.contentType, raw.text) : e.message;
      return this.http(status, what, headers ? retryAfterOf(headers) : undefined);
    }
    // undici reports a socket that broke while the body was read as TypeError('terminated') with the cause
    return new ApxmError('E_LLM_NETWORK', this.redact(`the connection to ${this.where()} failed: ${causeText(e)}`), {
      retryable: true,
      cause: e,
      hint: 'the server or a proxy dropped the connection; the call is retried',
    });
  }
}

export interface RawBody {
  contentType: string | null;
  text: string;
}

function retryAfterOf(headers: Headers): number | undefined {
  return parseRetryAfter(headers.get('retry-after'), headers.get('retry-after-ms'));
}

/** The messages down an error's cause chain: "terminated: other side closed (UND_ERR_SOCKET)". */
function causeText(e: unknown): string {
  const parts: string[] = [];
  let c = e as { message?: unknown; code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; c && depth < 5; depth++, c = c.cause as typeof c) {
    const message = typeof c.message === 'string' ? c.message : typeof c === 'object' ? '' : String(c);
    if (message && !parts.includes(message)) parts.push(message);
    if (typeof c.code === 'string' && !parts.some((p) => p.includes(c!.code as string))) parts.push(`(${c.code})`);
  }
  return parts.join(': ').replace(/: \(/g, ' (') || String(e);
}
