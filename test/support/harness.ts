/** A runtime for tests: in-memory SQLite, a scripted or simulated LLM, and an event log. */
import type { RuntimeConfig } from '../../runtime/config.js';
import type { RuntimeEventName, RuntimeEvents } from '../../runtime/events.js';
import { CapabilityRecord } from '../../runtime/capabilities/capabilityRecord.js';
import type { CapabilityHandler, JsonSchema } from '../../runtime/capabilities/types.js';
import { Runtime } from '../../runtime/runtime.js';

export async function makeRuntime(config: RuntimeConfig = {}): Promise<Runtime> {
  return Runtime.create({ memoryConfig: { dbPath: ':memory:', ...config.memoryConfig }, ...config });
}

export function tool(runtime: Runtime, name: string, handler: CapabilityHandler, schema?: JsonSchema): void {
  runtime.capabilitySystem().register(name, new CapabilityRecord(`test tool ${name}`, handler, schema ? { schema } : {}));
}

export interface EventLog {
  all: { name: RuntimeEventName; e: unknown }[];
  of<K extends RuntimeEventName>(name: K): RuntimeEvents[K][];
  /** Node ids in the order they started. */
  started(): number[];
  finished(): number[];
  skipped(): number[];
}

export function recordEvents(runtime: Runtime): EventLog {
  const all: { name: RuntimeEventName; e: unknown }[] = [];
  runtime.events.onAny((name, e) => all.push({ name, e }));
  const of = <K extends RuntimeEventName>(name: K) => all.filter((x) => x.name === name).map((x) => x.e as RuntimeEvents[K]);
  return {
    all,
    of,
    started: () => of('node:started').map((e) => e.nodeId),
    finished: () => of('node:finished').map((e) => e.nodeId),
    skipped: () => of('node:skipped').map((e) => e.nodeId),
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
