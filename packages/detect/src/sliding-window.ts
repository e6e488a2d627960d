import { MAX_EVIDENCE_IDS } from './alert.ts';

/** Up to this many patients a linear scan beats a Map; past it (bulk readers) a Map keeps adds O(1). */
const SCAN_LIMIT = 32;
/** Pane numbers (start / slide) stay below 2^26 until the year 3000 for slides of a minute or more. */
const PANE_BITS = 2 ** 26;

/** The pane number of a packed entry: exact, and unlike `v % PANE_BITS` on a double past 2^31 no call to fmod (see care-relationship.ts minuteOf). */
function paneOf(v: number): number {
  return v - Math.floor(v / PANE_BITS) * PANE_BITS;
}

/**
 * Sliding windows of one key as a ring of panes (one pane per slide), so an
 * event updates one pane instead of every overlapping window: with a 4h
 * window sliding every 30m that is one update instead of eight, and no
 * per-window sets (bench/detect.bench.ts measured 20% of the core in the
 * garbage collector before this).
 *
 * Only the newest window (the one ending after the newest pane) is judged:
 * for events in time order every other window containing the event is a
 * subset of it so far. Distinct patients are counted by remembering, per
 * patient, the newest pane it was seen in (packed with the patient number
 * in one double: 8 bytes a patient). Evidence ids are kept only once the
 * window is armed (it reached half its threshold), so the many keys that
 * never come near an alert hold none.
 */
/** The `seen` of a ring with no patient yet: shared, never written (the first patient allocates the key's own). */
const NO_PATIENTS: number[] = [];

export class SlidingAgg {
  /** Start of the newest pane, ms. */
  head = Number.NEGATIVE_INFINITY;
  /**
   * Per pane slot: [start, events] or, when the rule measures records, [start, events, records]. The
   * records column of a distinct-patients rule was never read: 8 panes × 8 bytes on every sliding key.
   */
  private readonly panes: number[];
  /**
   * patientIdx × 2^26 + pane number, one per distinct patient seen in the ring, in the first
   * `seenCount` entries; capacity grown by doubling from 4 and halved when the ring forgets most of
   * them. A JS push reserves 17 slots at the first patient and 16 more past that: 184 bytes on a
   * sliding key that holds about 4 patients (heap snapshot of bench/detect.bench.ts), 80 like this.
   */
  private seen: number[] = NO_PATIENTS;
  private seenCount = 0;
  private seenAt: Map<number, number> | null = null;
  private evidence: string[] | null = null;
  private readonly stride: number;

  constructor(
    private readonly size: number,
    private readonly slide: number,
    records: boolean,
  ) {
    this.stride = records ? 3 : 2;
    this.panes = new Array<number>(size * this.stride).fill(0);
    for (let s = 0; s < size; s++) this.panes[s * this.stride] = -1;
  }

  /** Start of the newest window. */
  get windowStart(): number {
    return this.head - (this.size - 1) * this.slide;
  }

  private slot(start: number): number {
    const n = Math.round(start / this.slide) % this.size;
    return n < 0 ? n + this.size : n;
  }

  /** Adds an event to the pane starting at `pane`; false when that pane already left the ring. */
  add(pane: number, records: number, eventId: string, patients: readonly number[], from: number, to: number): boolean {
    if (pane > this.head) this.advance(pane);
    const s = this.slot(pane) * this.stride;
    if (this.panes[s] !== pane) return false;
    this.panes[s + 1] = (this.panes[s + 1] as number) + 1;
    if (this.stride === 3) this.panes[s + 2] = (this.panes[s + 2] as number) + records;
    const paneNo = Math.round(pane / this.slide) % PANE_BITS;
    outer: for (let i = from; i < to; i++) {
      const idx = patients[i] as number;
      const seen = this.seen;
      const at = this.seenAt;
      if (at !== null) {
        const j = at.get(idx);
        if (j !== undefined) {
          if (paneOf(seen[j] as number) < paneNo) seen[j] = idx * PANE_BITS + paneNo;
          continue;
        }
        at.set(idx, this.seenCount);
      } else {
        const n = this.seenCount;
        for (let j = 0; j < n; j++) {
          const v = seen[j] as number;
          if (Math.floor(v / PANE_BITS) === idx) {
            if (paneOf(v) < paneNo) seen[j] = idx * PANE_BITS + paneNo;
            continue outer;
          }
        }
        if (n >= SCAN_LIMIT) this.index();
        this.seenAt?.set(idx, n);
      }
      this.append(idx * PANE_BITS + paneNo);
    }
    const evidence = this.evidence;
    if (evidence !== null) {
      if (evidence.length >= MAX_EVIDENCE_IDS) evidence.shift();
      evidence.push(eventId);
    }
    return true;
  }

