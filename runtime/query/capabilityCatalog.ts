/**
 * The capability explorer's catalogue: every registered capability with its description,
 * parameter schema and origin, plus per-session call statistics counted from the runtime's
 * `capability:*` events. The debug adapter answers `apxm/capabilities` with it, and the extension
 * builds the same shape without a session from the workspace's module and apxm.config.json.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CapabilitySystem } from '../capabilities/capabilitySystem.js';
import type { CapabilitySource, JsonSchema } from '../capabilities/types.js';
import { loadMcpServers } from '../capabilities/mcpCapabilities.js';
import { CAPABILITY_MODULE_NAME, loadCapabilityModule } from '../capabilities/workspaceModule.js';
import { asApxmError } from '../errors.js';
import type { RuntimeEventEmitter } from '../events.js';
import { readWorkspaceConfig } from '../workspace.js';

export const WORKSPACE_CONFIG_NAME = 'apxm.config.json';

/** Where a capability comes from: the embedding code, the workspace's module, or an MCP server of apxm.config.json. */
export type CapabilityOrigin = 'host' | 'workspace' | `mcp:${string}`;

export interface CapabilityStatsEntry {
  calls: number;
  errors: number;
  /** Of the latest call that finished, rounded to the millisecond. */
  lastLatencyMs?: number;
  /** The message of the latest failed call. */
  lastError?: string;
  /** Of `calls`, those made from the explorer's Invoke... rather than by a run. */
  invoked?: number;
}

export interface CatalogCapability {
  name: string;
  description: string;
  schema: JsonSchema;
  timeoutMs: number;
  origin: CapabilityOrigin;
  /** The module that exports it (workspace), or the config that starts its server (MCP). */
  file?: string;
  /** Calls this session: present once a run called it. */
  stats?: CapabilityStatsEntry;
}

/** A source that could not be read: the tree shows it in place of its capabilities. */
export interface CatalogProblem {
  origin: CapabilityOrigin | 'config';
  file?: string;
  message: string;
  hint?: string;
  /** The workspace is not trusted: the source was not loaded at all. */
  untrusted?: boolean;
}

export interface CapabilityCatalog {
  capabilities: CatalogCapability[];
  problems: CatalogProblem[];
}

export function originOf(source: CapabilitySource): CapabilityOrigin {
  return source.kind === 'code' ? 'host' : source.kind === 'module' ? 'workspace' : `mcp:${source.server}`;
}

/** The catalogue of what `system` has registered, with `stats` when a session counts calls. */
export function catalogOf(
  system: CapabilitySystem,
  stats?: CapabilityStats,
  problems: CatalogProblem[] = [],
  configFile?: string,
): CapabilityCatalog {
  const capabilities = system.list().map((info): CatalogCapability => {
    const s = stats?.get(info.name);
    const file = info.source.kind === 'module' ? info.source.file : info.source.kind === 'mcp' ? configFile : undefined;
    return {
      name: info.name,
      description: info.description,
      schema: info.schema,
      timeoutMs: info.timeoutMs,
      origin: originOf(info.source),
      ...(file ? { file } : {}),
      ...(s ? { stats: { ...s } } : {}),
    };
  });
  return { capabilities, problems };
}

/**
 * Calls per capability over a session, from the `capability:*` events of each runtime attached
 * (a restart or a replay's step back makes a new runtime; the counts go on). `onChange` hears the
 * names that changed; it is set only while a client listens.
 */
export class CapabilityStats {
  private readonly byName = new Map<string, CapabilityStatsEntry>();
  onChange?: (name: string) => void;

  attach(events: RuntimeEventEmitter): () => void {
    const offCall = events.on('capability:call', (e) => {
      this.entry(e.name).calls++;
      this.onChange?.(e.name);
    });
    const offResult = events.on('capability:result', (e) => {
      const s = this.entry(e.name);
      s.lastLatencyMs = Math.round(e.durationMs);
      if (e.error) {
        s.errors++;
        s.lastError = e.error.message;
      }
      this.onChange?.(e.name);
    });
    return () => {
      offCall();
      offResult();
    };
  }

