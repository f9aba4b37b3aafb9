/**
 * STM: the run's working set. Bounded: past `maxEntries` the least recently used key is evicted
 * (and reported), never a hard failure. Map insertion order doubles as recency order.
 */
import { ApxmError } from '../errors.js';
import type { Value } from '../values/value.js';
import type { SearchHit } from './storage.js';

export interface ShortTermMemoryOptions {
  maxEntries?: number;
  /** Called with each evicted key. */
  onEvict?: (key: string) => void;
}

export class ShortTermMemory {
  readonly maxEntries: number;
  private readonly map = new Map<string, Value>();
  private evictions = 0;

  constructor(private readonly options: ShortTermMemoryOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 10_000);
  }

  get(key: string): Value | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  /** Reads without touching recency (debugger views). */
  peek(key: string): Value | undefined {
    return this.map.get(key);
  }

  set(key: string, value: Value): void {
    if (key === '') throw new ApxmError('E_MEMORY', 'memory key must not be empty', { hint: 'give UMEM a non-empty `key` attribute' });
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
      this.evictions++;
      this.options.onEvict?.(oldest);
    }
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  delete(key: string): boolean {
    return this.map.delete(key);
  }

  /** Case-sensitive key substring, ordered by key. */
  search(query: string, limit: number): SearchHit[] {
    if (limit <= 0) return [];
    return [...this.map.keys()]
      .filter((k) => k.includes(query))
      .sort()
      .slice(0, limit)
      .map((key) => ({ key, value: this.map.get(key)!, score: 1 }));
  }

  entries(): [string, Value][] {
    return [...this.map.entries()];
  }

  get size(): number {
    return this.map.size;
  }

  get evictedCount(): number {
    return this.evictions;
  }

  clear(): void {
    this.map.clear();
  }

  snapshot(): Record<string, Value> {
    return Object.fromEntries(this.map);
  }

  restore(snapshot: Record<string, Value>): void {
    for (const [k, v] of Object.entries(snapshot)) this.set(k, v);
  }
}
