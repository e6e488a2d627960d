/**
 * A set of ids that forgets its oldest entries beyond a capacity. A
 * partition keeps two: the alert ids it published lately (sparing the store
 * a look-up; the store stays the authority on what was published, so
 * forgetting an id costs a query, never a duplicate) and the stored events a
 * rebuild counted that the stream has yet to deliver.
 */
export class BoundedIdSet {
  private readonly ids = new Set<string>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number of at least 1, got ${capacity}`);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      // A Set iterates in insertion order: the first entry is the oldest.
      const oldest = this.ids.values().next();
      if (oldest.done !== true) this.ids.delete(oldest.value);
    }
  }

  /** Removes the id; true when it was there. */
  delete(id: string): boolean {
    return this.ids.delete(id);
  }

  get size(): number {
    return this.ids.size;
  }
}
