/** Max-priority queue of ready nodes: higher critical-path priority first, FIFO among equals. */
export interface ReadyItem<F> {
  frame: F;
  idx: number;
  priority: number;
  seq: number;
}

export class ReadyQueue<F> {
  private heap: ReadyItem<F>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(frame: F, idx: number, priority: number): ReadyItem<F> {
    const item = { frame, idx, priority, seq: this.seq++ };
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(item, h[p])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = item;
    return item;
  }

  peek(): ReadyItem<F> | undefined {
    return this.heap[0];
  }

  pop(): ReadyItem<F> | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop() as ReadyItem<F>;
    if (h.length > 0) this.sinkFrom(0, last);
    return top;
  }

  /** Removes and returns the first item matching `pred` (used by "step this op"). */
  take(pred: (item: ReadyItem<F>) => boolean): ReadyItem<F> | undefined {
    const i = this.heap.findIndex(pred);
    if (i < 0) return undefined;
    const item = this.heap[i];
    const rest = this.heap.filter((_, k) => k !== i);
    this.heap = [];
    for (const r of rest.sort((a, b) => (before(a, b) ? -1 : 1))) this.heap.push(r);
    return item;
  }

  /** Removes every item matching `pred`. */
  removeWhere(pred: (item: ReadyItem<F>) => boolean): ReadyItem<F>[] {
    const removed = this.heap.filter(pred);
    if (removed.length === 0) return removed;
    const keep = this.heap.filter((x) => !pred(x)).sort((a, b) => (before(a, b) ? -1 : 1));
    this.heap = keep;
    return removed;
  }

  /** Items in dispatch order (a copy). */
  ordered(): ReadyItem<F>[] {
    return [...this.heap].sort((a, b) => (before(a, b) ? -1 : 1));
  }

  private sinkFrom(i: number, item: ReadyItem<F>): void {
    const h = this.heap;
    const n = h.length;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(h[c + 1], h[c])) c++;
      if (!before(h[c], item)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = item;
  }
}

function before<F>(a: ReadyItem<F>, b: ReadyItem<F>): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq);
}
