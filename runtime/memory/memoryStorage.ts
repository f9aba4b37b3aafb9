/**
 * StorageBackend in plain memory: for `dbPath: ':memory:'` with `backend: 'memory'`, tests, and
 * hosts without any SQLite. Same behaviour as the SQLite backends (the conformance suite proves
 * it); full-text ranking is a simple word-overlap score instead of BM25.
 */
import { randomUUID } from 'node:crypto';
import type { Value } from '../values/value.js';
import { RANKED_MATCH_LIMIT, valueText } from './sqliteStorage.js';
import type {
  Checkpoint,
  EpisodicEvent,
  EpisodicQuery,
  LtmEntry,
  LtmSort,
  QueueTask,
  RunLease,
  RunRecord,
  SearchHit,
  StorageBackend,
} from './storage.js';

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));
const words = (s: string): string[] => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

export class MemoryStorage implements StorageBackend {
  readonly kind = 'memory';
  skipped?: readonly string[];
  readonly location = ':memory:';
  private readonly ltm = new Map<string, LtmEntry & { words: Set<string> }>();
  private readonly episodes: EpisodicEvent[] = [];
  private readonly runs = new Map<string, RunRecord>();
  private readonly checkpoints = new Map<string, Checkpoint>();
  private readonly tasks: QueueTask[] = [];
  /** Seqs keep growing when a run's events are deleted. */
  private lastSeq = 0;

  ltmGet(key: string): LtmEntry | undefined {
    const e = this.ltm.get(key);
    return e && { key, value: clone(e.value), createdAt: e.createdAt, updatedAt: e.updatedAt };
  }

  ltmPut(key: string, value: Value, now = Date.now()): void {
    const prev = this.ltm.get(key);
    const w = new Set([...words(key), ...words(valueText(value).join(' '))]);
    this.ltm.set(key, { key, value: clone(value), createdAt: prev?.createdAt ?? now, updatedAt: now, words: w });
  }

  ltmPutMany(entries: { key: string; value: Value }[], now = Date.now()): void {
    for (const e of entries) this.ltmPut(e.key, e.value, now);
  }

  ltmDelete(key: string): boolean {
    return this.ltm.delete(key);
  }

  ltmSearchKeys(query: string, limit: number): SearchHit[] {
    if (limit <= 0) return [];
    const keys = [...this.ltm.keys()].sort();
    const lower = query.toLowerCase();
    const exact = this.ltm.has(query) ? [query] : [];
    const prefix = keys.filter((k) => k !== query && k.startsWith(query));
    const inner = keys.filter((k) => k !== query && !k.startsWith(query) && k.toLowerCase().includes(lower));
    return [...exact, ...prefix, ...inner].slice(0, limit).map((key) => ({ key, value: clone(this.ltm.get(key)!.value), score: 1 }));
  }

  /** As the SQLite backends: all words, else any word, preferring words in at most RANKED_MATCH_LIMIT entries. */
  ltmSearchText(query: string, limit: number): SearchHit[] {
    const q = [...new Set(words(query))];
    if (!q.length || limit <= 0) return [];
    const entries = [...this.ltm.values()];
    const df = new Map(q.map((w) => [w, entries.filter((e) => e.words.has(w)).length]));
    const present = q.filter((w) => df.get(w)! > 0);
    const overlap = (ws: string[]) => entries.map((e) => ({ e, n: ws.filter((w) => e.words.has(w)).length }));
    let hits = present.length === q.length ? overlap(q).filter((s) => s.n === q.length) : [];
    if (!hits.length && q.length > 1) {
      const rare = present.filter((w) => df.get(w)! <= RANKED_MATCH_LIMIT);
      hits = overlap(rare.length ? rare : present).filter((s) => s.n > 0);
    }
    hits.sort((a, b) => b.n - a.n || (a.e.key < b.e.key ? -1 : 1));
    return hits.slice(0, limit).map(({ e, n }) => ({ key: e.key, value: clone(e.value), score: n / (q.length + 1) }));
  }

  ltmList(offset: number, limit: number, prefix?: string, sort: LtmSort = 'key'): LtmEntry[] {
    const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const keys = [...this.ltm.keys()].filter((k) => !prefix || k.startsWith(prefix));
    keys.sort(sort === 'updated' ? (a, b) => this.ltm.get(b)!.updatedAt - this.ltm.get(a)!.updatedAt || byKey(a, b) : byKey);
    return keys.slice(offset, offset + limit).map((k) => this.ltmGet(k)!);
  }

  ltmCount(prefix?: string): number {
    if (!prefix) return this.ltm.size;
    let n = 0;
    for (const k of this.ltm.keys()) if (k.startsWith(prefix)) n++;
    return n;
  }

