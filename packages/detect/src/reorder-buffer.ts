/**
 * A min-heap of items by (time, arrival sequence): what a stable sort by
 * time would output, released as soon as no later arrival can come before
 * it. Replay keeps `windowMs` of event time in it, so memory follows the
 * file's disorder, not its length.
 */
export class ReorderBuffer<T> {
  private times: number[] = [];
  private seqs: number[] = [];
  private items: T[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  /** Time of the item the next pop returns, or +Infinity when empty. */
  peekTime(): number {
    return this.items.length === 0 ? Number.POSITIVE_INFINITY : (this.times[0] as number);
  }

  push(time: number, item: T): void {
    const seq = this.seq++;
    let i = this.items.length;
    this.times.push(time);
    this.seqs.push(seq);
    this.items.push(item);
    // Sift up.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(time, seq, this.times[parent] as number, this.seqs[parent] as number)) break;
      this.move(parent, i);
      i = parent;
    }
    this.times[i] = time;
    this.seqs[i] = seq;
    this.items[i] = item;
  }

  /** Removes and returns the earliest item (ties in arrival order); undefined when empty. */
  pop(): T | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const top = this.items[0] as T;
    const lastTime = this.times.pop() as number;
    const lastSeq = this.seqs.pop() as number;
    const lastItem = this.items.pop() as T;
    if (n === 1) return top;
    // Sift the last item down from the root.
    const size = n - 1;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      let child = left;
      if (right < size && this.before(this.times[right] as number, this.seqs[right] as number, this.times[left] as number, this.seqs[left] as number)) child = right;
      if (!this.before(this.times[child] as number, this.seqs[child] as number, lastTime, lastSeq)) break;
      this.move(child, i);
      i = child;
    }
    this.times[i] = lastTime;
    this.seqs[i] = lastSeq;
    this.items[i] = lastItem;
    return top;
  }

  private before(ta: number, sa: number, tb: number, sb: number): boolean {
    return ta < tb || (ta === tb && sa < sb);
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from] as number;
    this.seqs[to] = this.seqs[from] as number;
    this.items[to] = this.items[from] as T;
  }
}
