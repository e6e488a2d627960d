/**
 * No longer used by the detector (households are hashed, see directory.ts);
 * kept for callers that still construct directories with one.
 *
 * Gives each distinct string a small integer, so hot comparisons (is this
 * patient's household the actor's?) compare numbers, not strings, and
 * per-actor memories hold numbers, not strings.
 */
export class Interner {
  private readonly ids = new Map<string, number>();

  id(text: string): number {
    let n = this.ids.get(text);
    if (n === undefined) {
      n = this.ids.size;
      this.ids.set(text, n);
    }
    return n;
  }

  /** -1 for null: never equal to any id. */
  idOrNone(text: string | null): number {
    return text === null ? -1 : this.id(text);
  }

  get size(): number {
    return this.ids.size;
  }
}
