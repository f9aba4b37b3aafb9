/**
 * Max-priority queue of ready nodes: higher critical-path priority first, FIFO among equals.
 *
 * A binary heap kept as parallel arrays (frame, node index, priority, sequence number) so pushing
 * and popping a node allocates nothing: this runs once per node of every run. `pop()` leaves the
 * popped entry in `frame`/`idx`/`priority`/`seq`; the sequence number identifies an entry.
 */
export interface ReadyItem<F> {
  frame: F;
  idx: number;
  priority: number;
  seq: number;
}

export class ReadyQueue<F> {
  private frames: (F | undefined)[] = [];
  // Small to start (typed arrays this small live on V8's heap, cheap to make); doubled as needed.
  private idxs = new Int32Array(8);
  private prios = new Float64Array(8);
  private seqs = new Float64Array(8);
  private n = 0;
  private nextSeq = 0;
  /** The entry the last successful `pop()` removed. */
  frame!: F;
  idx = 0;
  priority = 0;
  seq = 0;

  get size(): number {
    return this.n;
  }

  /** Adds a node; returns its sequence number. */
  push(frame: F, idx: number, priority: number): number {
    if (this.n === this.idxs.length) this.grow();
    const seq = this.nextSeq++;
    this.siftUp(this.n++, frame, idx, priority, seq);
    return seq;
  }

  /** Removes the first entry into `frame`/`idx`/`priority`/`seq`; false when empty. */
  pop(): boolean {
    const n = this.n;
    if (n === 0) return false;
    const frames = this.frames;
    this.frame = frames[0] as F;
    this.idx = this.idxs[0];
    this.priority = this.prios[0];
    this.seq = this.seqs[0];
    const last = n - 1;
    this.n = last;
    if (last > 0) this.siftDown(0, frames[last] as F, this.idxs[last], this.prios[last], this.seqs[last]);
    frames[last] = undefined;
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
    for (let i = 0; i < this.n; i++) out.push({ frame: this.frames[i] as F, idx: this.idxs[i], priority: this.prios[i], seq: this.seqs[i] });
    return out.sort((a, b) => (b.priority - a.priority) || (a.seq - b.seq));
  }

  /** Refills the heap from entries already in dispatch order (a sorted array is a valid heap). */
  private rebuild(items: ReadyItem<F>[]): void {
    for (let i = 0; i < this.n; i++) this.frames[i] = undefined;
    this.n = 0;
    for (const it of items) {
      if (this.n === this.idxs.length) this.grow();
      const k = this.n++;
      this.frames[k] = it.frame;
      this.idxs[k] = it.idx;
      this.prios[k] = it.priority;
      this.seqs[k] = it.seq;
    }
  }

  private grow(): void {
    const size = this.idxs.length * 2;
    const idxs = new Int32Array(size);
    idxs.set(this.idxs);
    const prios = new Float64Array(size);
    prios.set(this.prios);
    const seqs = new Float64Array(size);
    seqs.set(this.seqs);
    this.idxs = idxs;
    this.prios = prios;
    this.seqs = seqs;
  }

  private siftUp(i: number, frame: F, idx: number, prio: number, seq: number): void {
    const { frames, idxs, prios, seqs } = this;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pp = prios[p];
      if (prio < pp || (prio === pp && seq > seqs[p])) break;
      frames[i] = frames[p];
      idxs[i] = idxs[p];
      prios[i] = pp;
      seqs[i] = seqs[p];
      i = p;
    }
    frames[i] = frame;
    idxs[i] = idx;
    prios[i] = prio;
    seqs[i] = seq;
  }

  /**
   * Floyd's bottom-up sift: walk the hole at `i` down to a leaf along the better child (one
   * comparison per level), then sift the displaced entry back up from there. The entry moved down
   * is the heap's last, which nearly always belongs near the bottom, so this does about half the
   * comparisons of the textbook sift-down.
   */
  private siftDown(i: number, frame: F, idx: number, prio: number, seq: number): void {
    const { frames, idxs, prios, seqs } = this;
    const n = this.n;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n) {
        const lp = prios[c];
        const rp = prios[c + 1];
        if (rp > lp || (rp === lp && seqs[c + 1] < seqs[c])) c++;
      }
      frames[i] = frames[c];
      idxs[i] = idxs[c];
      prios[i] = prios[c];
      seqs[i] = seqs[c];
      i = c;
    }
    this.siftUp(i, frame, idx, prio, seq);
  }



}
