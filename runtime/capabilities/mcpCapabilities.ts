/**
 * Tools from MCP servers: each stdio server listed under `mcpServers` in apxm.config.json is
 * started, its tools become capabilities named `<server>.<tool>` with their input schemas, and
 * the connections close when the runtime is disposed. Servers start concurrently (bounded), each
 * within its start-up timeout. Every server process started here is stopped whatever state it is
 * in: on a failed start, on close or dispose (SIGTERM, then SIGKILL after a grace period), and
 * when this process exits while one is still running (SIGKILL).
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import pLimit from 'p-limit';
import { ApxmError } from '../errors.js';
import { CONFIG_FILE, readJsonTextSync } from '../inputFile.js';
import { quoteForMessage, tryParseJson } from '../values/value.js';
import { inRange, rangeText, TIMEOUT_MS_RANGE } from '../graph/attributeRanges.js';
import { CapabilityRecord } from './capabilityRecord.js';
import type { CapabilitySystem } from './capabilitySystem.js';
import type { JsonSchema } from './types.js';

export interface McpServerConfig {
  command: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Per-call timeout for this server's tools (default 30 000 ms). */
  timeoutMs?: number;
  /** How long start-up (spawn, `initialize`, listing its tools) may take; else `mcpStartupTimeoutMs`. */
  startupTimeoutMs?: number;
}

export const DEFAULT_MCP_STARTUP_TIMEOUT_MS = 30_000;
/** How long a server has to exit after SIGTERM before it is killed. */
const KILL_GRACE_MS = 1_000;

/** Servers still running, killed should this process exit before they were stopped. */
const running = new Set<number>();
let exitHookInstalled = false;
function track(pid: number): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const p of running) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
  running.add(pid);
}

/** Ends a server: its stdin closes, then SIGTERM, then SIGKILL when it is still there after the grace period. */
async function stopServer(transport: StdioClientTransport, child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    await transport.close().catch(() => undefined);
    if (child?.pid !== undefined) running.delete(child.pid);
    return;
  }
  const exited = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)));
  const within = (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([exited, new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]).finally(() => clearTimeout(timer));
  };
  void transport.close().catch(() => undefined);
  child.kill('SIGTERM');
  if (!(await within(KILL_GRACE_MS))) {
    child.kill('SIGKILL');
    await within(KILL_GRACE_MS);
  }
  if (child.pid !== undefined) running.delete(child.pid);
}

export interface McpConnection {
  server: string;
  tools: string[];
  close(): Promise<void>;
}

const STARTUP_CONCURRENCY = 4;

function checkTimeout(configFile: string, value: unknown, jsonPath: string): void {
  if (value !== undefined && !inRange(value, TIMEOUT_MS_RANGE)) {
    throw new ApxmError(
      'E_CONFIG',
      `${configFile}: ${jsonPath.slice(2)} must be ${rangeText(TIMEOUT_MS_RANGE)} (milliseconds), got ${quoteForMessage(value)}`,
      { place: { file: configFile, jsonPath } },
    );
  }
}

function readServers(configFile: string): { servers: Record<string, McpServerConfig>; startupTimeoutMs: number } {
  const parsed = JSON.parse(readJsonTextSync(configFile, CONFIG_FILE)) as {
    mcpServers?: Record<string, unknown>;
    mcpStartupTimeoutMs?: unknown;
  };
  const servers = parsed.mcpServers ?? {};
  checkTimeout(configFile, parsed.mcpStartupTimeoutMs, '$.mcpStartupTimeoutMs');
  const out: Record<string, McpServerConfig> = {};
  for (const [name, raw] of Object.entries(servers)) {
    const c = raw as Partial<McpServerConfig> | null;
    if (!c || typeof c.command !== 'string' || !c.command) {
      throw new ApxmError('E_CONFIG', `${configFile}: mcpServers.${name} needs a "command"`, {
        place: { file: configFile, jsonPath: `$.mcpServers.${name}.command` },
        hint: 'write e.g. {"command": "node", "args": ["server.mjs"]} (only stdio servers are supported)',
      });
    }
    if (c.args !== undefined && !(Array.isArray(c.args) && c.args.every((a) => typeof a === 'string'))) {
      throw new ApxmError('E_CONFIG', `${configFile}: mcpServers.${name}.args must be a list of strings`, {
        place: { file: configFile, jsonPath: `$.mcpServers.${name}.args` },
      });
    }
    checkTimeout(configFile, c.timeoutMs, `$.mcpServers.${name}.timeoutMs`);
    checkTimeout(configFile, c.startupTimeoutMs, `$.mcpServers.${name}.startupTimeoutMs`);
    out[name] = c as McpServerConfig;
  }
  return { servers: out, startupTimeoutMs: (parsed.mcpStartupTimeoutMs as number | undefined) ?? DEFAULT_MCP_STARTUP_TIMEOUT_MS };
}

/** MCP tool result → a runtime value: structured content, else the text (parsed when it is JSON). */
function resultValue(result: { content?: unknown; structuredContent?: unknown; isError?: boolean }, server: string, tool: string): unknown {
  const parts = Array.isArray(result.content) ? (result.content as { type: string; text?: string }[]) : [];
  const text = parts
    .filter((p) => p.type === 'text')
    .map((p) => p.text ?? '')
    .join('\n');
  if (result.isError) throw new Error(text || `${server}.${tool} reported an error`);
  if (result.structuredContent !== undefined) return result.structuredContent;
  if (parts.length && parts.every((p) => p.type === 'text')) return tryParseJson(text) ?? text;
  return parts;
}

