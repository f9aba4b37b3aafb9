/**
 * Max-priority queue of ready nodes: higher critical-path priority first, first-in first-out among
 * equals.
 *
 * Many ready nodes share a priority (a wide DAG has few distinct path lengths: 115 levels for
 * ~870 ready nodes of a random 10k-node graph), so nodes wait in one FIFO bucket per priority
 * level, and a binary heap orders only the non-empty buckets. A push onto a waiting level is an
 * append; the heap moves only when a level empties or fills. Levels come from the compiled flow
 * (its distinct priorities and each node's rank among them), so finding a node's bucket is an
 * addition, not a lookup. Buckets of different flows with equal priority are ordered by their
 * first entry's sequence number, which keeps FIFO across flows too.
 *
 * Bucket lists are linked cells in typed arrays with a free list, so pushing and popping a node
 * allocates nothing: this runs once per node of every run. `pop()` leaves the popped entry in
 * `frame`/`idx`/`bucket`/`priority`/`seq`; the sequence number identifies an entry.
 */
export interface ReadyItem<F> {
  frame: F;
  idx: number;
  bucket: number;
  priority: number;
  seq: number;
}

const NONE = -1;

export class ReadyQueue<F> {
  // Cells of the bucket lists; free cells are chained through `cellNext`.
  private cellFrame: (F | undefined)[] = [];
  private cellIdx = new Int32Array(16);
  private cellSeq = new Float64Array(16);
  private cellNext = new Int32Array(16);
  private cellsUsed = 0;
  private freeCell = NONE;
  // Buckets: one per priority level of each registered set of levels.
  private head = new Int32Array(16);
  private tail = new Int32Array(16);
  private level = new Float64Array(16);
  private buckets = 0;
  private readonly firstBucket = new Map<Float64Array, number>();
  // Binary heap of the non-empty buckets.
  private heap = new Int32Array(16);
  private heapSize = 0;
  private n = 0;
  private nextSeq = 0;
  /** The entry the last successful `pop()` removed. */
  frame!: F;
  idx = 0;
  bucket = 0;
  priority = 0;
  seq = 0;

  get size(): number {
    return this.n;
  }

  /**
   * The bucket of the first of `levels` (distinct priorities, highest first); the bucket of a node
   * whose priority is `levels[r]` is that plus `r`. Registered once per array.
   */
  levels(levels: Float64Array): number {
    const known = this.firstBucket.get(levels);
    if (known !== undefined) return known;
    const base = this.buckets;
    const need = base + levels.length;
    if (need > this.head.length) {
      const size = Math.max(need, this.head.length * 2);
      this.head = grown(this.head, size);
      this.tail = grown(this.tail, size);
      this.level = grown(this.level, size);
      this.heap = grown(this.heap, size);
    }
    this.head.fill(NONE, base, need);
    this.level.set(levels, base);
    this.buckets = need;
    this.firstBucket.set(levels, base);
    return base;
  }

  /** Adds a node to `bucket` (from `levels()`); returns its sequence number. */
  push(frame: F, idx: number, bucket: number): number {
    const seq = this.nextSeq++;
    this.append(frame, idx, bucket, seq);
    return seq;
  }

  /** Removes the first entry into `frame`/`idx`/`bucket`/`priority`/`seq`; false when empty. */
  pop(): boolean {
    if (this.n === 0) return false;
    const b = this.heap[0];
    const c = this.head[b];
    this.frame = this.cellFrame[c] as F;
    this.idx = this.cellIdx[c];
    this.seq = this.cellSeq[c];
    this.bucket = b;
    this.priority = this.level[b];
    this.cellFrame[c] = undefined;
    const next = this.cellNext[c];
    this.cellNext[c] = this.freeCell;
    this.freeCell = c;
    this.n--;
    this.head[b] = next;
    if (next === NONE) {
      const last = this.heap[--this.heapSize];
      if (this.heapSize > 0) this.siftDown(0, last);
    } else if (this.heapSize > 1) this.siftDown(0, b); // its first entry is later now
    return true;
  }

  /** Removes and returns the first entry, in dispatch order, matching `pred` (used by "step this op"). */
  take(pred: (item: ReadyItem<F>) => boolean): ReadyItem<F> | undefined {
    const all = this.ordered();
    const i = all.findIndex(pred);
    if (i < 0) return undefined;
    this.rebuild(all.filter((_, k) => k !== i));
    return all[i];
  }

  /** Removes every entry matching `pred`. */
  removeWhere(pred: (item: ReadyItem<F>) => boolean): ReadyItem<F>[] {
    const all = this.ordered();
    const removed = all.filter(pred);
    if (removed.length) this.rebuild(all.filter((x) => !pred(x)));
    return removed;
  }

  /** Entries in dispatch order (a copy). */
  ordered(): ReadyItem<F>[] {
    const out: ReadyItem<F>[] = [];
    for (let h = 0; h < this.heapSize; h++) {
      const b = this.heap[h];
      for (let c = this.head[b]; c !== NONE; c = this.cellNext[c]) {
        out.push({ frame: this.cellFrame[c] as F, idx: this.cellIdx[c], bucket: b, priority: this.level[b], seq: this.cellSeq[c] });
      }
    }
    return out.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
  }

  /** Refills the queue from entries in dispatch order, keeping their sequence numbers. */
  private rebuild(items: ReadyItem<F>[]): void {
    for (let h = 0; h < this.heapSize; h++) this.head[this.heap[h]] = NONE;
    this.heapSize = 0;
    this.cellFrame.fill(undefined);
    this.cellsUsed = 0;
    this.freeCell = NONE;
    this.n = 0;
    for (const it of [...items].sort((a, b) => a.seq - b.seq)) this.append(it.frame, it.idx, it.bucket, it.seq);
  }

  private append(frame: F, idx: number, b: number, seq: number): void {
    let c = this.freeCell;
    if (c !== NONE) this.freeCell = this.cellNext[c];
    else {
      if (this.cellsUsed === this.cellIdx.length) this.growCells();
      c = this.cellsUsed++;
    }
    this.cellFrame[c] = frame;
    this.cellIdx[c] = idx;
    this.cellSeq[c] = seq;
    this.cellNext[c] = NONE;
    this.n++;
    if (this.head[b] === NONE) {
      this.head[b] = c;
      this.tail[b] = c;
      this.siftUp(this.heapSize++, b);
    } else {
      this.cellNext[this.tail[b]] = c;
      this.tail[b] = c;
    }
  }

  private growCells(): void {
    const size = this.cellIdx.length * 2;
    this.cellIdx = grown(this.cellIdx, size);
    this.cellSeq = grown(this.cellSeq, size);
    this.cellNext = grown(this.cellNext, size);
  }

  /** Whether non-empty bucket `a` goes before `b`: higher level, then earlier first entry. */
  private before(a: number, b: number): boolean {
    const la = this.level[a];
    const lb = this.level[b];
    return la > lb || (la === lb && this.cellSeq[this.head[a]] < this.cellSeq[this.head[b]]);
  }

  private siftUp(i: number, b: number): void {
    const heap = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(b, heap[p])) break;
      heap[i] = heap[p];
      i = p;
    }
    heap[i] = b;
  }

  private siftDown(i: number, b: number): void {
    const heap = this.heap;
    const n = this.heapSize;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.before(heap[c + 1], heap[c])) c++;
      if (!this.before(heap[c], b)) break;
      heap[i] = heap[c];
      i = c;
    }
    heap[i] = b;
  }
}

function grown<T extends Int32Array | Float64Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}
