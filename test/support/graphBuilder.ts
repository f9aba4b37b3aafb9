/** Compact ApxmGraph JSON for tests: nodes as [id, op, attributes?, name?], edges as [from, to, dependency?, label?]. */
import { programFromJson } from '../../runtime/graph/loadGraphJson.js';
import type { Program } from '../../runtime/graph/types.js';

export type NodeSpec = [id: number, op: string, attributes?: Record<string, unknown>, name?: string];
export type EdgeSpec = [from: number, to: number, dependency?: 'Data' | 'Control' | 'Effect', label?: string];

export interface GraphSpec {
  name?: string;
  params?: string[] | [string, string][];
  nodes: NodeSpec[];
  edges?: EdgeSpec[];
  isEntry?: boolean;
}

export function graphJson(spec: GraphSpec): Record<string, unknown> {
  return {
    name: spec.name ?? 'Test.main',
    parameters: (spec.params ?? []).map((p) => (Array.isArray(p) ? { name: p[0], type_name: p[1] } : { name: p, type_name: 'str' })),
    nodes: spec.nodes.map(([id, op, attributes, name]) => ({ id, name: name ?? `n${id}`, op, attributes: attributes ?? {} })),
    edges: (spec.edges ?? []).map(([from, to, dependency, label]) => ({
      from,
      to,
      dependency: dependency ?? 'Data',
      ...(label !== undefined ? { label } : {}),
    })),
    metadata: spec.isEntry === undefined ? {} : { is_entry: spec.isEntry },
  };
}

export function program(spec: GraphSpec): Program {
  return programFromJson(graphJson(spec));
}

export function bundle(entry: string, flows: GraphSpec[]): Program {
  return programFromJson({ name: 'bundle', entry, flows: flows.map(graphJson) });
}
