/**
 * DAP's wire format (`Content-Length: N\r\n\r\n` + N bytes of JSON) on a pair of streams, with a
 * cap on a message's size. The library's reader concatenated its buffer on every chunk and took
 * any length, so one client announcing 2 GB kept the process at 100 % CPU for every other one;
 * here a header over the cap closes that connection before its body is read, and a body is
 * joined once, when it is complete.
 */
import { OutputEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DapErrorId } from './dapErrors.js';

/** The largest message a client may send (8 MiB): a launch configuration or a request is far smaller. */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
/** The longest header block (the lines before the blank line). */
export const MAX_HEADER_BYTES = 8 * 1024;
/**
 * What may wait unsent for a client that does not read: past it the client is taken as gone (its
 * run is cancelled) rather than letting a printing program grow the adapter's memory without end.
 */
export const MAX_PENDING_OUTPUT_BYTES = 64 * 1024 * 1024;

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Splits a byte stream into message bodies. A framing problem (no header end within the limit, no
 * or a bad Content-Length, a length over the cap) is fatal: the stream cannot be resynchronised.
 */
export class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The body's length once its header is read; -1 while reading a header. */
  private length = -1;
  private failed = false;

  constructor(
    private readonly onMessage: (body: string) => void,
    private readonly onFatal: (problem: string) => void,
    private readonly maxBytes = MAX_MESSAGE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    if (this.failed || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (!this.failed) {
      if (this.length < 0) {
        if (!this.readHeader()) return;
      } else {
        if (this.buffered < this.length) return;
        const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
        const body = all.toString('utf8', 0, this.length);
        this.keep(all.subarray(this.length));
        this.length = -1;
        this.onMessage(body);
      }
    }
  }

  /** Reads a header if a whole one is buffered; false when more bytes are needed (or it failed). */
  private readHeader(): boolean {
    // a header is small: joining what is buffered costs at most the header limit plus one chunk
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
    this.keep(all);
    const end = all.subarray(0, MAX_HEADER_BYTES + HEADER_END.length).indexOf(HEADER_END);
    if (end < 0) {
      if (all.length > MAX_HEADER_BYTES) this.fail(`no end of the message header (a blank line) within ${MAX_HEADER_BYTES} bytes`);
      return false;
    }
    let length: number | undefined;
    for (const line of all.toString('latin1', 0, end).split('\r\n')) {
      const m = /^([^:]+):\s*(.*?)\s*$/.exec(line);
      if (!m) return this.fail(`a header line is not "Name: value": ${JSON.stringify(line.slice(0, 80))}`);
      if (m[1].toLowerCase() !== 'content-length') continue;
      if (!/^\d{1,15}$/.test(m[2])) return this.fail(`Content-Length must be a number of bytes, not ${JSON.stringify(m[2].slice(0, 40))}`);
      length = Number(m[2]);
    }
    if (length === undefined) return this.fail('the message header has no Content-Length');
    if (length > this.maxBytes) return this.fail(`a message of ${length} bytes is over the limit of ${this.maxBytes} bytes`);
    this.length = length;
    this.keep(all.subarray(end + HEADER_END.length));
    return true;
  }

  private keep(rest: Buffer): void {
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
  }

  private fail(problem: string): false {
    this.failed = true;
    this.chunks = [];
    this.buffered = 0;
    this.onFatal(problem);
    return false;
  }
}

/** One message framed for the wire. */
export function frame(message: unknown): string {
  const json = JSON.stringify(message);
  return `Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`;
}

/** What the transport needs of a session (ApxmDebugSession, or any DebugSession with connectionLost). */
export interface DapEndpoint {
  handleMessage(message: DebugProtocol.ProtocolMessage): void;
  /** The library's Event0: the listener gets every message the session sends. */
  onDidSendMessage(listener: (message: object) => void): unknown;
  sendEvent(event: DebugProtocol.Event): void;
  /** The connection is gone: cancel what runs for it and free what it holds. */
  connectionLost(): Promise<void>;
}

export interface ServeOptions {
  maxMessageBytes?: number;
  maxPendingOutputBytes?: number;
  /** After the session has been torn down; `fatal` when a framing error closed the connection. */
  onClosed?: (fatal: boolean) => void;
}

/**
 * Serves one DAP connection: messages from `input` go to the session, the session's messages to
 * `output`. A message that is not JSON or not a request is reported and skipped; a framing error
 * is reported and closes the connection; when the connection ends the session is told.
 */
export function serveDap(
  session: DapEndpoint,
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  options: ServeOptions = {},
): void {
  let closed = false;
  let fatal = false;
  const writable = () =>
    !closed && !(output as { destroyed?: boolean }).destroyed && !(output as { writableEnded?: boolean }).writableEnded;
  const maxPending = options.maxPendingOutputBytes ?? MAX_PENDING_OUTPUT_BYTES;
  session.onDidSendMessage((message) => {
    if (!writable()) return;
    output.write(frame(message), 'utf8');
    if ((output as { writableLength?: number }).writableLength! > maxPending) {
      // the client has stopped reading: drop it as if it had gone
      fatal = true;
      (output as { destroy?: () => void }).destroy?.();
      (input as { destroy?: () => void }).destroy?.();
      lost();
    }
  });
  const report = (text: string) => {
    const e = new OutputEvent(`${text}\n`, 'important') as DebugProtocol.OutputEvent;
    e.body.data = { errorId: DapErrorId.unreadableMessage };
    session.sendEvent(e);
  };
  const lost = () => {
    if (closed) return;
    closed = true;
    input.removeListener('data', onData);
    session
      .connectionLost()
      .catch(() => undefined)
      .finally(() => options.onClosed?.(fatal));
  };
  const reader = new MessageReader(
    (body) => {
      let message: unknown;
      try {
        message = JSON.parse(body);
      } catch (e) {
        return report(`ignored a message that is not JSON: ${(e as Error).message}`);
      }
      const m = message as Partial<DebugProtocol.Request>;
      if (m === null || typeof m !== 'object' || Array.isArray(m)) return report('ignored a message that is not a JSON object');
      const request = m.type === 'request' && typeof m.command === 'string' && Number.isSafeInteger(m.seq);
      if (!request && m.type !== 'response')
        return report('ignored a message that is not a DAP request (it needs "type": "request", an integer "seq" and a "command")');
      session.handleMessage(m as DebugProtocol.ProtocolMessage);
    },
    (problem) => {
      fatal = true;
      report(`closing the connection: ${problem} (see "Debugging" in the README)`);
      // what the client still sends is read and dropped: closing with unread bytes would reset the
      // connection, and the client would lose the report; a client that never stops is cut off
      input.removeListener('data', onData);
      input.on('data', () => undefined);
      const timer = setTimeout(() => (input as { destroy?: () => void }).destroy?.(), 1000);
      timer.unref?.();
      input.once('close', () => clearTimeout(timer));
      if (writable()) output.end();
    },
    options.maxMessageBytes,
  );
  const onData = (chunk: Buffer | string) => reader.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  input.on('data', onData);
  input.on('end', lost);
  input.on('close', lost);
  input.on('error', lost);
  if ((output as unknown) !== input) output.on('error', lost);
  input.resume();
}
