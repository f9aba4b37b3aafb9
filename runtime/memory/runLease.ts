/**
 * One process runs a run at a time. Starting or continuing a run takes a lease on it in the
 * database (owner host, pid, a random token, start time, expiry); the runtime renews it while the
 * run is alive and releases it when the run ends. The owner is gone when its lease expired, or
 * when it ran on this host and its pid no longer exists: a killed process's run is then shown as
 * `interrupted` and may be continued at once.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ApxmError } from '../errors.js';
import type { RunLease, RunRecord, StorageBackend } from './storage.js';

export const DEFAULT_RUN_LEASE_MS = 30_000;

/** How `apxm runs` shows a run: a `running` one whose owner is gone is `interrupted`. */
export type RunDisplayStatus = RunRecord['status'] | 'interrupted';

/** False only when no process has this pid (ESRCH); another user's process (EPERM) exists. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export function ownerGone(lease: RunLease, now = Date.now()): boolean {
  return lease.expiresAt < now || (lease.host === hostname() && !pidAlive(lease.pid));
}

/** A `running` run without a live owner (killed, its host lost, or recorded before leases) is interrupted. */
export function displayStatus(run: RunRecord, now = Date.now()): RunDisplayStatus {
  return run.status === 'running' && (!run.lease || ownerGone(run.lease, now)) ? 'interrupted' : run.status;
}

export function describeOwner(lease: RunLease): string {
  return `pid ${lease.pid} on host ${lease.host} (since ${new Date(lease.startedAt).toISOString()}, lease until ${new Date(lease.expiresAt).toISOString()})`;
}

/**
 * The leases one runtime holds: taken at a run's start, renewed by one unref'd timer while any is
 * held, given back at the run's end. A lease found taken by another owner at renewal (this
 * process stalled past its expiry) is reported to `onLost`.
 */
export class RunLeases {
  private readonly held = new Map<string, { token: string; onLost: () => void }>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly storage: StorageBackend,
    private readonly leaseMs = DEFAULT_RUN_LEASE_MS,
  ) {}

  /**
   * Takes `run` (inserting it if new) or throws E_RUN_BUSY naming its live owner. A run whose
   * owner is gone is taken over with a compare-and-set on that owner's token, so of two
   * processes taking over the same dead owner's run only one succeeds.
   */
  take(run: RunRecord, onLost: () => void): RunRecord {
    const lease = this.newLease();
    const now = lease.startedAt;
    let got = this.storage.runAcquire(run, lease, now);
    if (got.lease?.token !== lease.token && got.lease && ownerGone(got.lease, now))
      got = this.storage.runAcquire(run, lease, now, got.lease.token);
    if (got.lease?.token !== lease.token) {
      if (got.status === 'succeeded')
        throw new ApxmError('E_RUN_STATE', `run ${run.runId} already succeeded; there is nothing to continue`);
      const owner = got.lease!;
      throw new ApxmError('E_RUN_BUSY', `run ${run.runId} is being run by ${describeOwner(owner)}`, {
        hint: 'only one process runs a run at a time: wait for it to end, or stop that process and continue the run again (a killed process frees it at once)',
        details: { runId: run.runId, owner: { host: owner.host, pid: owner.pid, startedAt: owner.startedAt, expiresAt: owner.expiresAt } },
      });
    }
    this.hold(run.runId, lease, onLost);
    return got;
  }

  /**
   * A lease on a new run whose id nobody else can know yet (a fresh random one): no other process
   * can hold it, so the caller writes it with the run's start record, behind the run.
   */
  takeNew(runId: string, onLost: () => void): RunLease {
    const lease = this.newLease();
    this.hold(runId, lease, onLost);
    return lease;
  }

  private newLease(): RunLease {
    const now = Date.now();
    return { host: hostname(), pid: process.pid, token: randomUUID(), startedAt: now, heartbeatAt: now, expiresAt: now + this.leaseMs };
  }

  private hold(runId: string, lease: RunLease, onLost: () => void): void {
    this.held.set(runId, { token: lease.token, onLost });
    this.timer ??= setInterval(() => this.renewAll(), Math.max(10, Math.floor(this.leaseMs / 3))).unref();
  }

  /** Stops renewing `runId`; returns the token that releases it (after its final record is written). */
  end(runId: string): string | undefined {
    const h = this.held.get(runId);
    this.held.delete(runId);
    if (!this.held.size && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    return h?.token;
  }

  /** Releases every lease still held (the runtime is disposed with runs in flight). */
  releaseAll(): void {
    for (const [runId, { token }] of [...this.held]) {
      this.end(runId);
      try {
        this.storage.runRelease(runId, token);
      } catch {
        // the lease then expires by itself; the database is going away
      }
    }
  }

  private renewAll(): void {
    const now = Date.now();
    for (const [runId, h] of [...this.held]) {
      let kept: boolean;
      try {
        kept = this.storage.runRenew(runId, h.token, now + this.leaseMs, now);
      } catch {
        continue; // busy or locked for now: the next tick tries again, well before the lease expires
      }
      if (!kept) {
        this.end(runId);
        h.onLost();
      }
    }
  }
}
