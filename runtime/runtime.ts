/**
 * The public entry point: `Runtime.create(config)`, then `runtime.execute(program, { args })`.
 * Owns what outlives one run (storage, LLM client, capabilities, lanes, flow registry); each
 * execution gets its own STM, AAM and run id.
 */
import { randomUUID } from 'node:crypto';
import { Aam } from './aam/aam.js';
import { FlowRegistry } from './agents/flowRegistry.js';
import { CapabilitySystem } from './capabilities/capabilitySystem.js';
import { DEFAULTS, type RuntimeConfig } from './config.js';
import { ApxmError, serializeError } from './errors.js';
import { RuntimeEventEmitter, type RunStats } from './events.js';
import { bindArguments } from './graph/bindArguments.js';
import { compileFlow, type CompiledFlow } from './graph/compileFlow.js';
import { programFromJson } from './graph/loadGraphJson.js';
import type { FlowGraph, Program } from './graph/types.js';
import { createProvider } from './llm/createProvider.js';
import { LlmClient } from './llm/llmClient.js';
import { EpisodicRecorder, type RunLeaseWrite } from './memory/episodicRecorder.js';
import { MemorySystem } from './memory/memorySystem.js';
import { openStorage } from './memory/openStorage.js';
import { DEFAULT_RUN_LEASE_MS, RunLeases } from './memory/runLease.js';
import { ShortTermMemory } from './memory/shortTermMemory.js';
import { BufferedStorage } from './memory/bufferedStorage.js';
import type { RunRecord, StorageBackend } from './memory/storage.js';
import { OP_HANDLERS } from './ops/handlers.js';
import type { HumanInputProvider, RunServices } from './ops/runServices.js';
import { Execution, type ExecutionHooks, type ExecutionResult } from './scheduler/execution.js';
import { LanePool } from './scheduler/lanePool.js';
import { TraceRecorder } from './traceRecorder.js';
import { isObject, type Value } from './values/value.js';

export interface ExecuteOptions {
  /** Entry-flow arguments by parameter name (strings are converted by the declared type). */
  args?: Record<string, unknown>;
  signal?: AbortSignal;
  /** Lanes this run may use at most (≤ the runtime's maxParallelism). */
  maxParallelism?: number;
  hooks?: ExecutionHooks;
  startPaused?: boolean;
  humanInput?: HumanInputProvider;
  runId?: string;
  /**
   * Continue an earlier run that stopped (paused, cancelled, or its process died): same run id;
   * entry-flow nodes that finished before are settled from the episodic log instead of running
   * again, and a PAUSE answered since (`apxm resume`) takes its stored answer. Arguments default
   * to the earlier run's. In a database file, a run another live process runs is refused
   * (E_RUN_BUSY).
   */
  continueRun?: string;
}

export interface RunResult extends Omit<ExecutionResult, 'stats'> {
  stats: RunStats;
  /** The run's AAM at the end: beliefs and goals. */
  beliefs: Record<string, Value>;
  goals: { key: string; description: string; priority: number; status: string }[];
}

/** A started run: its control surface (pause/step/resume) and its result. */
export interface RunHandle {
  runId: string;
  execution: Execution;
  result: Promise<RunResult>;
  stm: ShortTermMemory;
  /** The run's STM, LTM and Episodic tiers. */
  memory: MemorySystem;
  aam: Aam;
}

const noHuman: HumanInputProvider = {
  request: async (req) => {
    throw new ApxmError('E_HUMAN_INPUT', `PAUSE '${req.checkpointId}' needs a human answer but no human-input provider is configured`, {
      hint: 'run from a terminal (the CLI prompts), pass --answer <checkpoint>=<text>, or debug it in VS Code',
    });
  },
};

