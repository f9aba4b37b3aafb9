/**
 * Which memory rows changed since the debugger's previous stop. STM and LTM writes are stamped
 * with the number of stops seen before them; beliefs and goals are read from the AAM's own
 * transition log, whose sequence number is noted at each stop. Bounded: past `maxKeys` stamps
 * the oldest are forgotten (a forgotten key reads as unchanged).
 */
import type { Aam } from '../aam/aam.js';
import type { RuntimeEventEmitter } from '../events.js';

export type StampedTier = 'stm' | 'ltm';

export class MemoryChanges {
  private stops = 0;
  private readonly written = new Map<string, { stop: number; at: number }>();
  /** The AAM transition seq at the previous stop and at the latest one. */
  private aamBefore = 0;
  private aamNow = 0;
  private aamPending = false;
  private readonly off?: () => void;

  constructor(
    events?: RuntimeEventEmitter,
    runId?: string,
    private readonly maxKeys = 200_000,
    private readonly now: () => number = Date.now,
  ) {
    if (events)
      this.off = events.on('memory:write', (e) => {
        if (e.runId === runId && e.tier !== 'episodic') this.wrote(e.tier, e.key);
      });
  }

  /** A key was written (by an op, or edited from the debugger). */
  wrote(tier: StampedTier, key: string): void {
    const id = `${tier}:${key}`;
    this.written.delete(id); // re-inserted last: the map's order is the order of the latest writes
    this.written.set(id, { stop: this.stops, at: this.now() });
    if (this.written.size > this.maxKeys) this.written.delete(this.written.keys().next().value as string);
  }

  /**
   * The debugger stopped; `aamSeq` is the AAM's latest transition seq then, or undefined when the
   * run's AAM cannot be read yet (a stop inside the run's start): `settle` gives it before any edit.
   */
  stopped(aamSeq: number | undefined): void {
    this.stops++;
    this.aamBefore = this.aamNow;
    this.aamPending = aamSeq === undefined;
    if (aamSeq !== undefined) this.aamNow = aamSeq;
  }

  /** The AAM's seq for a stop that came before the AAM could be read (nothing ran since). */
  settle(aamSeq: number): void {
    if (this.aamPending) this.aamNow = aamSeq;
    this.aamPending = false;
  }

  /** Stops seen so far. */
  get stopCount(): number {
    return this.stops;
  }

  /** Written since the previous stop (or while stopped at this one). */
  changed(tier: StampedTier, key: string): boolean {
    const w = this.written.get(`${tier}:${key}`);
    return w !== undefined && w.stop >= this.stops - 1;
  }

  /** When the key was last written in this run, if it was. */
  writtenAt(tier: StampedTier, key: string): number | undefined {
    return this.written.get(`${tier}:${key}`)?.at;
  }

  /** Belief keys and goal keys changed since the previous stop, from the AAM's transition log. */
  aamChanges(aam: Aam): { beliefs: Set<string>; goals: Set<string> } {
    const beliefs = new Set<string>();
    const goals = new Set<string>();
    for (const t of aam.transitions()) {
      if (t.seq <= this.aamBefore) continue;
      for (const b of t.beliefs ?? []) beliefs.add(b.key);
      for (const g of t.goals ?? []) goals.add(g.goal.key);
    }
    return { beliefs, goals };
  }

  dispose(): void {
    this.off?.();
    this.written.clear();
  }
}

/** The AAM's latest transition seq (0 before any). */
export function aamSeq(aam: Aam): number {
  return aam.transitions(1)[0]?.seq ?? 0;
}
