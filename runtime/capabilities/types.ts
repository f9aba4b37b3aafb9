/** Capabilities (tools) as the runtime sees them: a described, schema-checked async function. */
import type { Value, ValueObject } from '../values/value.js';

/** A JSON Schema object (draft-07 / 2019-09 / 2020-12 as ajv accepts). */
export type JsonSchema = { [key: string]: unknown };

export interface CapabilityCallContext {
  /** Aborted when the run is cancelled or the call times out. */
  signal: AbortSignal;
  runId: string;
  nodeId?: number;
  /** Text a tool wants shown to the user (goes to the run's output). */
  log(message: string): void;
}

export type CapabilityHandler = (params: ValueObject, ctx: CapabilityCallContext) => unknown; // a value, or a promise of one

/** Where a capability came from: shown by the capability explorer. */
export type CapabilitySource = { kind: 'code' } | { kind: 'module'; file: string } | { kind: 'mcp'; server: string };

export interface CapabilityOptions {
  /** JSON Schema of the params object. Default: any object. */
  schema?: JsonSchema;
  /** Per-call timeout; default 30 000 ms. */
  timeoutMs?: number;
  source?: CapabilitySource;
}

export interface CapabilityInfo {
  name: string;
  description: string;
  schema: JsonSchema;
  timeoutMs: number;
  source: CapabilitySource;
}

export interface InvokeOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  runId?: string;
  nodeId?: number;
  log?: (message: string) => void;
}

export type CapabilityResult = Value;
