/**
 * What a program finds next to it: `apxm.capabilities.mjs` (tools written in JS) and
 * `apxm.config.json` (MCP servers, remote agents).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CapabilitySystem } from './capabilities/capabilitySystem.js';
import { loadMcpServers } from './capabilities/mcpCapabilities.js';
import { findCapabilityModule, loadCapabilityModule } from './capabilities/workspaceModule.js';
import { ApxmError } from './errors.js';
import { CONFIG_FILE, readJsonTextSync } from './inputFile.js';

export interface WorkspaceConfig {
  mcpServers?: Record<string, unknown>;
  remoteAgents?: Record<string, string>;
  /** `{"timeoutMs": ...}`: checked by llm/llmTimeouts.ts. */
  llm?: unknown;
}

export function findWorkspaceConfig(programFile: string, explicit?: string): string | undefined {
  if (explicit) return explicit;
  const candidate = path.join(path.dirname(programFile), 'apxm.config.json');
  return existsSync(candidate) ? candidate : undefined;
}

export function readWorkspaceConfig(file: string): WorkspaceConfig {
  const text = readJsonTextSync(file, CONFIG_FILE);
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the top level must be an object');
    return parsed;
  } catch (e) {
    throw new ApxmError('E_CONFIG', `cannot read workspace config ${file}: ${(e as Error).message}`, {
      place: { file },
      hint: 'it must be JSON like {"mcpServers": {...}, "remoteAgents": {...}}',
    });
  }
}

/** Registers the program's workspace tools; returns what was loaded, for the summary. `signal` cancels their start-up. */
export async function loadWorkspaceCapabilities(
  system: CapabilitySystem,
  programFile: string,
  opts: { capabilities?: string; config?: string; signal?: AbortSignal } = {},
): Promise<{ module?: string; tools: string[]; mcp: string[] }> {
  const moduleFile = opts.capabilities ? path.resolve(opts.capabilities) : findCapabilityModule(programFile);
  const tools = moduleFile ? await loadCapabilityModule(moduleFile, system, { signal: opts.signal }) : [];
  const configFile = findWorkspaceConfig(programFile, opts.config);
  const mcp: string[] = [];
  if (configFile && readWorkspaceConfig(configFile).mcpServers) {
    const connections = await loadMcpServers(configFile, system, { signal: opts.signal });
    for (const c of connections) mcp.push(...c.tools);
  }
  return { module: moduleFile, tools, mcp };
}