export class Runtime {
  readonly events = new RuntimeEventEmitter();
  readonly flowRegistry = new FlowRegistry();
  private readonly compiled = new WeakMap<FlowGraph, CompiledFlow>();
  private readonly pool: LanePool;
  private recorder?: EpisodicRecorder;
  private trace?: TraceRecorder;
  /** Leases on the runs this runtime runs, when its database is a file other processes may open. */
  private readonly leases?: RunLeases;
  /** Episodic events, run records and checkpoints; with recording on, the trace is written behind the run (BufferedStorage). */
  readonly storage: StorageBackend;
  private flowsCache?: { program: Program; version: number; flows: Map<string, CompiledFlow> };
  private disposed = false;

  private constructor(
    readonly config: RuntimeConfig,
    backend: StorageBackend,
    private readonly capabilities: CapabilitySystem,
    readonly llm: LlmClient,
  ) {
    const sc = config.schedulerConfig ?? {};
    this.pool = new LanePool(sc.maxParallelism ?? DEFAULTS.maxParallelism, sc.enableWorkStealing ?? DEFAULTS.enableWorkStealing);
    this.storage = backend;
    if (config.memoryConfig?.recordEpisodes ?? DEFAULTS.recordEpisodes) {
      const storage = new BufferedStorage(backend, () => this.recorder?.flush());
      this.storage = storage;
      this.recorder = new EpisodicRecorder(storage, {
        batchSize: config.memoryConfig?.episodicBatchSize ?? DEFAULTS.episodicBatchSize,
        // a trace that cannot be written is a warning on its runs, never a crash or a run that hangs
        onError: (error, lost) => {
          for (const runId of new Set(lost.map((e) => e.runId))) {
            const n = lost.filter((e) => e.runId === runId).length;
            this.events.emit('warning', {
              runId,
              message: `${n} episodic event(s) could not be written to ${storage.location}: ${error.message}`,
            });
          }
        },
        // the run happened and its result was returned: a run record that cannot be written does not lose it
        onRunError: (error, run) => this.runRecordLost(run.runId, error),
      });
      this.trace = new TraceRecorder(this.events, this.recorder, this.now);
    }
    if (backend.location !== ':memory:') this.leases = new RunLeases(this.storage, config.memoryConfig?.runLeaseMs ?? DEFAULT_RUN_LEASE_MS);
  }

  static async create(config: RuntimeConfig = {}): Promise<Runtime> {
    const mc = config.memoryConfig ?? {};
    // the LLM settings are checked first: a bad one must not leave a database open behind it
    const provider = config.llmProvider ?? createProvider(config.llm ?? {});
    const llm = new LlmClient(provider, { retry: config.llm?.retry, timeouts: config.llm?.timeoutMs, prices: config.llm?.prices });
    const storage = await openStorage(mc.dbPath ?? DEFAULTS.dbPath, { backend: mc.backend ?? DEFAULTS.backend });
    try {
      return new Runtime(config, storage, new CapabilitySystem(), llm);
    } catch (e) {
      storage.close();
      throw e;
    }
  }

  capabilitySystem(): CapabilitySystem {
    return this.capabilities;
  }

  get now(): () => number {
    return this.config.now ?? Date.now;
  }

  /** Parses and validates an ApxmGraph JSON value (one graph or a bundle of flows); its FLOW_CALLs may call flows registered here. */
  loadProgram(json: unknown, file?: string): Program {
    return programFromJson(json, file, { externalFlows: this.flowRegistry.allFlows() });
  }

  compile(flow: FlowGraph): CompiledFlow {
    let c = this.compiled.get(flow);
    if (!c) {
      c = compileFlow(flow);
      this.compiled.set(flow, c);
    }
    return c;
  }

  /** Compiled flows a run of `program` can call, by `Agent.flow` (kept while the registry is unchanged). */
  private callableFlows(program: Program): Map<string, CompiledFlow> {
    const cached = this.flowsCache;
    if (cached && cached.program === program && cached.version === this.flowRegistry.version) return cached.flows;
    const flows = new Map<string, CompiledFlow>();
    for (const f of this.flowRegistry.allFlows()) flows.set(f.qualifiedName, this.compile(f));
    for (const f of program.flows) flows.set(f.qualifiedName, this.compile(f));
    this.flowsCache = { program, version: this.flowRegistry.version, flows };
    return flows;
  }

