/**
 * Event ids a partition's detector has counted whose event time is still at
 * or after its watermark. Only those need remembering: a repeat of an event
 * behind the watermark is "too late" for the core and counts nowhere, while
 * a repeat ahead of it (a redelivery, an event that was both warmed up from
 * ClickHouse and delivered by Kafka) would be counted twice. So the set is
 * bounded by the allowed lateness, not by the stream's length; `capacity`
 * caps it anyway against a stream whose event times stand still.
 */
export class SeenEvents {
  /** id → event time (ms); a Map keeps insertion order, which is roughly event-time order. */
  private readonly times = new Map<string, number>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number of at least 1, got ${capacity}`);
  }

  has(id: string): boolean {
    return this.times.has(id);
  }

  add(id: string, timeMs: number): void {
    if (this.times.has(id)) return;
    this.times.set(id, timeMs);
    if (this.times.size > this.capacity) {
      const oldest = this.times.keys().next();
      if (oldest.done !== true) this.times.delete(oldest.value);
    }
  }

  /**
   * Forgets ids behind the watermark. Entries are visited oldest-inserted
   * first and the walk stops at the first one still ahead, so a prune costs
   * what it removes; an out-of-order entry behind a newer one waits for it.
   */
  prune(watermarkMs: number): void {
    for (const [id, t] of this.times) {
      if (t >= watermarkMs) return;
      this.times.delete(id);
    }
  }

  get size(): number {
    return this.times.size;
  }
}