  episodicAppend(events: EpisodicEvent[]): number[] {
    return events.map(({ payloadJson, ...e }) => {
      const seq = ++this.lastSeq;
      const stored =
        payloadJson !== undefined ? { ...clone({ ...e, payload: null }), payload: JSON.parse(payloadJson) as Value } : clone(e);
      this.episodes.push({ ...stored, seq });
      return seq;
    });
  }

  episodicQuery(query: EpisodicQuery): EpisodicEvent[] {
    let out = this.episodes.filter(
      (e) =>
        (query.runId === undefined || e.runId === query.runId) &&
        (!query.eventType || e.eventType.includes(query.eventType)) &&
        (query.nodeId === undefined || e.nodeId === query.nodeId) &&
        (query.afterSeq === undefined || e.seq! > query.afterSeq),
    );
    if (query.order === 'desc') out = out.reverse();
    const offset = query.offset ?? 0;
    return out.slice(offset, query.limit === undefined ? undefined : offset + query.limit).map(clone);
  }

  episodicCount(runId?: string): number {
    return runId === undefined ? this.episodes.length : this.episodes.filter((e) => e.runId === runId).length;
  }

  runPut(run: RunRecord): void {
    const prev = this.runs.get(run.runId);
    const { lease: _ignored, ...fresh } = run;
    this.runs.set(
      run.runId,
      prev ? { ...prev, status: run.status, finishedAt: run.finishedAt, result: clone(run.result), error: clone(run.error) } : clone(fresh),
    );
  }

  runAcquire(run: RunRecord, lease: RunLease, now: number, takeOver?: string): RunRecord {
    const prev = this.runs.get(run.runId);
    const held = prev?.lease;
    if (!prev) this.runPut(run);
    else if (prev.status === 'succeeded' || (held && held.expiresAt >= now && held.token !== takeOver)) return clone(prev);
    else this.runPut(run);
    this.runs.get(run.runId)!.lease = { ...lease };
    return clone(this.runs.get(run.runId)!);
  }

  runRenew(runId: string, token: string, expiresAt: number, now: number): boolean {
    const lease = this.runs.get(runId)?.lease;
    if (lease?.token !== token) return false;
    Object.assign(lease, { heartbeatAt: now, expiresAt });
    return true;
  }

  runRelease(runId: string, token: string): boolean {
    const run = this.runs.get(runId);
    if (run?.lease?.token !== token) return false;
    delete run.lease;
    return true;
  }

  runGet(runId: string): RunRecord | undefined {
    return clone(this.runs.get(runId));
  }

  runDelete(runId: string): boolean {
    if (!this.runs.delete(runId)) return false;
    let kept = 0;
    for (const e of this.episodes) if (e.runId !== runId) this.episodes[kept++] = e;
    this.episodes.length = kept;
    for (const [id, cp] of this.checkpoints) if (cp.runId === runId) this.checkpoints.delete(id);
    return true;
  }

  runList(limit: number, offset = 0): RunRecord[] {
    const all = [...this.runs.values()].reverse();
    return all
      .sort((a, b) => b.startedAt - a.startedAt)
      .slice(offset, offset + limit)
      .map(clone);
  }

  checkpointPut(cp: Checkpoint): void {
    this.checkpoints.set(cp.id, clone(cp));
  }

  checkpointGet(id: string): Checkpoint | undefined {
    return clone(this.checkpoints.get(id));
  }

  checkpointList(status?: Checkpoint['status']): Checkpoint[] {
    return [...this.checkpoints.values()]
      .filter((c) => !status || c.status === status)
      .sort((a, b) => a.createdAt - b.createdAt)
      .map(clone);
  }

  queuePush(queue: string, data: Value, now = Date.now()): string {
    const taskId = randomUUID();
    this.tasks.push({ taskId, queue, data: clone(data), status: 'pending', createdAt: now });
    return taskId;
  }

  queueClaim(queue: string, agentId: string, leaseMs: number, now = Date.now()): QueueTask | undefined {
    const t = this.tasks.find(
      (x) => x.queue === queue && (x.status === 'pending' || (x.status === 'claimed' && (x.leaseUntil ?? 0) < now)),
    );
    if (!t) return undefined;
    Object.assign(t, { status: 'claimed', claimedBy: agentId, claimToken: randomUUID(), leaseUntil: now + leaseMs });
    return clone(t);
  }

  queueComplete(taskId: string, claimToken: string, result: Value, success: boolean): boolean {
    const t = this.tasks.find((x) => x.taskId === taskId && x.claimToken === claimToken && x.status === 'claimed');
    if (!t) return false;
    t.status = success ? 'done' : 'failed';
    t.result = clone(result);
    return true;
  }

  queueList(queue: string): QueueTask[] {
    return this.tasks.filter((t) => t.queue === queue).map(clone);
  }

  schemaVersion(): number {
    return 1;
  }

  close(): void {}
}