  /** Runs a program (or one flow, with the registry's flows callable) to completion. */
  execute(target: Program | FlowGraph, options: ExecuteOptions = {}): Promise<RunResult> {
    // Not an async function: returning the run's promise from one costs two more turns of the
    // microtask queue before the caller sees the result.
    try {
      return this.start(target, options).result;
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** Starts a run and returns at once with its control surface. */
  start(target: Program | FlowGraph, options: ExecuteOptions = {}): RunHandle {
    if (this.disposed) throw new ApxmError('E_DISPOSED', 'this runtime has been disposed');
    const program: Program = 'entry' in target ? target : { name: target.qualifiedName, flows: [target], entry: target };
    this.flowRegistry.registerProgram(program);
    const earlier = options.continueRun !== undefined ? this.continuableRun(options.continueRun, program) : undefined;
    const args = bindArguments(program.entry, options.args ?? (earlier?.args as Record<string, unknown> | undefined) ?? {});
    const flows = this.callableFlows(program);
    const runId = options.continueRun ?? options.runId ?? randomUUID();
    const stm = new ShortTermMemory({ maxEntries: this.config.memoryConfig?.stmMaxEntries ?? DEFAULTS.stmMaxEntries });
    const aam = new Aam(1000, this.now);
    const memory = new MemorySystem(runId, stm, this.storage, this.recorder, this.now);
    let execution!: Execution;
    let tokensUsed = 0;
    const services: RunServices = {
      runId,
      memory,
      stm,
      storage: this.storage,
      recorder: this.recorder,
      llm: this.llm,
      capabilities: this.capabilities,
      aam,
      humanInput: options.humanInput ?? this.config.humanInput ?? noHuman,
      remoteAgents: this.config.remoteAgents ?? {},
      tokenBudget: this.config.tokenBudget,
      now: this.now,
      tokensUsed: () => tokensUsed,
      accountLlm: (input, output, retries, cost) => {
        tokensUsed += input + output;
        execution.addLlmUsage(input, output, retries, cost);
      },
    };
    const maxParallelism = Math.min(options.maxParallelism ?? this.pool.lanes, this.pool.lanes);
    const startedAt = earlier?.startedAt ?? this.now();
    const startRecord: RunRecord = {
      runId,
      program: program.file ?? program.name,
      entryFlow: program.entry.qualifiedName,
      status: 'running',
      startedAt,
      args,
    };
    let leaseLost = false;
    const onLeaseLost = () => {
      leaseLost = true;
      this.events.emit('warning', {
        runId,
        message: `run ${runId} was taken over by another process (this one stalled past its lease); it is cancelled here`,
      });
      execution?.cancel('the run was taken over by another process');
    };
    // A run another process may know (continued, or given its id) is taken now, before its earlier
    // trace is read and before anything runs: a second process continuing it is refused here.
    if (this.leases && (earlier || options.runId !== undefined)) this.leases.take(startRecord, onLeaseLost);
    else this.putRun(startRecord, this.leases ? { take: this.leases.takeNew(runId, onLeaseLost) } : {});
    try {
      execution = new Execution({
        runId,
        programName: program.name,
        entry: this.compile(program.entry),
        flows,
        args,
        services,
        handlers: OP_HANDLERS,
        events: this.events,
        pool: this.pool,
        maxParallelism,
        maxFlowDepth: this.config.schedulerConfig?.maxFlowDepth ?? DEFAULTS.maxFlowDepth,
        signal: options.signal,
        hooks: options.hooks,
        startPaused: options.startPaused,
        replay: earlier ? this.finishedEntryNodes(runId) : undefined,
        compileGraph: (json) => {
          // a generated plan may call the flows the run can call
          const p = programFromJson(json, `<generated plan of run ${runId}>`, { externalFlows: [...flows.values()].map((c) => c.graph) });
          return compileFlow(p.entry);
        },
      });
    } catch (e) {
      const token = this.leases?.end(runId);
      if (token !== undefined) this.storage.runRelease(runId, token);
      throw e;
    }
    const stopTrace = this.trace ? this.trace.track(runId) : () => undefined;
    const result = execution.run().then((r) => {
      stopTrace();
      const leaseToken = this.leases?.end(runId);
      try {
        // A run stopped while a PAUSE waits is 'paused', not lost: `continueRun` picks it up later.
        const waiting = r.status === 'cancelled' && this.storage.checkpointList('pending').some((c) => c.runId === runId);
        // a run taken over by another process is that process's to record now
        if (!leaseLost) {
          this.putRun(
            {
              runId,
              program: program.file ?? program.name,
              entryFlow: program.entry.qualifiedName,
              status: waiting ? 'paused' : r.status,
              startedAt,
              finishedAt: this.now(),
              args,
              result: r.result ?? null,
              error: r.error ? (serializeError(r.error) as unknown as Value) : null,
            },
            leaseToken !== undefined ? { release: leaseToken } : {},
          );
        }
      } catch (e) {
        this.runRecordLost(runId, e as Error);
      }
      this.recorder?.seal(); // the caller gets the values the last events carry
      // Added in place: a spread would build the per-node outputs, which are made when first read.
      return Object.assign(r, {
        beliefs: aam.beliefs(),
        goals: aam.goals().map(({ key, description, priority, status }) => ({ key, description, priority, status })),
      });
    });
    return { runId, execution, result, stm, memory, aam };
  }

  /** Writes a run record (taking or releasing its lease): behind the run when recording (batched with its trace), else at once. */
  private putRun(run: RunRecord, lease: RunLeaseWrite = {}): void {
    if (this.recorder) this.recorder.recordRun(run, lease);
    else {
      if (lease.take) this.storage.runAcquire(run, lease.take, Date.now());
      else this.storage.runPut(run);
      if (lease.release !== undefined) this.storage.runRelease(run.runId, lease.release);
    }
  }

  private runRecordLost(runId: string, error: Error): void {
    this.events.emit('warning', {
      runId,
      message: `the record of run ${runId} could not be written to ${this.storage.location}: ${error.message}`,
    });
  }

  /** The record of a run that `program` may continue: its arguments and start time. */
  private continuableRun(runId: string, program: Program): RunRecord {
    const record = this.storage.runGet(runId);
    if (!record) {
      throw new ApxmError('E_RUN_NOT_FOUND', `no run ${runId} in ${this.storage.location}`, {
        hint: 'list runs with: apxm runs --db <file>; continue a run with the same --db it used',
      });
    }
    if (record.entryFlow !== program.entry.qualifiedName) {
      throw new ApxmError('E_RUN_STATE', `run ${runId} ran ${record.entryFlow}, not ${program.entry.qualifiedName}`, {
        hint: `continue it with its own program: ${record.program}`,
      });
    }
    if (record.status === 'succeeded') throw new ApxmError('E_RUN_STATE', `run ${runId} already succeeded; there is nothing to continue`);
    return record;
  }

  /** The outputs of the entry frame's nodes an earlier attempt of the run finished, from its episodic log. */
  private finishedEntryNodes(runId: string): Map<number, Value> {
    const replay = new Map<number, Value>();
    for (const e of this.storage.episodicQuery({ runId, eventType: 'op_success' })) {
      if (e.frameId === 1 && e.nodeId !== null && e.eventType === 'op_success' && isObject(e.payload))
        replay.set(e.nodeId, e.payload.output ?? null);
    }
    return replay;
  }

  /** Flushes pending episodic writes and closes the database; safe to call twice. */
  /**
   * Writes now what the trace recorder holds (it writes behind a run, when the run next yields).
   * For a host that tells someone else a run has ended (the debug adapter's `terminated`): they may
   * read the database at once, from another process.
   */
  flushTrace(): void {
    this.recorder?.flush();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.recorder?.close();
    this.leases?.releaseAll(); // runs still in flight: their final records will not be written
    await this.capabilities.dispose?.();
    await this.llm.dispose?.();
    this.events.removeAll();
    this.storage.close();
  }
}
