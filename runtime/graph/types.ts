/** The program model the runtime executes: flows of op nodes joined by edges. */
import type { ValueObject } from '../values/value.js';
import type { OpName } from './opCatalogue.js';

export type DependencyType = 'Data' | 'Control' | 'Effect';

/** A place in a source file (1-based lines and columns), for breakpoints and diagnostics. */
export interface SourceRange {
  file: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

export interface OpNode {
  id: number;
  name: string;
  op: OpName;
  attributes: ValueObject;
  /** Where the op was written (AIS source), when known. */
  source?: SourceRange;
  /** Where the node is in its JSON file, e.g. `$.nodes[3]`. */
  jsonPath?: string;
}

/**
 * Data edges carry the producer's value as an input of the consumer (inputs are ordered by edge
 * order). Control and Effect edges only order execution. `label` selects the branch of a
 * BRANCH_ON_VALUE (`true`/`false`), a SWITCH (a case label or `default`) or a TRY_CATCH
 * (`try`/`catch`) that the edge belongs to.
 */
export interface OpEdge {
  from: number;
  to: number;
  dependency: DependencyType;
  label?: string;
  jsonPath?: string;
}

export interface FlowParameter {
  name: string;
  typeName: string;
}

export interface FlowGraph {
  agent: string;
  flow: string;
  /** `Agent.flow`. */
  qualifiedName: string;
  isEntry: boolean;
  parameters: FlowParameter[];
  nodes: OpNode[];
  edges: OpEdge[];
  /** Free-form graph metadata from the file. */
  metadata: ValueObject;
  file?: string;
  /** JSON path of this flow in its file (`$` or `$.flows[2]`). */
  jsonPath?: string;
}

export interface Program {
  name: string;
  /** The file it was loaded from, when any. */
  file?: string;
  flows: FlowGraph[];
  entry: FlowGraph;
}

/** Splits `Agent.flow` at the first dot; no dot → agent `default`. */
export function splitQualifiedName(name: string): { agent: string; flow: string } {
  const dot = name.indexOf('.');
  if (dot <= 0 || dot === name.length - 1) return { agent: 'default', flow: name };
  return { agent: name.slice(0, dot), flow: name.slice(dot + 1) };
}
