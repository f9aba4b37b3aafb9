/**
 * Capabilities (tools) that answer from a recording: each call gets the result, or fails with the
 * error, that the recorded run's call got. Nothing runs live during a replay: tools registered
 * before are shadowed, and those the recording never called fail as a divergence.
 *
 * Matching: by name and canonical JSON of the params (traceRecorder.ts records them in a
 * `capability_request` event); a trace without params matches by name, preferring the same node,
 * in order.
 */
import { CapabilityRecord } from '../capabilities/capabilityRecord.js';
import type { CapabilitySystem } from '../capabilities/capabilitySystem.js';
import type { CapabilityInfo, JsonSchema } from '../capabilities/types.js';
import { ApxmError, type SerializedError } from '../errors.js';
import type { Value, ValueObject } from '../values/value.js';
import { canonicalJson } from './canonicalJson.js';
import type { RecordedCapabilityCall, RecordedRun } from './recordedRun.js';
import { clip, divergenceError, type DivergenceListener } from './replayDivergence.js';

export interface ReplayCapabilitiesOptions {
  onDivergence?: DivergenceListener;
}

export interface ReplayCapabilities {
  /** Names served from the recording. */
  served: string[];
  /** Names registered before that the recording never called: calling them is now a divergence. */
  blocked: string[];
  /** Recorded calls the replayed program did not make, in recorded order. */
  unserved(): RecordedCapabilityCall[];
  /** Unregisters the replay handlers (the live ones they shadowed are not restored). */
  dispose(): void;
}

/** Takes the first call recorded at `nodeId`, else the first one. */
function take(queue: RecordedCapabilityCall[], nodeId: number | undefined): RecordedCapabilityCall | undefined {
  const i = nodeId === undefined ? -1 : queue.findIndex((c) => c.nodeId === nodeId);
  return queue.splice(Math.max(0, i), 1)[0];
}

/** The recorded calls of one capability. */
class RecordedCalls {
  private readonly byParams = new Map<string, RecordedCapabilityCall[]>();
  /** Calls recorded without params. */
  private readonly inOrder: RecordedCapabilityCall[] = [];
  private made = 0;

  constructor(
    readonly name: string,
    readonly calls: RecordedCapabilityCall[],
  ) {
    for (const call of calls) {
      if (!call.params) this.inOrder.push(call);
      else {
        const key = canonicalJson(call.params);
        const q = this.byParams.get(key);
        if (q) q.push(call);
        else this.byParams.set(key, [call]);
      }
    }
  }

  next(params: ValueObject, nodeId: number | undefined): RecordedCapabilityCall | undefined {
    this.made++;
    const q = this.byParams.get(canonicalJson(params));
    return q?.length ? take(q, nodeId) : take(this.inOrder, nodeId);
  }

  get callsMade(): number {
    return this.made;
  }

  remaining(): RecordedCapabilityCall[] {
    return [...this.inOrder, ...[...this.byParams.values()].flat()];
  }

  /** Param keys in first-seen order: positional INV inputs get the same names they had live. */
  inferredSchema(): JsonSchema {
    const keys = new Set(this.calls.flatMap((c) => Object.keys(c.params ?? {})));
    return { type: 'object', properties: Object.fromEntries([...keys].map((k) => [k, {}])) };
  }
}

const replayed = (e: SerializedError): ApxmError =>
  new ApxmError(e.code, e.message, { ...(e.hint ? { hint: e.hint } : {}), ...(e.details ? { details: e.details } : {}) });

export function registerReplayCapabilities(
  system: CapabilitySystem,
  recorded: Pick<RecordedRun, 'runId' | 'capabilityCalls'>,
  options: ReplayCapabilitiesOptions = {},
): ReplayCapabilities {
  const byName = new Map<string, RecordedCapabilityCall[]>();
  for (const call of [...recorded.capabilityCalls].sort((a, b) => a.seq - b.seq)) {
    const calls = byName.get(call.name);
    if (calls) calls.push(call);
    else byName.set(call.name, [call]);
  }
  const diverged = (message: string, details: Record<string, Value>): ApxmError => {
    const error = divergenceError(recorded.runId, message, { kind: 'capability', ...details });
    options.onDivergence?.(error);
    return error;
  };
  const registered: string[] = [];
  const put = (
    name: string,
    live: CapabilityInfo | undefined,
    description: string,
    schema: JsonSchema,
    handler: CapabilityRecord['handler'],
  ) => {
    if (live) system.unregister(name);
    system.register(
      name,
      new CapabilityRecord(description, handler, {
        schema: live?.schema ?? schema,
        ...(live ? { timeoutMs: live.timeoutMs, source: live.source } : {}),
      }),
    );
    registered.push(name);
  };

  const queues: RecordedCalls[] = [];
  for (const [name, calls] of byName) {
    const live = system.get(name);
    // A name that was never registered when recorded stays unregistered: the system reports it again.
    if (!live && calls.every((c) => c.error?.code === 'E_CAPABILITY_NOT_FOUND')) continue;
    const queue = new RecordedCalls(name, calls);
    queues.push(queue);
    put(
      name,
      live,
      `replay of "${name}" from run ${recorded.runId}${live ? `: ${live.description}` : ''}`,
      queue.inferredSchema(),
      (params, ctx) => {
        const call = queue.next(params, ctx.nodeId);
        if (!call) {
          const n = queue.calls.length;
          const what = queue.calls.some((c) => c.params)
            ? `capability "${name}" was called with params the recording holds no result for`
            : `capability "${name}" was called ${queue.callsMade} times, the recording holds ${n} ${n === 1 ? 'call' : 'calls'}`;
          throw diverged(`${what}; params: ${clip(JSON.stringify(params))}`, { name, params });
        }
        if (call.error) throw replayed(call.error);
        return call.result;
      },
    );
  }

  const blocked = system.listCapabilityNames().filter((n) => !byName.has(n));
  for (const name of blocked) {
    put(name, system.get(name), `blocked during the replay of run ${recorded.runId}`, { type: 'object' }, (params) => {
      throw diverged(
        `the program called capability "${name}", which the recorded run never called; params: ${clip(JSON.stringify(params))}`,
        { name, params },
      );
    });
  }

  return {
    served: queues.map((q) => q.name),
    blocked,
    unserved: () => queues.flatMap((q) => q.remaining()).sort((a, b) => a.seq - b.seq),
    dispose: () => {
      for (const name of registered.splice(0)) system.unregister(name);
    },
  };
}
