/**
 * An optional artifact section (`ArtifactSection { kind, data }`) in which this runtime keeps what
 * the upstream DAG schema cannot hold but a Program needs to run the same way: node names (for
 * `{{name}}` templates and the debugger), edge labels (BRANCH_ON_VALUE / SWITCH / TRY_CATCH
 * routing), free-form flow metadata, source ranges and the program name.
 *
 * Upstream readers keep sections as opaque bytes and never look at them, so an artifact with this
 * section is still a valid upstream artifact. Data is UTF-8 JSON; every array is aligned by index
 * with the DAG's `nodes` / `edges`. On read it is untrusted: anything malformed or misaligned is
 * ignored (the Program then gets generated names and no labels), never an error.
 */
import type { SourceRange } from '../graph/types.js';
import { isObject, nestsDeeperThan, type Value, type ValueObject } from '../values/value.js';
import type { ArtifactSection, WireDag } from './artifactModel.js';

export const PROGRAM_SECTION_KIND = 'apxm-ts.program';
const FORMAT = 1;

export interface ProgramSectionDag {
  node_names: string[];
  edge_labels: (string | null)[];
  metadata: ValueObject;
  sources?: (SourceRange | null)[];
}

export interface ProgramSection {
  format: number;
  name: string;
  dags: ProgramSectionDag[];
}

export function encodeProgramSection(section: Omit<ProgramSection, 'format'>): ArtifactSection {
  const text = JSON.stringify({ format: FORMAT, ...section });
  return { kind: PROGRAM_SECTION_KIND, data: new TextEncoder().encode(text) };
}

export interface DagExtras {
  nodeNames?: string[];
  edgeLabels?: (string | undefined)[];
  metadata?: ValueObject;
  sources?: (SourceRange | undefined)[];
}

export interface ProgramExtras {
  name?: string;
  dags: DagExtras[];
}

function isSourceRange(x: unknown): x is SourceRange {
  if (!isObject(x as Value)) return false;
  const s = x as Record<string, unknown>;
  const int = (k: string, optional = false) =>
    (optional && s[k] === undefined) || (typeof s[k] === 'number' && Number.isSafeInteger(s[k]) && s[k] >= 0);
  return typeof s.file === 'string' && int('line') && int('column') && int('endLine', true) && int('endColumn', true);
}

/** Reads the first section of our kind, checked against the DAGs; undefined when absent or unusable. */
export function readProgramSection(sections: readonly ArtifactSection[], dags: readonly WireDag[]): ProgramExtras | undefined {
  const sec = sections.find((s) => s.kind === PROGRAM_SECTION_KIND);
  if (!sec) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(sec.data));
  } catch {
    return undefined;
  }
  // untrusted: a section nested without end is ignored like any malformed one
  if (!isObject(doc as Value) || nestsDeeperThan(doc, 64)) return undefined;
  const d = doc as Record<string, unknown>;
  if (d.format !== FORMAT || !Array.isArray(d.dags) || d.dags.length !== dags.length) return undefined;
  const out: ProgramExtras = { name: typeof d.name === 'string' && d.name.trim() ? d.name : undefined, dags: [] };
  d.dags.forEach((raw, i) => {
    const extras: DagExtras = {};
    out.dags.push(extras);
    if (!isObject(raw as Value)) return;
    const r = raw as Record<string, unknown>;
    const dag = dags[i];
    if (
      Array.isArray(r.node_names) &&
      r.node_names.length === dag.nodes.length &&
      r.node_names.every((n) => typeof n === 'string' && n.trim() !== '')
    ) {
      extras.nodeNames = r.node_names as string[];
    }
    if (
      Array.isArray(r.edge_labels) &&
      r.edge_labels.length === dag.edges.length &&
      r.edge_labels.every((l) => l === null || typeof l === 'string')
    ) {
      extras.edgeLabels = (r.edge_labels as (string | null)[]).map((l) => l ?? undefined);
    }
    if (isObject(r.metadata as Value)) extras.metadata = r.metadata as ValueObject;
    if (Array.isArray(r.sources) && r.sources.length === dag.nodes.length) {
      extras.sources = r.sources.map((s) => (isSourceRange(s) ? s : undefined));
    }
  });
  return out;
}
