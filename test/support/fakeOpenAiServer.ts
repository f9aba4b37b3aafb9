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

/**
 * How a reply's transport fails part-way: after `after` pieces (a streamed reply: content chunks,
 * default 1; a JSON reply: bytes, default half the body), `stall` keeps the socket open and silent,
 * `close` ends the response cleanly without the rest (a stream without `[DONE]`), `reset` destroys the socket.
 */
export interface FakeInterrupt {
  after?: number;
  then: 'stall' | 'close' | 'reset';
}

/** One scripted response; each request consumes the next queued step. */
export type FakeStep =
  /**
   * A successful reply. `chunks` fixes how a streamed reply is split (default: word by word);
   * `finishReason: null` sends none; `interrupt` cuts it.
   */
  | { reply: string; usage?: FakeUsage; model?: string; chunks?: string[]; finishReason?: string | null; interrupt?: FakeInterrupt }
  /** Rate limited: `retryAfter` (seconds, sent as Retry-After), `retryAfterMs` (sent as retry-after-ms), `body` replaces the error body. */
  | { status: 429; retryAfter?: number; retryAfterMs?: number; body?: unknown; message?: string }
  /** An HTTP error with an OpenAI error body `{error: {message, type, code}}`. */
  | { status: number; message: string; type?: string; code?: string | null; retryAfter?: number; retryAfterMs?: number }
  /** Reply (default "fake reply") only after a delay; harmless if the client has gone. */
  | { delayMs: number; reply?: string; usage?: FakeUsage }
  /** Never answer (the socket stays open until the client aborts or the server closes). */
  | { hang: true }
  /** A 200 whose JSON body is not valid JSON. */
  | { malformedJson: true }
  /** Any status (default 200), content type (null: none) and body, sent as is: an HTML page from a proxy, an empty 200... */
  | { raw: string; status?: number; contentType?: string | null; headers?: Record<string, string> }
  /**
   * A 200 event stream of exactly these events, then the end of the response: an object is sent as
   * `data: <its JSON>`, a string as written (`'data: [DONE]\n\n'` ends a stream properly).
   */
  | { events: (object | string)[] };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (the raw text when it is not JSON). */
  body: any;
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
  /** Forgets queued steps and recorded requests (a test that failed may leave steps behind). */
  reset(): void;
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

  const sendError = (
    res: ServerResponse,
    status: number,
    message: string,
    type: string,
    code: string | null,
    headers: Record<string, string> = {},
    body?: unknown,
  ) => sendJson(res, status, body ?? { error: { message, type, code } }, headers);

  /** Writes `pieces` in order; with an interrupt, only the first `cut` of them, then stalls, ends or resets. */
  const writeCut = (res: ServerResponse, pieces: string[], cut: number | undefined, interrupt: FakeInterrupt | undefined) => {
    const n = interrupt ? Math.min(cut ?? pieces.length, pieces.length) : pieces.length;
    for (let i = 0; i < n; i++) res.write(pieces[i]);
    if (!interrupt) res.end();
    else if (interrupt.then === 'close') res.end();
    else if (interrupt.then === 'reset') res.socket?.resetAndDestroy();
    // 'stall': nothing more is written; the socket stays open until the client gives up or the server closes
  };

  const sendReply = (
    res: ServerResponse,
    request: RecordedRequest,
    content: string,
    opts: { usage?: FakeUsage; model?: string; chunks?: string[]; finishReason?: string | null; interrupt?: FakeInterrupt } = {},
  ) => {
    if (gone(res)) return;
    const id = `chatcmpl-fake-${++counter}`;
    const created = Math.floor(Date.now() / 1000);
    const model = opts.model ?? (typeof request.body?.model === 'string' ? request.body.model : 'fake-model');
    const usage = usageOf(opts.usage ?? DEFAULT_USAGE);
    const finish_reason = opts.finishReason === undefined ? 'stop' : opts.finishReason;
    const interrupt = opts.interrupt;
    if (request.body?.stream !== true) {
      const body = JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason }],
        usage,
      });
      if (!interrupt) {
        sendJson(res, 200, JSON.parse(body));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      const at = interrupt.after ?? Math.floor(body.length / 2);
      writeCut(res, [body.slice(0, at), body.slice(at)], 1, interrupt);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`;
    const pieces = opts.chunks ?? content.match(/\S+\s*|\s+/g) ?? [content];
    const writes = [chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }])];
    for (const piece of pieces) writes.push(chunk([{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }]));
    writes.push(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason }]));
    if (request.body?.stream_options?.include_usage === true) writes.push(chunk([], { usage }));
    writes.push('data: [DONE]\n\n');
    // the role chunk, then `after` content chunks
    writeCut(res, writes, 1 + (interrupt?.after ?? 1), interrupt);
  };

  const respond = async (step: FakeStep, request: RecordedRequest, res: ServerResponse): Promise<void> => {
    if ('hang' in step) return;
    if ('malformedJson' in step) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "chatcmpl-broken", "choices": [ {"index": 0, "message": ');
      return;
    }
    if ('raw' in step) {
      const headers: Record<string, string> = { ...step.headers };
      if (step.contentType !== null) headers['content-type'] = step.contentType ?? 'text/html';
      res.writeHead(step.status ?? 200, headers);
      res.end(step.raw);
      return;
    }
    if ('events' in step) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const e of step.events) res.write(typeof e === 'string' ? e : `data: ${JSON.stringify(e)}\n\n`);
      res.end();
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
      const type =
        s.type ?? (step.status === 401 ? 'invalid_request_error' : step.status >= 500 ? 'server_error' : 'invalid_request_error');
      const code = s.code !== undefined ? s.code : step.status === 401 ? 'invalid_api_key' : null;
      sendError(res, step.status, s.message, type, code, headers);
      return;
    }
    sendReply(res, request, step.reply, step);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
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
  };
  // handle() answers its own failures
  const server = createServer((req, res) => void handle(req, res));

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
    reset: () => {
      queue.length = 0;
      requests.length = 0;
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
