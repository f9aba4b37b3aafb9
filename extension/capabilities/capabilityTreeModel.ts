/**
 * The Capabilities tree as data (no `vscode` import, so it is tested directly): groups by origin,
 * item labels, call badges, tooltips with the schema, and the JSON the "Invoke..." box starts with.
 */
import type { CapabilityCatalog, CapabilityStatsEntry, CatalogCapability, CatalogProblem } from '../../runtime/query/capabilityCatalog.js';
import { durationText } from '../../runtime/query/durationText.js';
import { schemaViolations } from '../../runtime/values/jsonSchema.js';

export interface CapabilityGroup {
  /** `host`, `workspace`, `mcp:<server>` or `config`; a folder's catalogue adds its folder. */
  id: string;
  origin: string;
  /** The folder of the catalogue, relative to the workspace ('' at its root). */
  dir: string;
  label: string;
  /** Where its tools come from (`apxm.capabilities.mjs`), under its folder when the workspace has catalogues in several. */
  description?: string;
  capabilities: CatalogCapability[];
  problems: CatalogProblem[];
}

/** One folder's catalogue (`dir` relative to the workspace, '' at its root). */
export interface FolderCatalog {
  dir: string;
  catalog: CapabilityCatalog;
}

const ORDER = (origin: string) => (origin === 'host' ? 0 : origin === 'workspace' ? 1 : origin === 'config' ? 3 : 2);

/** The group's name: short, so the tree's narrow side bar shows it whole. */
export function groupLabel(origin: string): string {
  if (origin === 'host') return 'Host';
  if (origin === 'workspace') return 'Workspace';
  if (origin.startsWith('mcp:')) return `MCP: ${origin.slice(4)}`;
  return 'apxm.config.json';
}

/** The file a group's tools are declared in (the host's are registered by code). */
function groupSource(origin: string, dir: string, several: boolean): string | undefined {
  const file = origin === 'host' ? undefined : origin === 'workspace' ? 'apxm.capabilities.mjs' : 'apxm.config.json';
  if (!several) return origin === 'host' ? 'registered by the host' : origin === 'config' ? undefined : file;
  if (!file) return `${dir || '.'} — registered by the host`;
  return dir ? `${dir}/${file}` : file;
}

/** Groups by origin (host, workspace, each MCP server), per folder when there are several. */
export function groupCatalogs(folders: FolderCatalog[]): CapabilityGroup[] {
  const groups = new Map<string, CapabilityGroup>();
  const several = folders.length > 1;
  const group = (origin: string, dir: string) => {
    const id = several ? `${dir}\u0000${origin}` : origin;
    let g = groups.get(id);
    if (!g) {
      const description = groupSource(origin, dir, several);
      groups.set(
        id,
        (g = { id, origin, dir, label: groupLabel(origin), capabilities: [], problems: [], ...(description ? { description } : {}) }),
      );
    }
    return g;
  };
  for (const f of folders) {
    for (const c of f.catalog.capabilities) group(c.origin, f.dir).capabilities.push(c);
    for (const p of f.catalog.problems) group(p.origin, f.dir).problems.push(p);
  }
  return [...groups.values()].sort(
    (a, b) => a.dir.localeCompare(b.dir) || ORDER(a.origin) - ORDER(b.origin) || a.label.localeCompare(b.label),
  );
}

/** The badge beside an item during a session: `1 error · 3 calls · 12 ms` (errors first: the narrow side bar cuts the end). */
export function statsText(s: CapabilityStatsEntry | undefined): string | undefined {
  if (!s) return undefined;
  const parts = [`${s.calls} call${s.calls === 1 ? '' : 's'}`];
  if (s.errors) parts.unshift(`${s.errors} error${s.errors === 1 ? '' : 's'}`);
  if (s.lastLatencyMs !== undefined) parts.push(durationText(s.lastLatencyMs));
  return parts.join(' · ');
}

/** The item's description: its stats in a session, else the capability's description. */
export function itemDescription(c: CatalogCapability): string {
  return statsText(c.stats) ?? c.description;
}

/** Markdown: description, where it comes from (`shown` writes its file, e.g. relative to the workspace), the last error, and the parameter schema. */
export function itemTooltip(c: CatalogCapability, shown: (file: string) => string = (f) => f): string {
  const lines = [
    `**${c.name}**`,
    '',
    c.description || '_no description_',
    '',
    `from ${groupLabel(c.origin)}${c.file ? ` — \`${shown(c.file)}\`` : ''}`,
  ];
  const stats = statsText(c.stats);
  if (stats) lines.push('', `this session: ${stats}${c.stats?.invoked ? ` (${c.stats.invoked} from Invoke...)` : ''}`);
  if (c.stats?.lastError) lines.push('', `last error: ${c.stats.lastError}`);
  lines.push('', 'Parameters:', '```json', JSON.stringify(c.schema, null, 2), '```');
  return lines.join('\n');
}

/** A placeholder for a schema: its default or example, else the first enum value, else an empty value of its type. */
function placeholder(schema: unknown, depth = 0): unknown {
  if (typeof schema !== 'object' || schema === null) return null;
  const s = schema as {
    default?: unknown;
    examples?: unknown[];
    enum?: unknown[];
    const?: unknown;
    type?: unknown;
    properties?: Record<string, unknown>;
  };
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  const type: unknown = Array.isArray(s.type) ? (s.type as unknown[])[0] : s.type;
  if (type === 'string') return '';
  if (type === 'number' || type === 'integer') return 0;
  if (type === 'boolean') return false;
  if (type === 'array') return [];
  if (type === 'object' || s.properties) return depth > 4 ? {} : paramsSkeleton(schema, depth + 1);
  return null;
}

/** The parameters object the "Invoke..." box starts with: every property of the schema with a placeholder. */
export function paramsSkeleton(schema: unknown, depth = 0): Record<string, unknown> {
  const props = (schema as { properties?: Record<string, unknown> } | null)?.properties ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) out[k] = placeholder(v, depth);
  return out;
}

/** Why `text` cannot be sent as `schema`'s parameters (undefined: it can): not JSON, not an object, or a violation with its path and fix. */
export function paramsProblem(text: string, schema: unknown): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'the parameters must be a JSON object, e.g. {"query": "..."}';
  const v = schemaViolations(schema, value, '$');
  if (!v.length) return undefined;
  return `${v[0].jsonPath} ${v[0].message}: ${v[0].fix}${v.length > 1 ? ` (and ${v.length - 1} more)` : ''}`;
}

/** Stats events merged into a catalogue: the named entries replaced, the others kept. */
export function mergeStats(catalog: CapabilityCatalog, stats: Record<string, CapabilityStatsEntry>): CapabilityCatalog {
  return { ...catalog, capabilities: catalog.capabilities.map((c) => (stats[c.name] ? { ...c, stats: stats[c.name] } : c)) };
}
