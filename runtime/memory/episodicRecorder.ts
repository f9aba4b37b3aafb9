/**
 * Batches the run trace so recording never dominates run time: episodic events and run records
 * queue in memory and are written one transaction per `batchSize` events, when the run next waits
 * (or on a timer), on flush and on close. Readers see them at once through BufferedStorage, which
 * flushes before it reads.
 */
import type { EpisodicEvent, RunLease, RunRecord, StorageBackend } from './storage.js';

/** What to do with a run's lease when its record is written. */
export interface RunLeaseWrite {
  /** Take this lease with the record (a new run whose id nobody else can know yet). */
  take?: RunLease;
  /** Release the lease of this token after the record is written. */
  release?: string;
}

export interface EpisodicRecorderOptions {
  batchSize?: number;
  /**
   * Longest an event waits in memory before it is written. Default 0: as soon as the run yields to
   * the event loop (while its LLM calls and tools are in flight), so little is left to write when
   * it ends.
   */
  flushIntervalMs?: number;
  /**
   * A write failure (disk full, a locked or broken file) is reported here with the batch it lost,
   * rather than thrown into the run. Without it, `flush()` throws, and a background write failure
   * is an uncaught exception.
   */
  onError?: (error: Error, lost: EpisodicEvent[]) => void;
  /** A run record that could not be written (as `onError`; without it, `flush()` throws). */
  onRunError?: (error: Error, run: RunRecord) => void;
}

export class EpisodicRecorder {
  private pending: EpisodicEvent[] = [];
  /** pending[0 .. sealed) hold copies of their payloads (see seal()). */
  private sealed = 0;
  /** Run records to write, the latest of each run (written before the events), with what to do with its lease. */
  private runs = new Map<string, { run: RunRecord } & RunLeaseWrite>();
  private timer?: NodeJS.Timeout;
  private immediate?: NodeJS.Immediate;
  private closed = false;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;

  constructor(
    private readonly storage: StorageBackend,
    private readonly options: EpisodicRecorderOptions = {},
  ) {
    this.batchSize = Math.max(1, options.batchSize ?? 512);
    this.flushIntervalMs = options.flushIntervalMs ?? 0;
  }

  record(event: EpisodicEvent): void {
    if (this.closed) return;
    this.pending.push(event);
    if (this.pending.length >= this.batchSize) this.flush();
    else this.schedule();
  }

  /**
   * Queues a run's record (an upsert: a later record of the same run replaces an unwritten one).
   * `lease`: take a lease with it, or release one after it. A run that ends before its start is
   * written never writes its lease at all (the common case: one row written per short run).
   */
  recordRun(run: RunRecord, lease: RunLeaseWrite = {}): void {
    if (this.closed) return;
    const prev = this.runs.get(run.runId);
    let { take, release } = lease;
    if (prev?.take && !take) {
      if (release === prev.take.token)
        release = undefined; // never written: nothing to release
      else take = prev.take;
    }
    this.runs.delete(run.runId); // re-inserted last: records are written in the order of their last change
    // a copy: the record's values (the run's result) are handed to the caller, who may change them before it is written
    const copy = {
      ...run,
      args: copyOf(run.args),
      ...(run.result !== undefined ? { result: copyOf(run.result) } : {}),
      ...(run.error !== undefined ? { error: copyOf(run.error) } : {}),
    };
    this.runs.set(run.runId, { run: copy, ...(take ? { take } : {}), ...(release !== undefined ? { release } : {}) });
    this.schedule();
  }

  /**
   * Writes out (as JSON) the payloads of the events waiting to be written. A run calls this before
   * it returns its result: the last events carry values the caller then holds (the result, node
   * outputs), and the trace must show them as they were, not as the caller may change them before
   * the next write. The flush then stores that text; nothing is serialised twice.
   */
  seal(): void {
    for (let i = this.sealed; i < this.pending.length; i++) {
      const e = this.pending[i];
      if (e.payloadJson !== undefined) continue;
      try {
        this.pending[i] = { ...e, payloadJson: JSON.stringify(e.payload) };
      } catch {
        // not JSON: left as it is, and the write reports it (onError), never the run
      }
    }
    this.sealed = this.pending.length;
  }

  private schedule(): void {
    if (this.flushIntervalMs === 0) {
      // Not unref'd: a process that ends with a run's last batch still waiting writes it first.
      this.immediate ??= setImmediate(() => this.flush());
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushIntervalMs);
      this.timer.unref();
    }
  }

  get pendingCount(): number {
    return this.pending.length + this.runs.size;
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    if (this.runs.size) {
      const runs = [...this.runs.values()];
      this.runs.clear();
      for (const { run, take, release } of runs) {
        try {
          if (!take) this.storage.runPut(run);
          else if (this.storage.runAcquire(run, take, Date.now()).lease?.token !== take.token)
            throw new Error(`another process took run ${run.runId} first`);
          if (release !== undefined) this.storage.runRelease(run.runId, release);
        } catch (e) {
          if (this.options.onRunError) this.options.onRunError(e as Error, run);
          else throw e;
        }
      }
    }
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    this.sealed = 0;
    try {
      this.storage.episodicAppend(batch);
    } catch (e) {
      if (this.options.onError) this.options.onError(e as Error, batch);
      else throw e;
    }
  }

  close(): void {
    this.flush();
    this.closed = true;
  }
}

/** A deep copy of a JSON-like value (the value itself when it cannot be copied: its write then reports it). */
function copyOf<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  try {
    return structuredClone(v);
  } catch {
    return v;
  }
}