  /** A call made outside the runs (the explorer's Invoke...): counted with theirs, and apart as `invoked`. */
  recordInvocation(name: string, durationMs: number, error?: string): void {
    const s = this.entry(name);
    s.calls++;
    s.invoked = (s.invoked ?? 0) + 1;
    s.lastLatencyMs = Math.round(durationMs);
    if (error !== undefined) {
      s.errors++;
      s.lastError = error;
    }
    this.onChange?.(name);
  }

  get(name: string): CapabilityStatsEntry | undefined {
    return this.byName.get(name);
  }

  /** The entries of `names` (all when left out), as plain data. */
  snapshot(names?: Iterable<string>): Record<string, CapabilityStatsEntry> {
    const out: Record<string, CapabilityStatsEntry> = {};
    for (const n of names ?? this.byName.keys()) {
      const s = this.byName.get(n);
      if (s) out[n] = { ...s };
    }
    return out;
  }

  private entry(name: string): CapabilityStatsEntry {
    let s = this.byName.get(name);
    if (!s) this.byName.set(name, (s = { calls: 0, errors: 0 }));
    return s;
  }
}

/** A capability system loaded from a folder's module and config; what could not be loaded is a problem, not a failure. */
export interface WorkspaceCapabilities {
  system: CapabilitySystem;
  problems: CatalogProblem[];
  moduleFile?: string;
  configFile?: string;
}

/**
 * Loads what a program in `dir` would find next to it: `apxm.capabilities.mjs` (in a worker
 * thread) and the MCP servers of `apxm.config.json` (started, listed). An untrusted workspace
 * loads neither (importing the module and starting servers run its code): each is a problem that
 * says so. Dispose `system` when done (servers and the module's thread stop).
 */
export async function loadWorkspaceCatalogue(
  dir: string,
  options: { trusted: boolean; signal?: AbortSignal },
): Promise<WorkspaceCapabilities> {
  const system = new CapabilitySystem();
  const problems: CatalogProblem[] = [];
  const moduleFile = path.join(dir, CAPABILITY_MODULE_NAME);
  const configFile = path.join(dir, WORKSPACE_CONFIG_NAME);
  const hasModule = existsSync(moduleFile);
  const hasConfig = existsSync(configFile);
  const untrusted = (origin: CatalogProblem['origin'], file: string, what: string): CatalogProblem => ({
    origin,
    file,
    message: `${what} not loaded: the workspace is not trusted (Restricted Mode)`,
    hint: 'trust the workspace (Manage Workspace Trust) to list and invoke its tools: loading them runs its code',
    untrusted: true,
  });
  if (hasModule) {
    if (!options.trusted) problems.push(untrusted('workspace', moduleFile, CAPABILITY_MODULE_NAME));
    else
      try {
        await loadCapabilityModule(moduleFile, system, { signal: options.signal });
      } catch (e) {
        const err = asApxmError(e);
        problems.push({ origin: 'workspace', file: moduleFile, message: err.message, hint: err.hint });
      }
  }
  if (hasConfig) {
    let servers: string[] = [];
    try {
      servers = Object.keys(readWorkspaceConfig(configFile).mcpServers ?? {});
    } catch (e) {
      const err = asApxmError(e);
      problems.push({ origin: 'config', file: configFile, message: err.message, hint: err.hint });
    }
    if (servers.length && !options.trusted) for (const s of servers) problems.push(untrusted(`mcp:${s}`, configFile, `MCP server "${s}"`));
    else if (servers.length)
      try {
        await loadMcpServers(configFile, system, { signal: options.signal });
      } catch (e) {
        const err = asApxmError(e);
        const server = servers.find((s) => err.message.includes(`"${s}"`));
        problems.push({ origin: server ? `mcp:${server}` : 'config', file: configFile, message: err.message, hint: err.hint });
      }
  }
  return { system, problems, ...(hasModule ? { moduleFile } : {}), ...(hasConfig ? { configFile } : {}) };
}

/** The catalogue of `dir` without a session: loaded, listed, and everything it started stopped again. */
export async function workspaceCatalog(dir: string, options: { trusted: boolean; signal?: AbortSignal }): Promise<CapabilityCatalog> {
  const loaded = await loadWorkspaceCatalogue(dir, options);
  try {
    return catalogOf(loaded.system, undefined, loaded.problems, loaded.configFile);
  } finally {
    await loaded.system.dispose();
  }
}
