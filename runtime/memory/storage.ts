/**
 * One storage interface for the persistent tiers (LTM, Episodic) and the coordination tables
 * (PAUSE checkpoints, CLAIM queues). Every backend passes the same conformance suite
 * (memory/storageConformance.ts): better-sqlite3, node:sqlite, and the in-memory one.
 */
import type { Value } from '../values/value.js';

export interface LtmEntry {
  key: string;
  value: Value;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
}

/** How `ltmList` orders a page: by key, or most recently updated first. */
export type LtmSort = 'key' | 'updated';

export interface SearchHit {
  key: string;
  value: Value;
  /** Higher is better; key matches score 1, full-text matches their normalised BM25 in (0, 1]. */
  score: number;
}

export interface EpisodicEvent {
  /** Assigned by the store (monotonic per database). */
  seq?: number;
  runId: string;
  /** Scheduler frame of the node (null for run-level events); with runId and nodeId it names one node execution. */
  frameId: number | null;
  nodeId: number | null;
  /** `op_start`, `op_success`, `op_failure`, `llm_call`, `flow_call:<a>:<f>`, UMEM keys... */
  eventType: string;
  payload: Value;
  /**
   * The payload already written out as JSON, when the recorder took it early (a run's last events,
   * whose values the caller gets): backends store this text, not `payload` as it may be by then.
   */
  payloadJson?: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export interface EpisodicQuery {
  runId?: string;
  /** Substring of event_type. */
  eventType?: string;
  nodeId?: number;
  /** Return only events with seq > afterSeq. */
  afterSeq?: number;
  limit?: number;
  offset?: number;
  order?: 'asc' | 'desc';
}

export interface RunRecord {
  runId: string;
  program: string;
  entryFlow: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled' | 'paused';
  startedAt: number;
  finishedAt?: number;
  args: Value;
  result?: Value;
  error?: Value;
  /** Who runs it now (read back only: runPut never changes it; runAcquire, runRenew and runRelease do). */
  lease?: RunLease;
}

/**
 * A process's hold on a run: taken when the run starts or continues, renewed while it runs,
 * released when it ends. Only the holder of an unexpired lease may run the run.
 */
export interface RunLease {
  host: string;
  pid: number;
  /** Random per acquisition: only its holder renews or releases the lease. */
  token: string;
  /** When this owner took the run (ms since the epoch). */
  startedAt: number;
  /** Last renewal (ms since the epoch). */
  heartbeatAt: number;
  /** Past this (ms since the epoch) the lease is free to take. */
  expiresAt: number;
}

export interface Checkpoint {
  id: string;
  runId: string;
  nodeId: number;
  message: string;
  displayData: Value;
  status: 'pending' | 'resumed' | 'expired';
  humanInput?: Value;
  /** STM snapshot taken when the run paused; RESUME restores it. */
  snapshot: Value;
  createdAt: number;
  resumedAt?: number;
}

export interface QueueTask {
  taskId: string;
  queue: string;
  data: Value;
  status: 'pending' | 'claimed' | 'done' | 'failed';
  claimedBy?: string;
  claimToken?: string;
  /** Lease expiry, ms since epoch; an expired claimed task can be claimed again. */
  leaseUntil?: number;
  result?: Value;
  createdAt: number;
}

export interface StorageBackend {
  /** `better-sqlite3`, `node:sqlite`, `memory`. */
  readonly kind: string;
  /** File path, or ':memory:'. */
  readonly location: string;
  /** Backends tried before this one, each with why it did not open (`better-sqlite3: not installed`). */
  readonly skipped?: readonly string[];

  // LTM
  ltmGet(key: string): LtmEntry | undefined;
  /** Upsert (and index for full-text search) in one transaction. */
  ltmPut(key: string, value: Value, now?: number): void;
  /** Many upserts in one transaction (bulk import, benchmarks). */
  ltmPutMany(entries: { key: string; value: Value }[], now?: number): void;
  ltmDelete(key: string): boolean;
  /** Exact key, then keys starting with the query, then keys containing it case-insensitively; each group by key. */
  ltmSearchKeys(query: string, limit: number): SearchHit[];
  /** FTS5 full-text search over keys and string leaves of values, best first. */
  ltmSearchText(query: string, limit: number): SearchHit[];
  /** Paged listing (never all rows at once): by key, or most recently updated first (then by key). */
  ltmList(offset: number, limit: number, prefix?: string, sort?: LtmSort): LtmEntry[];
  /** Entries, or entries whose key starts with `prefix`. */
  ltmCount(prefix?: string): number;

  // Episodic (append-only)
  /** Appends a batch in one transaction; returns the assigned seqs. */
  episodicAppend(events: EpisodicEvent[]): number[];
  episodicQuery(query: EpisodicQuery): EpisodicEvent[];
  episodicCount(runId?: string): number;

  // Runs
  runPut(run: RunRecord): void;
  runGet(runId: string): RunRecord | undefined;
  runList(limit: number, offset?: number): RunRecord[];
  /**
   * Deletes the run with its episodic events and checkpoints, in one transaction (other runs are
   * untouched); false when there is no such run. Callers refuse a run a live process owns.
   */
  runDelete(runId: string): boolean;
  /**
   * Takes `run.runId` for `lease`, atomically: inserts the run when it is new, else takes it when
   * it has not succeeded and its lease is free, expired (expiresAt < now) or held by `takeOver`
   * (the token of an owner the caller found gone); taking it sets its status, finishedAt, result
   * and error from `run` and keeps its startedAt. Returns the run as it then is: taken when its
   * lease token is `lease.token`.
   */
  runAcquire(run: RunRecord, lease: RunLease, now: number, takeOver?: string): RunRecord;
  /** Extends the lease `token` holds on the run; false when it no longer holds it. */
  runRenew(runId: string, token: string, expiresAt: number, now: number): boolean;
  /** Frees the run if `token` holds it; false otherwise. */
  runRelease(runId: string, token: string): boolean;

  // PAUSE / RESUME checkpoints
  checkpointPut(cp: Checkpoint): void;
  checkpointGet(id: string): Checkpoint | undefined;
  checkpointList(status?: Checkpoint['status']): Checkpoint[];

  // CLAIM work queues
  queuePush(queue: string, data: Value, now?: number): string;
  /** Atomically claims the oldest pending (or lease-expired) task; undefined when none. */
  queueClaim(queue: string, agentId: string, leaseMs: number, now?: number): QueueTask | undefined;
  queueComplete(taskId: string, claimToken: string, result: Value, success: boolean): boolean;
  queueList(queue: string): QueueTask[];

  /** Schema version after migrations. */
  schemaVersion(): number;
  close(): void;
}
