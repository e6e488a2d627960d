import type { AccessEvent } from '@chartwatch/event';

/** An event waiting in the buffer, with where it came from (for commits). */
export interface HeldEvent {
  event: AccessEvent;
  /** Event time, epoch milliseconds. */
  t: number;
  partition: number;
  /** Kafka offset of the message; null for an event a rebuild read from the store. */
  offset: bigint | null;
}

export interface EventTimeBufferOptions {
  /**
   * How far behind the newest held-or-released event time an event waits
   * before it is released without a caught-up signal: the skew between
   * sources (raw partitions worked through side by side, a backlog) the
   * buffer absorbs on its own.
   */
  holdMs: number;
  /** An event dated further than this ahead of the wall clock waits, apart, until the wall clock reaches it. */
  maxFutureMs: number;
  /** Bound on held events: beyond it the oldest are released whatever the frontier. */
  maxEvents: number;
}

/** A binary min-heap on (event time, event id): the order replay sorts in, made total. */
class EventHeap {
  private readonly items: HeldEvent[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): HeldEvent | undefined {
    return this.items[0];
  }

  push(item: HeldEvent): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i] as HeldEvent, a[parent] as HeldEvent)) break;
      [a[i], a[parent]] = [a[parent] as HeldEvent, a[i] as HeldEvent];
      i = parent;
    }
  }

  pop(): HeldEvent | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l] as HeldEvent, a[m] as HeldEvent)) m = l;
        if (r < a.length && before(a[r] as HeldEvent, a[m] as HeldEvent)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as HeldEvent, a[i] as HeldEvent];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}

function before(x: HeldEvent, y: HeldEvent): boolean {
  return x.t < y.t || (x.t === y.t && x.event.eventId < y.event.eventId);
}

/**
 * The detector's event-time stage: events from every partition of the
 * instance wait here and leave in event-time order, so the one core behind
 * it sees the stream as replay does, whatever partitioning, producer or
 * backlog interleaved them on the way.
 *
 * An event leaves when it is `holdMs` behind the newest event time seen, or
 * at once when the caller says the input is complete so far (`release(∞)`
 * once the pipeline is caught up). An event dated more than `maxFutureMs`
 * ahead of the wall clock never sets the newest time: it waits apart and
 * joins the queue when the wall clock reaches it, so one bad clock cannot
 * push everybody else's events out as late.
 *
 * Pure: the wall clock is an argument.
 */
export class EventTimeBuffer {
  private readonly heap = new EventHeap();
  private readonly future = new EventHeap();
  private readonly held = new Set<string>();
  /** Per partition, the offsets added in stream order and those released since: the lowest held is found from the front. */
  private readonly offsets = new Map<number, { queue: bigint[]; head: number; released: Set<bigint> }>();
  private newestMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: EventTimeBufferOptions) {}

  /** Adds an event; false when an event of that id is already held (a repeat). 'future' when it waits for the wall clock. */
  add(item: HeldEvent, wallMs: number): boolean | 'future' {
    if (this.held.has(item.event.eventId)) return false;
    this.held.add(item.event.eventId);
    if (item.offset !== null) {
      let o = this.offsets.get(item.partition);
      if (o === undefined) this.offsets.set(item.partition, (o = { queue: [], head: 0, released: new Set() }));
      o.queue.push(item.offset);
    }
    if (item.t > wallMs + this.options.maxFutureMs) {
      this.future.push(item);
      return 'future';
    }
    this.heap.push(item);
    if (item.t > this.newestMs) this.newestMs = item.t;
    return true;
  }

  /** Oldest held event time (future-dated events excluded); Infinity when none. */
  get oldest(): number {
    return this.heap.peek()?.t ?? Number.POSITIVE_INFINITY;
  }

  /** Newest event time that counts (future-dated events excluded); -Infinity when none. */
  get newest(): number {
    return this.newestMs;
  }

  get size(): number {
    return this.heap.size + this.future.size;
  }

  get futureSize(): number {
    return this.future.size;
  }

  /**
   * Takes out, in event-time order, every event at or before `frontierMs`
   * (default: `holdMs` behind the newest), plus the oldest beyond
   * `maxEvents`. Future-dated events the wall clock has reached join first.
   */
  release(wallMs: number, frontierMs: number = this.newestMs - this.options.holdMs): HeldEvent[] {
    while (this.future.size > 0 && (this.future.peek() as HeldEvent).t <= wallMs + this.options.maxFutureMs) {
      const item = this.future.pop() as HeldEvent;
      this.heap.push(item);
      if (item.t > this.newestMs) this.newestMs = item.t;
    }
    const out: HeldEvent[] = [];
    while (this.heap.size > 0) {
      const top = this.heap.peek() as HeldEvent;
      if (top.t > frontierMs && this.heap.size <= this.options.maxEvents) break;
      this.heap.pop();
      this.held.delete(top.event.eventId);
      if (top.offset !== null) this.offsets.get(top.partition)?.released.add(top.offset);
      out.push(top);
    }
    return out;
  }

  /** Releases every held event that is not future-dated, in event-time order. */
  releaseAll(wallMs: number): HeldEvent[] {
    return this.release(wallMs, Number.POSITIVE_INFINITY);
  }

  /** The lowest offset of `partition` still held (its commit must stay before it); null when none is. */
  lowestHeldOffset(partition: number): bigint | null {
    const o = this.offsets.get(partition);
    if (o === undefined) return null;
    // Offsets arrive in increasing order per partition, so the front of the queue is the lowest still held.
    while (o.head < o.queue.length && o.released.delete(o.queue[o.head] as bigint)) o.head++;
    if (o.head > 1024 && o.head * 2 > o.queue.length) {
      o.queue.splice(0, o.head);
      o.head = 0;
    }
    return o.head < o.queue.length ? (o.queue[o.head] as bigint) : null;
  }

  clear(): void {
    this.heap.clear();
    this.future.clear();
    this.held.clear();
    this.offsets.clear();
    this.newestMs = Number.NEGATIVE_INFINITY;
  }
}
