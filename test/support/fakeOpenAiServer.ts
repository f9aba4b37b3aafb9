/**
 * A local fake OpenAI-compatible server for tests: POST /v1/chat/completions on 127.0.0.1 with the
 * real wire format (JSON or server-sent-event streaming). Tests queue scripted responses with
 * `script(...)`; every request is recorded (parsed body and headers) for assertions.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

/** One scripted response; each request consumes the next queued step. */
export type FakeStep =
  /** A successful reply. `chunks` fixes how a streamed reply is split (default: word by word). */
  | { reply: string; usage?: FakeUsage; model?: string; chunks?: string[]; finishReason?: string }
  /** Rate limited: `retryAfter` (seconds, sent as Retry-After), `retryAfterMs` (sent as retry-after-ms), `body` replaces the error body. */
  | { status: 429; retryAfter?: number; retryAfterMs?: number; body?: unknown; message?: string }
  /** An HTTP error with an OpenAI error body `{error: {message, type, code}}`. */
  | { status: number; message: string; type?: string; code?: string | null; retryAfter?: number; retryAfterMs?: number }
  /** Reply (default "fake reply") only after a delay; harmless if the client has gone. */
  | { delayMs: number; reply?: string; usage?: FakeUsage }
  /** Never answer (the socket stays open until the client aborts or the server closes). */
  | { hang: true }
  /** A 200 whose JSON body is not valid JSON. */
  | { malformedJson: true };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (the raw text when it is not JSON). */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** performance.now() when the request arrived (lower bounds on retry delays). */
  at: number;
}

export type FakeHandler = (request: RecordedRequest, index: number) => FakeStep | Promise<FakeStep>;

export interface FakeOpenAi {
  /** Base URL for the OpenAI client, e.g. http://127.0.0.1:PORT/v1. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Queues responses; used before the handler (and before the default "fake reply"). */
  script(...steps: FakeStep[]): void;
  /** Resolves once `n` requests have arrived. */
  waitForRequests(n: number): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_USAGE: FakeUsage = { prompt_tokens: 12, completion_tokens: 3 };

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });

const usageOf = (u: FakeUsage) => ({ ...u, total_tokens: u.prompt_tokens + u.completion_tokens });

export async function startFakeOpenAi(handler?: FakeHandler): Promise<FakeOpenAi> {
  const requests: RecordedRequest[] = [];
  const queue: FakeStep[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const waiters: { n: number; resolve: () => void }[] = [];
  let counter = 0;

  const notify = () => {
    for (const w of [...waiters]) {
      if (requests.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };

  const gone = (res: ServerResponse) => res.destroyed || res.writableEnded;

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (gone(res)) return;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const sendError = (res: ServerResponse, status: number, message: string, type: string, code: string | null, headers: Record<string, string> = {}, body?: unknown) =>
    sendJson(res, status, body ?? { error: { message, type, code } }, headers);

  const sendReply = (res: ServerResponse, request: RecordedRequest, content: string, opts: { usage?: FakeUsage; model?: string; chunks?: string[]; finishReason?: string } = {}) => {
    if (gone(res)) return;
    const id = `chatcmpl-fake-${++counter}`;
    const created = Math.floor(Date.now() / 1000);
    const model = opts.model ?? (typeof request.body?.model === 'string' ? request.body.model : 'fake-model');
    const usage = usageOf(opts.usage ?? DEFAULT_USAGE);
    const finish_reason = opts.finishReason ?? 'stop';
    if (request.body?.stream !== true) {
      sendJson(res, 200, {
        id, object: 'chat.completion', created, model,
        choices: [{ index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason }],
        usage,
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`;
    const pieces = opts.chunks ?? (content.match(/\S+\s*|\s+/g) ?? [content]);
    res.write(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]));
    for (const piece of pieces) res.write(chunk([{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }]));
    res.write(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason }]));
    if (request.body?.stream_options?.include_usage === true) res.write(chunk([], { usage }));
    res.end('data: [DONE]\n\n');
  };

  const respond = async (step: FakeStep, request: RecordedRequest, res: ServerResponse): Promise<void> => {
    if ('hang' in step) return;
    if ('malformedJson' in step) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "chatcmpl-broken", "choices": [ {"index": 0, "message": ');
      return;
    }
    if ('delayMs' in step) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, step.delayMs);
        timers.add(t);
      });
      sendReply(res, request, step.reply ?? 'fake reply', { usage: step.usage });
      return;
    }
    if ('status' in step) {
      const headers: Record<string, string> = {};
      if (step.retryAfter !== undefined) headers['retry-after'] = String(step.retryAfter);
      if (step.retryAfterMs !== undefined) headers['retry-after-ms'] = String(step.retryAfterMs);
      if (step.status === 429) {
        const s = step as Extract<FakeStep, { status: 429 }>;
        sendError(res, 429, s.message ?? 'Rate limit reached for requests', 'requests', 'rate_limit_exceeded', headers, s.body);
        return;
      }
      const s = step as Extract<FakeStep, { message: string; type?: string }>;
      const type = s.type ?? (step.status === 401 ? 'invalid_request_error' : step.status >= 500 ? 'server_error' : 'invalid_request_error');
      const code = s.code !== undefined ? s.code : step.status === 401 ? 'invalid_api_key' : null;
      sendError(res, step.status, s.message, type, code, headers);
      return;
    }
    sendReply(res, request, step.reply, step);
  };

  const server = createServer(async (req, res) => {
    // A client that goes away mid-response must never crash the test process.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    try {
      const raw = await readBody(req);
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        /* keep the raw text */
      }
      const path = (req.url ?? '/').split('?')[0];
      const request: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, at: performance.now() };
      if (req.method !== 'POST' || path !== '/v1/chat/completions') {
        sendError(res, 404, `Unknown request URL: ${req.method} ${path}`, 'invalid_request_error', 'unknown_url');
        return;
      }
      const index = requests.length;
      requests.push(request);
      notify();
      const step = queue.shift() ?? (handler ? await handler(request, index) : { reply: 'fake reply' });
      await respond(step, request, res);
    } catch (e) {
      if (!gone(res) && !res.headersSent) sendError(res, 500, `fake server failure: ${(e as Error).message}`, 'server_error', null);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closed = false;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    script: (...steps) => {
      queue.push(...steps);
    },
    waitForRequests: (n) =>
      new Promise<void>((resolve) => {
        waiters.push({ n, resolve });
        notify();
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
