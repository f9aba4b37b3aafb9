/**
 * A raw DAP client for tests that must send what DebugClient never would: `arguments: null`,
 * unframed bytes, a message over the size cap, a connection dropped mid-run. Its own small
 * reader, independent of the adapter's. Every wait has a timeout; `close()` always ends it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import type { DebugProtocol } from '@vscode/debugprotocol';

type Message = DebugProtocol.ProtocolMessage & Record<string, any>;

export class DapWire {
  readonly messages: Message[] = [];
  /** Resolves when the adapter's side of the connection has ended. */
  readonly ended: Promise<void>;
  private raw = Buffer.alloc(0);
  private seq = 1;
  private waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];

  private constructor(
    private readonly input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WritableStream,
    private readonly destroyFn: () => void,
  ) {
    input.on('data', (d: Buffer) => this.onData(d));
    this.ended = new Promise((resolve) => {
      input.once('end', resolve);
      input.once('close', resolve);
      input.once('error', () => resolve());
    });
    (output as NodeJS.WritableStream & { on(e: 'error', f: () => void): void }).on('error', () => undefined);
  }

  /** Connects to a DAP server over TCP. */
  static connect(port: number, host = '127.0.0.1'): Promise<DapWire> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => {
        socket.removeListener('error', reject);
        resolve(new DapWire(socket, socket, () => socket.destroy()));
      });
      socket.once('error', reject);
    });
  }

  /** Speaks DAP with a child process over its stdio. */
  static overStdio(child: ChildProcessWithoutNullStreams): DapWire {
    return new DapWire(child.stdout, child.stdin, () => child.stdin.destroy());
  }

  /** Sends a request; `args` goes out as given (null included), left out when undefined. */
  send(command: string, args?: unknown): number {
    const seq = this.seq++;
    this.writeMessage({ seq, type: 'request', command, ...(args !== undefined ? { arguments: args } : {}) });
    return seq;
  }

  /** Sends a request and waits for its response (success or not). */
  request(command: string, args?: unknown, timeoutMs = 15_000): Promise<DebugProtocol.Response> {
    const seq = this.send(command, args);
    return this.waitFor(
      (m) => m.type === 'response' && m.request_seq === seq,
      `the response to ${command}`,
      timeoutMs,
    ) as Promise<DebugProtocol.Response>;
  }

  writeMessage(message: unknown): void {
    const json = JSON.stringify(message);
    this.output.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
  }

  /** Writes bytes as they are; resolves when they were handed to the stream (false when it refused). */
  writeRaw(data: string | Buffer): Promise<boolean> {
    return new Promise((resolve) => {
      try {
        this.output.write(data, (e?: Error | null) => resolve(!e));
      } catch {
        resolve(false);
      }
    });
  }

  /** The first message (already received or to come) that matches. */
  waitFor(match: (m: Message) => boolean, what: string, timeoutMs = 15_000): Promise<Message> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `no ${what} within ${timeoutMs} ms; got: ${this.messages.map((m) => (m.type === 'event' ? `event ${m.event}` : `${m.type} ${m.command}`)).join(', ')}`,
          ),
        );
      }, timeoutMs);
      const waiter = {
        match,
        resolve: (m: Message) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      this.waiters.push(waiter);
    });
  }

  event(name: string, timeoutMs = 15_000): Promise<Message> {
    return this.waitFor((m) => m.type === 'event' && m.event === name, `'${name}' event`, timeoutMs);
  }

  outputs(): string[] {
    return this.messages.filter((m) => m.type === 'event' && m.event === 'output').map((m) => String(m.body?.output));
  }

  /** Ends the connection from the client's side (as a client that goes away). */
  close(): void {
    this.destroyFn();
  }

  private onData(d: Buffer): void {
    this.raw = Buffer.concat([this.raw, d]);
    for (;;) {
      const end = this.raw.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.raw.toString('latin1', 0, end))?.[1]);
      if (this.raw.length < end + 4 + length) return;
      const m = JSON.parse(this.raw.toString('utf8', end + 4, end + 4 + length)) as Message;
      this.raw = this.raw.subarray(end + 4 + length);
      this.messages.push(m);
      for (const w of this.waiters.filter((x) => x.match(m))) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(m);
      }
    }
  }
}

/** A child process that is ended when the test ends (kill, then SIGKILL if it does not go). */
export interface Adapter {
  child: ChildProcessWithoutNullStreams;
  stderr: () => string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts the adapter script under `node` (default: this Node; a test of another backend passes Node 24). */
export function spawnAdapter(script: string, args: string[] = [], node = process.execPath): Adapter {
  const child = spawn(node, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stderr: () => err,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `apxm dap --server=0 ...`: the adapter process and the address it announced. */
export async function spawnDapServer(cli: string, args: string[] = []): Promise<Adapter & { host: string; port: number }> {
  const adapter = spawnAdapter(cli, ['dap', '--server=0', ...args]);
  try {
    const { host, port } = await new Promise<{ host: string; port: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the adapter did not announce its port: ${adapter.stderr()}`)), 15_000);
      const check = () => {
        const m = /serving DAP on (\S+):(\d+)/.exec(adapter.stderr());
        if (m) {
          clearTimeout(timer);
          resolve({ host: m[1], port: Number(m[2]) });
        }
      };
      adapter.child.stderr.on('data', check);
      void adapter.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the adapter exited with ${code}: ${adapter.stderr()}`));
      });
    });
    return { ...adapter, host, port };
  } catch (e) {
    await adapter.stop();
    throw e;
  }
}
