/**
 * The capability registry: tools from code, workspace modules and MCP servers, invoked with
 * schema-checked JSON parameters, a timeout and the run's abort signal. Listeners hear about
 * registrations (the capability explorer refreshes from them).
 */
import { ApxmError } from '../errors.js';
import { editDistance } from '../graph/opCatalogue.js';
import { validateAgainstSchema, schemaProblem } from '../values/jsonSchema.js';
import type { ValueObject } from '../values/value.js';
import { inRange, rangeText, TIMEOUT_MS_RANGE } from '../graph/attributeRanges.js';
import { jsonData, jsonProblemText } from './jsonData.js';
import { CapabilityRecord } from './capabilityRecord.js';
import type { CapabilityInfo, CapabilityResult, InvokeOptions } from './types.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

export type CapabilityChange = { kind: 'registered' | 'unregistered'; name: string };

export class CapabilitySystem {
  private readonly records = new Map<string, CapabilityRecord>();
  private readonly listeners = new Set<(change: CapabilityChange) => void>();
  private readonly disposers: (() => Promise<void> | void)[] = [];

  register(name: string, record: CapabilityRecord): void {
    if (!NAME.test(name)) {
      throw new ApxmError('E_CAPABILITY_INVALID', `invalid capability name ${JSON.stringify(name)}`, {
        hint: 'names start with a letter or _ and contain letters, digits, _, . or - (at most 128 characters)',
      });
    }
    if (!(record instanceof CapabilityRecord))
      throw new ApxmError('E_CAPABILITY_INVALID', `capability "${name}" must be a CapabilityRecord`);
    if (typeof record.handler !== 'function') throw new ApxmError('E_CAPABILITY_INVALID', `capability "${name}" has no handler function`);
    const problem = schemaProblem(record.schema);
    if (problem)
      throw new ApxmError('E_CAPABILITY_INVALID', `capability "${name}" has an invalid parameter schema: ${problem}`, {
        hint: 'give a JSON Schema object such as {"type": "object", "properties": {...}}',
      });
    if (!inRange(record.timeoutMs, TIMEOUT_MS_RANGE)) {
      throw new ApxmError('E_CAPABILITY_INVALID', `capability "${name}" has an invalid timeout ${JSON.stringify(record.timeoutMs)}`, {
        hint: `give timeoutMs ${rangeText(TIMEOUT_MS_RANGE)} (milliseconds)`,
      });
    }
    const existing = this.records.get(name);
    if (existing) {
      const from =
        existing.source.kind === 'code'
          ? 'code'
          : existing.source.kind === 'module'
            ? existing.source.file
            : `MCP server ${existing.source.server}`;
      throw new ApxmError('E_CAPABILITY_DUPLICATE', `capability "${name}" is already registered (from ${from})`, {
        hint: 'unregister it first or choose another name',
      });
    }
    this.records.set(name, record);
    this.notify({ kind: 'registered', name });
  }

  unregister(name: string): boolean {
    const had = this.records.delete(name);
    if (had) this.notify({ kind: 'unregistered', name });
    return had;
  }

  has(name: string): boolean {
    return this.records.has(name);
  }

  get(name: string): CapabilityInfo | undefined {
    return this.records.get(name)?.info(name);
  }

  list(): CapabilityInfo[] {
    return [...this.records.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, r]) => r.info(n));
  }

  listCapabilityNames(): string[] {
    return [...this.records.keys()].sort();
  }

  onChange(listener: (change: CapabilityChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs when the runtime is disposed (MCP connections close here). */
  addDisposer(fn: () => Promise<void> | void): void {
    this.disposers.push(fn);
  }

  async invoke(name: string, params: ValueObject, options: InvokeOptions = {}): Promise<CapabilityResult> {
    const record = this.records.get(name);
    if (!record) {
      const near = this.listCapabilityNames().filter((n) => editDistance(n.toLowerCase(), name.toLowerCase()) <= 2);
      throw new ApxmError('E_CAPABILITY_NOT_FOUND', `no capability named "${name}"`, {
        hint: near.length
          ? `did you mean ${near.map((n) => `"${n}"`).join(' or ')}?`
          : this.records.size
            ? `registered: ${this.listCapabilityNames().join(', ')}`
            : 'no capabilities are registered: add apxm.capabilities.mjs next to the program or pass --capabilities FILE',
      });
    }
    const problems = validateAgainstSchema(record.schema, params);
    if (problems.length) {
      throw new ApxmError('E_CAPABILITY_ARGS', `parameters for "${name}" do not match its schema: ${problems.join('; ')}`, {
        details: { params, schema: record.schema },
        hint: `"${name}" expects ${JSON.stringify(record.schema)}`,
      });
    }
    const timeoutMs = options.timeoutMs ?? record.timeoutMs;
    if (!inRange(timeoutMs, TIMEOUT_MS_RANGE))
      throw new ApxmError(
        'E_CAPABILITY_ARGS',
        `timeout for "${name}" must be ${rangeText(TIMEOUT_MS_RANGE)} ms, got ${JSON.stringify(timeoutMs)}`,
      );
    const controller = new AbortController();
    const outer = options.signal;
    if (outer?.aborted) throw new ApxmError('E_CANCELLED', `"${name}" was cancelled before it started`);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(
          new ApxmError('E_TIMEOUT', `capability "${name}" did not finish within ${timeoutMs} ms`, {
            hint: 'raise the node\'s "timeout_ms" or the capability\'s timeoutMs',
          }),
        );
      }, timeoutMs);
      onAbort = () => {
        controller.abort();
        reject(new ApxmError('E_CANCELLED', `capability "${name}" was cancelled`));
      };
      outer?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const call = Promise.resolve().then(() =>
        record.handler(params, {
          signal: controller.signal,
          runId: options.runId ?? '',
          nodeId: options.nodeId,
          log: options.log ?? (() => undefined),
        }),
      );
      const raw = await Promise.race([call, stop]);
      const checked = jsonData(raw);
      if (!checked.ok) {
        throw new ApxmError('E_CAPABILITY_FAILED', `capability "${name}" returned a value that is not JSON: ${jsonProblemText(checked)}`, {
          hint: 'return plain objects, arrays, strings, finite numbers, booleans or null',
        });
      }
      return checked.value;
    } catch (e) {
      if (e instanceof ApxmError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw new ApxmError('E_CAPABILITY_FAILED', `capability "${name}" failed: ${msg}`, { cause: e });
    } finally {
      clearTimeout(timer);
      if (onAbort) outer?.removeEventListener('abort', onAbort);
    }
  }

  async dispose(): Promise<void> {
    const ds = this.disposers.splice(0);
    await Promise.allSettled(ds.map(async (d) => d()));
  }

  private notify(change: CapabilityChange): void {
    for (const l of this.listeners) l(change);
  }
}
