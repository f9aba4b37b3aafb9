/**
 * The Agent Abstract Machine's mutable state: beliefs, goals, and a bounded transition log.
 * One per run (upstream shared it across runs and never reset it).
 */
import type { Value } from '../values/value.js';

export type GoalStatus = 'active' | 'completed' | 'cancelled';

export interface Goal {
  id: string;
  /** Stable key used by UPDATE_GOAL set/remove (upstream matched on description). */
  key: string;
  description: string;
  priority: number;
  status: GoalStatus;
}

export interface Transition {
  seq: number;
  timestamp: number;
  label: string;
  nodeId?: number;
  beliefs?: { key: string; before: Value | undefined; after: Value | undefined }[];
  goals?: { change: 'added' | 'removed' | 'status'; goal: Goal }[];
}

export class Aam {
  private readonly beliefMap = new Map<string, Value>();
  private readonly goalMap = new Map<string, Goal>();
  private readonly log: Transition[] = [];
  private seq = 0;
  private nextGoal = 1;

  constructor(
    private readonly maxTransitions = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  setBelief(key: string, value: Value, label: string, nodeId?: number): void {
    const before = this.beliefMap.get(key);
    this.beliefMap.set(key, value);
    this.record({ label, nodeId, beliefs: [{ key, before, after: value }] });
  }

  deleteBelief(key: string, label: string, nodeId?: number): boolean {
    const before = this.beliefMap.get(key);
    if (!this.beliefMap.delete(key)) return false;
    this.record({ label, nodeId, beliefs: [{ key, before, after: undefined }] });
    return true;
  }

  getBelief(key: string): Value | undefined {
    return this.beliefMap.get(key);
  }

  beliefs(): Record<string, Value> {
    return Object.fromEntries(this.beliefMap);
  }

  /** Adds a goal, or replaces the goal with the same key. */
  upsertGoal(key: string, description: string, priority: number, label: string, nodeId?: number): Goal {
    const existing = [...this.goalMap.values()].find((g) => g.key === key);
    if (existing) {
      this.goalMap.delete(existing.id);
      this.record({ label, nodeId, goals: [{ change: 'removed', goal: existing }] });
    }
    const goal: Goal = { id: `g${this.nextGoal++}`, key, description, priority, status: 'active' };
    this.goalMap.set(goal.id, goal);
    this.record({ label, nodeId, goals: [{ change: 'added', goal }] });
    return goal;
  }

  removeGoal(key: string, label: string, nodeId?: number): boolean {
    const g = [...this.goalMap.values()].find((x) => x.key === key || x.id === key);
    if (!g) return false;
    this.goalMap.delete(g.id);
    this.record({ label, nodeId, goals: [{ change: 'removed', goal: g }] });
    return true;
  }

  setGoalStatus(key: string, status: GoalStatus, label: string, nodeId?: number): boolean {
    const g = [...this.goalMap.values()].find((x) => x.key === key || x.id === key);
    if (!g) return false;
    g.status = status;
    this.record({ label, nodeId, goals: [{ change: 'status', goal: { ...g } }] });
    return true;
  }

  clearGoals(label: string, nodeId?: number): number {
    const all = [...this.goalMap.values()];
    this.goalMap.clear();
    if (all.length) this.record({ label, nodeId, goals: all.map((goal) => ({ change: 'removed' as const, goal })) });
    return all.length;
  }

  /** Goals, highest priority first. */
  goals(): Goal[] {
    return [...this.goalMap.values()].sort((a, b) => b.priority - a.priority);
  }

  transitions(limit = this.maxTransitions): Transition[] {
    return this.log.slice(-limit);
  }

  private record(t: Omit<Transition, 'seq' | 'timestamp'>): void {
    this.log.push({ seq: ++this.seq, timestamp: this.now(), ...t });
    if (this.log.length > this.maxTransitions) this.log.splice(0, this.log.length - this.maxTransitions);
  }
}
