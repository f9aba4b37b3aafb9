/**
 * The adapter as its own process: DAP over stdio, or with `--server=PORT` over TCP, one session
 * per connection, on 127.0.0.1 unless `--host` says otherwise. Either way messages go through the
 * size-capped transport (dapTransport.ts), and a client that goes away cancels its run.
 */
import { ApxmDebugSession } from './apxmDebugSession.js';
import { DEFAULT_HOST, startDapServer } from './dapServer.js';
import { serveDap } from './dapTransport.js';

export const DAP_USAGE = 'usage: apxm dap [--server=PORT [--host=ADDRESS]]   (stdio without --server; ADDRESS defaults to 127.0.0.1)';

export type DapFlags = { port?: number; host: string } | { error: string };

export function parseDapFlags(argv: readonly string[]): DapFlags {
  let port: number | undefined;
  let host: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(server|host)(?:=(.*))?$/.exec(argv[i]);
    if (!m) return { error: `unknown argument ${JSON.stringify(argv[i])}` };
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === '') return { error: `--${m[1]} needs a value` };
    if (m[1] === 'host') host = value;
    else if (/^\d{1,5}$/.test(value) && Number(value) <= 65535) port = Number(value);
    else return { error: `--server takes a port number (0-65535), not ${JSON.stringify(value)}` };
  }
  if (host !== undefined && port === undefined) return { error: '--host goes with --server=PORT' };
  return { ...(port !== undefined ? { port } : {}), host: host ?? DEFAULT_HOST };
}

/** Exits once what was written to stdout has gone out. */
function exitAfterFlush(code: number): void {
  const timer = setTimeout(() => process.exit(code), 2000);
  process.stdout.write('', () => {
    clearTimeout(timer);
    process.exit(code);
  });
}

export async function runDap(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const flags = parseDapFlags(argv);
  if ('error' in flags) {
    process.stderr.write(`apxm dap: ${flags.error}\n${DAP_USAGE}\n`);
    process.exit(64);
  }
  // a bug in one session must not end the others (nor the stdio session's cleanup)
  process.on('unhandledRejection', (e) =>
    process.stderr.write(`apxm dap: internal error: ${e instanceof Error ? e.message : String(e)}\n`),
  );
  if (flags.port === undefined) {
    const session = new ApxmDebugSession({ mode: 'process' });
    serveDap(session, process.stdin, process.stdout, { onClosed: (fatal) => exitAfterFlush(fatal ? 2 : 0) });
    process.on('SIGTERM', () => void session.connectionLost().finally(() => exitAfterFlush(0)));
    return;
  }
  try {
    const server = await startDapServer(() => new ApxmDebugSession({ mode: 'server' }), { port: flags.port, host: flags.host });
    process.stderr.write(`apxm dap: serving DAP on ${server.host}:${server.port}\n`);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void server.close().finally(() => process.exit(0)));
  } catch (e) {
    process.stderr.write(`apxm dap: cannot listen on ${flags.host}:${flags.port}: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && /(dapMain|debugAdapter)\.js$/.test(process.argv[1])) await runDap();
