/**
 * Tools from MCP servers: each stdio server listed under `mcpServers` in apxm.config.json is
 * started, its tools become capabilities named `<server>.<tool>` with their input schemas, and
 * the connections close when the runtime is disposed. Servers start concurrently (bounded).
 */
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import pLimit from 'p-limit';
import { ApxmError } from '../errors.js';
import { CONFIG_FILE, readInputFileSync } from '../inputFile.js';
import { tryParseJson } from '../values/value.js';
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
}

export interface McpConnection {
  server: string;
  tools: string[];
  close(): Promise<void>;
}

const STARTUP_CONCURRENCY = 4;

function readServers(configFile: string): Record<string, McpServerConfig> {
  const parsed = JSON.parse(readInputFileSync(configFile, CONFIG_FILE).toString('utf8')) as { mcpServers?: Record<string, unknown> };
  const servers = parsed.mcpServers ?? {};
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
      throw new ApxmError('E_CONFIG', `${configFile}: mcpServers.${name}.args must be a list of strings`, { place: { file: configFile, jsonPath: `$.mcpServers.${name}.args` } });
    }
    out[name] = c as McpServerConfig;
  }
  return out;
}

/** MCP tool result → a runtime value: structured content, else the text (parsed when it is JSON). */
function resultValue(result: { content?: unknown; structuredContent?: unknown; isError?: boolean }, server: string, tool: string): unknown {
  const parts = Array.isArray(result.content) ? (result.content as { type: string; text?: string }[]) : [];
  const text = parts.filter((p) => p.type === 'text').map((p) => p.text ?? '').join('\n');
  if (result.isError) throw new Error(text || `${server}.${tool} reported an error`);
  if (result.structuredContent !== undefined) return result.structuredContent;
  if (parts.length && parts.every((p) => p.type === 'text')) return tryParseJson(text) ?? text;
  return parts;
}

async function connect(name: string, cfg: McpServerConfig, baseDir: string, system: CapabilitySystem): Promise<McpConnection> {
  const transport = new StdioClientTransport({
    command: cfg.command,
    args: cfg.args ?? [],
    cwd: cfg.cwd ? path.resolve(baseDir, cfg.cwd) : baseDir,
    env: { ...(process.env as Record<string, string>), ...cfg.env },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'apxm-runtime', version: '0.1.0' });
  try {
    await client.connect(transport);
  } catch (e) {
    throw new ApxmError('E_MCP', `MCP server "${name}" (${cfg.command}) did not start: ${(e as Error).message}`, { hint: 'check its command and args in apxm.config.json' });
  }
  const tools: string[] = [];
  try {
    const listed = await client.listTools();
    for (const t of listed.tools) {
      const capName = `${name}.${t.name}`;
      system.register(
        capName,
        new CapabilityRecord(
          t.description ?? '',
          async (params, ctx) => resultValue((await client.callTool({ name: t.name, arguments: params }, undefined, { signal: ctx.signal, timeout: cfg.timeoutMs ?? 30_000 })) as { content?: unknown; structuredContent?: unknown; isError?: boolean }, name, t.name),
          { schema: (t.inputSchema as JsonSchema) ?? { type: 'object' }, timeoutMs: cfg.timeoutMs, source: { kind: 'mcp', server: name } },
        ),
      );
      tools.push(capName);
    }
  } catch (e) {
    // Tools registered before the failure would call a closed client: take them back out.
    for (const t of tools) system.unregister(t);
    await client.close().catch(() => undefined);
    if (e instanceof ApxmError) throw e;
    throw new ApxmError('E_MCP', `MCP server "${name}" failed to list its tools: ${(e as Error).message}`);
  }
  const close = async () => {
    for (const t of tools) system.unregister(t);
    await client.close().catch(() => undefined);
  };
  system.addDisposer(close);
  return { server: name, tools, close };
}

export async function loadMcpServers(configFile: string, system: CapabilitySystem): Promise<McpConnection[]> {
  const servers = readServers(configFile);
  const limit = pLimit(STARTUP_CONCURRENCY);
  const baseDir = path.dirname(path.resolve(configFile));
  const settled = await Promise.allSettled(Object.entries(servers).map(([name, cfg]) => limit(() => connect(name, cfg, baseDir, system))));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(settled.filter((s): s is PromiseFulfilledResult<McpConnection> => s.status === 'fulfilled').map((s) => s.value.close()));
    throw failed.reason;
  }
  return settled.map((s) => (s as PromiseFulfilledResult<McpConnection>).value);
}
