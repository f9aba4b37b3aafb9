/**
 * Lanes are the runtime's execution slots, shared by every execution of one Runtime. Each
 * execution keeps its own ready queue; a free lane goes to the execution furthest below its fair
 * share, and an execution may take (steal) lanes others leave idle. So one 100k-node run cannot
 * starve a 5-node run started after it.
 */
export interface LaneClient {
  /** Nodes of this client currently holding a lane. */
  readonly inFlight: number;
  /** True when the client has ready work it could start now. */
  hasReadyWork(): boolean;
  /** Called when a lane may be available for this client. */
  wake(): void;
}

export class LanePool {
  private inUse = 0;
  private readonly clients = new Set<LaneClient>();
  private waking = false;

  constructor(
    readonly lanes: number,
    readonly workStealing = true,
  ) {
    if (!Number.isInteger(lanes) || lanes < 1) throw new RangeError(`maxParallelism must be a positive integer, got ${lanes}`);
  }

  get used(): number {
    return this.inUse;
  }

  register(c: LaneClient): void {
    this.clients.add(c);
  }

  unregister(c: LaneClient): void {
    this.clients.delete(c);
    this.wakeOthers();
  }

  tryAcquire(c: LaneClient): boolean {
    if (this.inUse >= this.lanes) return false;
    if (this.clients.size > 1) {
      let contenders = 0;
      for (const o of this.clients) if (o === c || o.hasReadyWork()) contenders++;
      const share = Math.max(1, Math.floor(this.lanes / Math.max(1, contenders)));
      if (c.inFlight >= share) {
        // Over its share: only steal a lane nobody below their share is waiting for.
        if (!this.workStealing) return false;
        for (const o of this.clients) if (o !== c && o.hasReadyWork() && o.inFlight < share) return false;
      }
    }
    this.inUse++;
    return true;
  }

  /** Takes a free lane regardless of fair shares (a debugger step must not wait for fairness). */
  acquireIfFree(): boolean {
    if (this.inUse >= this.lanes) return false;
    this.inUse++;
    return true;
  }

  release(): void {
    this.inUse--;
    if (this.clients.size > 1) this.wakeOthers();
  }

  private wakeOthers(): void {
    if (this.waking) return;
    this.waking = true;
    queueMicrotask(() => {
      this.waking = false;
      // Poorest first: the client with the fewest lanes gets the first chance.
      const waiting = [...this.clients].filter((c) => c.hasReadyWork()).sort((a, b) => a.inFlight - b.inFlight);
      for (const c of waiting) c.wake();
    });
  }
}