  private append(v: number): void {
    const n = this.seenCount;
    if (n === this.seen.length) this.resize(Math.max(4, n * 2));
    this.seen[n] = v;
    this.seenCount = n + 1;
  }

  private resize(capacity: number): void {
    const old = this.seen;
    const grown = new Array<number>(capacity).fill(0);
    for (let j = 0; j < this.seenCount; j++) grown[j] = old[j] as number;
    this.seen = grown;
  }

  /** Starts keeping evidence from this event on (the caller passes the event that armed it). */
  arm(eventId: string): void {
    if (this.evidence === null) this.evidence = [eventId];
  }

  get armed(): boolean {
    return this.evidence !== null;
  }

  private advance(pane: number): void {
    const steps = this.head === Number.NEGATIVE_INFINITY ? this.size : Math.min(this.size, Math.round((pane - this.head) / this.slide));
    const stride = this.stride;
    for (let k = steps - 1; k >= 0; k--) {
      const start = pane - k * this.slide;
      const s = this.slot(start) * stride;
      this.panes[s] = start;
      this.panes[s + 1] = 0;
      if (stride === 3) this.panes[s + 2] = 0;
    }
    this.head = pane;
    // Forget patients no longer in the ring, so the list stays as short as the window.
    const oldest = Math.round(this.windowStart / this.slide) % PANE_BITS;
    const seen = this.seen;
    let w = 0;
    for (let r = 0; r < this.seenCount; r++) {
      const v = seen[r] as number;
      if (paneOf(v) >= oldest) seen[w++] = v;
    }
    this.seenCount = w;
    if (w * 4 <= seen.length && seen.length > 4) this.resize(Math.max(4, w * 2));
    this.seenAt = null;
    if (w > SCAN_LIMIT) this.index();
    if (this.evidence !== null && this.count() === 0) this.evidence = null;
  }

  private index(): void {
    const at = new Map<number, number>();
    for (let j = 0; j < this.seenCount; j++) at.set(Math.floor((this.seen[j] as number) / PANE_BITS), j);
    this.seenAt = at;
  }

  private sum(offset: number): number {
    const from = this.windowStart;
    const stride = this.stride;
    let n = 0;
    for (let s = 0; s < this.size; s++) if ((this.panes[s * stride] as number) >= from) n += this.panes[s * stride + offset] as number;
    return n;
  }

  count(): number {
    return this.sum(1);
  }

  /** Records in the newest window; only for a ring built with `records`. */
  records(): number {
    return this.sum(2);
  }

  distinctPatients(): number {
    const from = Math.round(this.windowStart / this.slide) % PANE_BITS;
    let n = 0;
    for (let j = 0; j < this.seenCount; j++) if (paneOf(this.seen[j] as number) >= from) n++;
    return n;
  }

  /** Up to 100 patient numbers in the newest window, in first-seen order. */
  patientIdxs(): number[] {
    const from = Math.round(this.windowStart / this.slide) % PANE_BITS;
    const out: number[] = [];
    for (let j = 0; j < this.seenCount && out.length < MAX_EVIDENCE_IDS; j++) {
      const v = this.seen[j] as number;
      if (paneOf(v) >= from) out.push(Math.floor(v / PANE_BITS));
    }
    return out;
  }

  /** The newest (up to 100) event ids since the window was armed. */
  evidenceIds(): string[] {
    return this.evidence === null ? [] : this.evidence.slice();
  }
}
