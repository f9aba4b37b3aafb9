/** A capability as registered: description, handler, parameter schema, timeout and origin. */
import type { CapabilityHandler, CapabilityInfo, CapabilityOptions, CapabilitySource, JsonSchema } from './types.js';

export const DEFAULT_CAPABILITY_TIMEOUT_MS = 30_000;

export class CapabilityRecord {
  readonly schema: JsonSchema;
  readonly timeoutMs: number;
  readonly source: CapabilitySource;

  constructor(
    readonly description: string,
    readonly handler: CapabilityHandler,
    options: CapabilityOptions = {},
  ) {
    this.schema = options.schema ?? { type: 'object' };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CAPABILITY_TIMEOUT_MS;
    this.source = options.source ?? { kind: 'code' };
  }

  info(name: string): CapabilityInfo {
    return { name, description: this.description, schema: this.schema, timeoutMs: this.timeoutMs, source: this.source };
  }
}