async function connect(
  name: string,
  cfg: McpServerConfig,
  baseDir: string,
  system: CapabilitySystem,
  startupTimeoutMs: number,
  signal?: AbortSignal,
): Promise<McpConnection> {
  const transport = new StdioClientTransport({
    command: cfg.command,
    args: cfg.args ?? [],
    cwd: cfg.cwd ? path.resolve(baseDir, cfg.cwd) : baseDir,
    env: { ...(process.env as Record<string, string>), ...cfg.env },
    stderr: 'pipe',
  });
  // The process, known once spawned, so that the server is stopped whatever happens next (the
  // transport keeps it private and forgets it on close; its pid is the fallback).
  let child: ChildProcess | undefined;
  const start = transport.start.bind(transport);
  transport.start = async () => {
    await start();
    child = (transport as unknown as { _process?: ChildProcess })._process;
    const pid = child?.pid ?? transport.pid ?? undefined;
    if (pid !== undefined) track(pid);
  };
  const client = new Client({ name: 'apxm-runtime', version: '0.1.0' });
  const tools: string[] = [];
  try {
    if (signal?.aborted) throw new ApxmError('E_CANCELLED', `starting MCP server "${name}" was cancelled`);
    // One deadline for the whole start-up: spawn, initialize and listing the tools.
    const deadline = AbortSignal.timeout(startupTimeoutMs);
    const stop = signal ? AbortSignal.any([signal, deadline]) : deadline;
    try {
      await client.connect(transport, { timeout: startupTimeoutMs, signal: stop });
    } catch (e) {
      throw startupError(name, cfg, e, startupTimeoutMs, signal);
    }
    let listed: Awaited<ReturnType<Client['listTools']>>;
    try {
      listed = await client.listTools(undefined, { timeout: startupTimeoutMs, signal: stop });
    } catch (e) {
      const err = startupError(name, cfg, e, startupTimeoutMs, signal);
      throw err.code === 'E_MCP' && !/did not answer/.test(err.message)
        ? new ApxmError('E_MCP', `MCP server "${name}" failed to list its tools: ${(e as Error).message}`)
        : err;
    }
    for (const t of listed.tools) {
      const capName = `${name}.${t.name}`;
      system.register(
        capName,
        new CapabilityRecord(
          t.description ?? '',
          async (params, ctx) =>
            resultValue(
              (await client.callTool({ name: t.name, arguments: params }, undefined, {
                signal: ctx.signal,
                timeout: cfg.timeoutMs ?? 30_000,
              })) as { content?: unknown; structuredContent?: unknown; isError?: boolean },
              name,
              t.name,
            ),
          { schema: (t.inputSchema as JsonSchema) ?? { type: 'object' }, timeoutMs: cfg.timeoutMs, source: { kind: 'mcp', server: name } },
        ),
      );
      tools.push(capName);
    }
  } catch (e) {
    // Tools registered before the failure would call a closed client: take them back out.
    for (const t of tools) system.unregister(t);
    await stopServer(transport, child);
    throw e;
  }
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const t of tools) system.unregister(t);
      await stopServer(transport, child);
    })();
    return closing;
  };
  system.addDisposer(close);
  return { server: name, tools, close };
}

/** Why start-up failed: cancelled, out of time, or the server's own failure. */
function startupError(name: string, cfg: McpServerConfig, e: unknown, startupTimeoutMs: number, signal?: AbortSignal): ApxmError {
  if (e instanceof ApxmError) return e;
  if (signal?.aborted) return new ApxmError('E_CANCELLED', `starting MCP server "${name}" was cancelled`);
  const message = (e as Error)?.message ?? String(e);
  if (/timed? ?out|aborted/i.test(message) || (e as { name?: string })?.name === 'TimeoutError') {
    return new ApxmError(
      'E_MCP',
      `MCP server "${name}" (${cfg.command}) did not answer within its ${startupTimeoutMs} ms start-up timeout`,
      {
        hint: 'check that it is an MCP stdio server; raise "startupTimeoutMs" for it or "mcpStartupTimeoutMs" in apxm.config.json if it starts slowly',
      },
    );
  }
  return new ApxmError('E_MCP', `MCP server "${name}" (${cfg.command}) did not start: ${message}`, {
    hint: 'check its command and args in apxm.config.json',
  });
}

export async function loadMcpServers(
  configFile: string,
  system: CapabilitySystem,
  options: { signal?: AbortSignal } = {},
): Promise<McpConnection[]> {
  const { servers, startupTimeoutMs } = readServers(configFile);
  const limit = pLimit(STARTUP_CONCURRENCY);
  const baseDir = path.dirname(path.resolve(configFile));
  const settled = await Promise.allSettled(
    Object.entries(servers).map(([name, cfg]) =>
      limit(() => connect(name, cfg, baseDir, system, cfg.startupTimeoutMs ?? startupTimeoutMs, options.signal)),
    ),
  );
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(
      settled.filter((s): s is PromiseFulfilledResult<McpConnection> => s.status === 'fulfilled').map((s) => s.value.close()),
    );
    throw failed.reason;
  }
  return settled.map((s) => (s as PromiseFulfilledResult<McpConnection>).value);
}
