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
export class SlidingAgg {
  /** Start of the newest pane, ms. */
  head = Number.NEGATIVE_INFINITY;
  /** Per pane slot: [start, events, records]. */
  private readonly panes: number[];
  /** patientIdx × 2^26 + pane number, one per distinct patient seen in the ring. */
  private seen: number[] = [];
  private seenAt: Map<number, number> | null = null;
  private evidence: string[] | null = null;

  constructor(
    private readonly size: number,
    private readonly slide: number,
  ) {
    this.panes = new Array<number>(size * 3).fill(0);
    for (let s = 0; s < size; s++) this.panes[s * 3] = -1;
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
    const s = this.slot(pane) * 3;
    if (this.panes[s] !== pane) return false;
    this.panes[s + 1] = (this.panes[s + 1] as number) + 1;
    this.panes[s + 2] = (this.panes[s + 2] as number) + records;
    const paneNo = Math.round(pane / this.slide) % PANE_BITS;
    const seen = this.seen;
    outer: for (let i = from; i < to; i++) {
      const idx = patients[i] as number;
      const at = this.seenAt;
      if (at !== null) {
        const j = at.get(idx);
        if (j !== undefined) {
          if (paneOf(seen[j] as number) < paneNo) seen[j] = idx * PANE_BITS + paneNo;
          continue;
        }
        at.set(idx, seen.length);
      } else {
        for (let j = 0; j < seen.length; j++) {
          const v = seen[j] as number;
          if (Math.floor(v / PANE_BITS) === idx) {
            if (paneOf(v) < paneNo) seen[j] = idx * PANE_BITS + paneNo;
            continue outer;
          }
        }
        if (seen.length >= SCAN_LIMIT) this.index();
        this.seenAt?.set(idx, seen.length);
      }
      seen.push(idx * PANE_BITS + paneNo);
    }
    const evidence = this.evidence;
    if (evidence !== null) {
      if (evidence.length >= MAX_EVIDENCE_IDS) evidence.shift();
      evidence.push(eventId);
    }
    return true;
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
    for (let k = steps - 1; k >= 0; k--) {
      const start = pane - k * this.slide;
      const s = this.slot(start) * 3;
      this.panes[s] = start;
      this.panes[s + 1] = 0;
      this.panes[s + 2] = 0;
    }
    this.head = pane;
    // Forget patients no longer in the ring, so the list stays as short as the window.
    const oldest = Math.round(this.windowStart / this.slide) % PANE_BITS;
    const seen = this.seen;
    let w = 0;
    for (let r = 0; r < seen.length; r++) {
      const v = seen[r] as number;
      if (paneOf(v) >= oldest) seen[w++] = v;
    }
    seen.length = w;
    this.seenAt = null;
    if (w > SCAN_LIMIT) this.index();
    if (this.evidence !== null && this.count() === 0) this.evidence = null;
  }

  private index(): void {
    const at = new Map<number, number>();
    for (let j = 0; j < this.seen.length; j++) at.set(Math.floor((this.seen[j] as number) / PANE_BITS), j);
    this.seenAt = at;
  }

  private sum(offset: number): number {
    const from = this.windowStart;
    let n = 0;
    for (let s = 0; s < this.size; s++) if ((this.panes[s * 3] as number) >= from) n += this.panes[s * 3 + offset] as number;
    return n;
  }

  count(): number {
    return this.sum(1);
  }

  records(): number {
    return this.sum(2);
  }

  distinctPatients(): number {
    const from = Math.round(this.windowStart / this.slide) % PANE_BITS;
    let n = 0;
    for (let j = 0; j < this.seen.length; j++) if (paneOf(this.seen[j] as number) >= from) n++;
    return n;
  }

  /** Up to 100 patient numbers in the newest window, in first-seen order. */
  patientIdxs(): number[] {
    const from = Math.round(this.windowStart / this.slide) % PANE_BITS;
    const out: number[] = [];
    for (let j = 0; j < this.seen.length && out.length < MAX_EVIDENCE_IDS; j++) {
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
