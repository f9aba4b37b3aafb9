/**
 * `apxm dap --server=PORT`: DAP over TCP, one session per connection, on 127.0.0.1 unless told
 * otherwise (a debug adapter runs programs and tools: it is not for the network by default).
 */
import net from 'node:net';
import { serveDap, type DapEndpoint } from './dapTransport.js';

export const DEFAULT_HOST = '127.0.0.1';

export interface DapServer {
  host: string;
  port: number;
  /** Stops listening and ends every session (their runs are cancelled). */
  close(): Promise<void>;
}

export interface DapServerOptions {
  port: number;
  host?: string;
  maxMessageBytes?: number;
}

export function startDapServer(createSession: () => DapEndpoint, options: DapServerOptions): Promise<DapServer> {
  const sockets = new Set<net.Socket>();
  const sessionsDone = new Set<Promise<void>>();
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    sessionsDone.add(finished);
    serveDap(createSession(), socket, socket, {
      ...(options.maxMessageBytes ? { maxMessageBytes: options.maxMessageBytes } : {}),
      onClosed: () => {
        sockets.delete(socket);
        sessionsDone.delete(finished);
        socket.destroy();
        done();
      },
    });
  });
  const host = options.host ?? DEFAULT_HOST;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.removeListener('error', reject);
      // a failing accept must not end the sessions already served
      server.on('error', (e) => process.stderr.write(`apxm dap: ${e.message}\n`));
      const address = server.address() as net.AddressInfo;
      resolve({
        host: address.address,
        port: address.port,
        close: async () => {
          const closed = new Promise<void>((r) => server.close(() => r()));
          const pending = [...sessionsDone];
          for (const s of sockets) s.destroy();
          await Promise.all([closed, ...pending]);
        },
      });
    });
  });
}
