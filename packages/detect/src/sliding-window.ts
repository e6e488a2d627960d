import { MAX_EVIDENCE_IDS } from './alert.ts';

/** Up to this many patients a linear scan beats a Map; past it (bulk readers) a Map keeps adds O(1). */
const SCAN_LIMIT = 32;
/** Pane numbers (start / slide) stay below 2^26 until the year 3000 for slides of a minute or more. */
const PANE_BITS = 2 ** 26;

/** The pane number of a packed entry: exact, and unlike `v % PANE_BITS` on a double past 2^31 no call to fmod (see care-relationship.ts minuteOf). */
function paneOf(v: number): number {
  return v - Math.floor(v / PANE_BITS) * PANE_BITS;
}

/** What every ring of one rule shares. */
export interface RingShape {
  /** Panes in the ring (window size / slide). */
  readonly size: number;
  /** Pane length, ms. */
  readonly slide: number;
  /** Numbers a pane takes in `data`: [start, events] or, when the rule measures records, [start, events, records]. */
  readonly stride: number;
}

export function ringShape(size: number, slide: number, records: boolean): RingShape {
  return { size, slide, stride: records ? 3 : 2 };
}

/** Where things are in SlidingAgg.data. */
const HEAD = 0;
const SEEN_COUNT = 1;
const PANES = 2;
/** Room for patients a ring is made with, doubled as they come (rings hold about 4, many 1 or 2). */
const SEEN_START = 2;

/** What few rings need: an index of the seen patients past SCAN_LIMIT, evidence once armed. */
interface RingExtra {
  seenAt: Map<number, number> | null;
  evidence: string[] | null;
  /** The pane of each evidence id: advance() drops the ids whose pane left the window, so an alert cites only its window's events. */
  evidencePanes: number[];
}

/**
 * Sliding windows of one key as a ring of panes (one pane per slide), so an
 * event updates one pane instead of every overlapping window: with a 4h
 * window sliding every 30m that is one update instead of eight, and no
 * per-window sets (bench/detect.bench.ts: a set per overlapping window put
 * 20% of the core in the garbage collector).
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
  /**
   * One array of doubles: the start of the newest pane (ms), how many patients are seen, the panes
   * (shape.stride numbers each), then the seen patients, patientIdx × 2^26 + pane number, one per
   * distinct patient in the ring, with room to grow (doubled when full, halved when the ring forgets
   * most of them). A user who read after hours in the last window size has a ring (28% of the bench's
   * active users): as an object with a boxed head, a pane array (with a records column distinct-patients
   * rules never read) and a pushed `seen` array (17 slots at the first patient) it would be ≈ 384 bytes on a
   * 64-bit heap (heap snapshot of bench/detect.bench.ts), ≈ 280 like this.
   */
  private data: number[];
  /** Null while neither is needed: two fields null on nearly every ring would cost 16 bytes each. */
  private extra: RingExtra | null = null;

  constructor(private readonly shape: RingShape) {
    const panes = shape.size * shape.stride;
    const data = new Array<number>(PANES + panes + SEEN_START).fill(0);
    for (let s = 0; s < shape.size; s++) data[PANES + s * shape.stride] = -1;
    data[HEAD] = Number.NEGATIVE_INFINITY;
    this.data = data;
  }

  /** Start of the newest pane, ms. */
  get head(): number {
    return this.data[HEAD] as number;
  }

  /** Start of the newest window. */
  get windowStart(): number {
    return (this.data[HEAD] as number) - (this.shape.size - 1) * this.shape.slide;
  }

  private get seenFrom(): number {
    return PANES + this.shape.size * this.shape.stride;
  }

  private slot(start: number): number {
    const size = this.shape.size;
    const n = Math.round(start / this.shape.slide) % size;
    return n < 0 ? n + size : n;
  }

  /** Adds an event to the pane starting at `pane`; false when that pane already left the ring. */
  add(pane: number, records: number, eventId: string, patients: readonly number[], from: number, to: number): boolean {
    if (pane > (this.data[HEAD] as number)) this.advance(pane);
    const stride = this.shape.stride;
    const s = PANES + this.slot(pane) * stride;
    let data = this.data;
    if (data[s] !== pane) return false;
    data[s + 1] = (data[s + 1] as number) + 1;
    if (stride === 3) data[s + 2] = (data[s + 2] as number) + records;
    const paneNo = Math.round(pane / this.shape.slide) % PANE_BITS;
    const base = this.seenFrom;
    outer: for (let i = from; i < to; i++) {
      const idx = patients[i] as number;
      const n = data[SEEN_COUNT] as number;
      const at = this.extra === null ? null : this.extra.seenAt;
      if (at !== null) {
        const j = at.get(idx);
        if (j !== undefined) {
          if (paneOf(data[base + j] as number) < paneNo) data[base + j] = idx * PANE_BITS + paneNo;
          continue;
        }
        at.set(idx, n);
      } else {
        for (let j = base; j < base + n; j++) {
          const v = data[j] as number;
          if (Math.floor(v / PANE_BITS) === idx) {
            if (paneOf(v) < paneNo) data[j] = idx * PANE_BITS + paneNo;
            continue outer;
          }
        }
        if (n >= SCAN_LIMIT) this.index();
        this.extra?.seenAt?.set(idx, n);
      }
      if (base + n === data.length) data = this.resize(Math.max(SEEN_START, n * 2));
      data[base + n] = idx * PANE_BITS + paneNo;
      data[SEEN_COUNT] = n + 1;
    }
    const extra = this.extra;
    if (extra !== null && extra.evidence !== null) {
      if (extra.evidence.length >= MAX_EVIDENCE_IDS) {
        extra.evidence.shift();
        extra.evidencePanes.shift();
      }
      extra.evidence.push(eventId);
      extra.evidencePanes.push(pane);
    }
    return true;
  }

  /** Room for `capacity` seen patients; returns the new data array. */
  private resize(capacity: number): number[] {
    const old = this.data;
    const keep = this.seenFrom + (old[SEEN_COUNT] as number);
    const grown = new Array<number>(this.seenFrom + capacity).fill(0);
    for (let j = 0; j < keep; j++) grown[j] = old[j] as number;
    this.data = grown;
    return grown;
  }

  /** Starts keeping evidence from this event on (the caller passes the event that armed it and its pane). */
  arm(eventId: string, pane: number = this.head): void {
    const extra = (this.extra ??= { seenAt: null, evidence: null, evidencePanes: [] });
    if (extra.evidence === null) {
      extra.evidence = [eventId];
      extra.evidencePanes = [pane];
    }
  }

  get armed(): boolean {
    return this.extra !== null && this.extra.evidence !== null;
  }

  private advance(pane: number): void {
    const { size, slide, stride } = this.shape;
    const data = this.data;
    const head = data[HEAD] as number;
    const steps = head === Number.NEGATIVE_INFINITY ? size : Math.min(size, Math.round((pane - head) / slide));
    for (let k = steps - 1; k >= 0; k--) {
      const start = pane - k * slide;
      const s = PANES + this.slot(start) * stride;
      data[s] = start;
      data[s + 1] = 0;
      if (stride === 3) data[s + 2] = 0;
    }
    data[HEAD] = pane;
    // Forget patients no longer in the ring, so the list stays as short as the window.
    const oldest = Math.round(this.windowStart / slide) % PANE_BITS;
    const base = this.seenFrom;
    const n = data[SEEN_COUNT] as number;
    let w = 0;
    for (let r = 0; r < n; r++) {
      const v = data[base + r] as number;
      if (paneOf(v) >= oldest) data[base + w++] = v;
    }
    data[SEEN_COUNT] = w;
    const capacity = data.length - base;
    if (w * 4 <= capacity && capacity > SEEN_START) this.resize(Math.max(SEEN_START, w * 2));
    const extra = this.extra;
    if (extra !== null) {
      extra.seenAt = null;
      if (extra.evidence !== null && this.count() === 0) extra.evidence = null;
      if (extra.evidence !== null) {
        // An after-hours window of 10:00-14:00 cited reads from 08:38: ids armed earlier outlived their panes.
        const from = this.windowStart;
        const panes = extra.evidencePanes;
        if (panes.some((p) => p < from)) {
          const ids = extra.evidence;
          extra.evidence = ids.filter((_, i) => (panes[i] as number) >= from);
          extra.evidencePanes = panes.filter((p) => p >= from);
        }
      }
      if (extra.evidence === null) this.extra = null;
    }
    if (w > SCAN_LIMIT) this.index();
  }

  private index(): void {
    const at = new Map<number, number>();
    const base = this.seenFrom;
    const n = this.data[SEEN_COUNT] as number;
    for (let j = 0; j < n; j++) at.set(Math.floor((this.data[base + j] as number) / PANE_BITS), j);
    (this.extra ??= { seenAt: null, evidence: null, evidencePanes: [] }).seenAt = at;
  }

  private sum(offset: number): number {
    const from = this.windowStart;
    const { size, stride } = this.shape;
    const data = this.data;
    let n = 0;
    for (let s = PANES; s < PANES + size * stride; s += stride) if ((data[s] as number) >= from) n += data[s + offset] as number;
    return n;
  }

  count(): number {
    return this.sum(1);
  }

  /** Records in the newest window; only for a ring whose shape has records. */
  records(): number {
    return this.sum(2);
  }

  /**
   * Every seen patient is in the newest window: advance() drops those whose newest pane left it, and add() only
   * writes panes still in the ring. So the count is the list's length, asked after every after-hours read,
   * where a scan of the list would be as long as the patients read in the window.
   */
  distinctPatients(): number {
    return this.data[SEEN_COUNT] as number;
  }

  /** Up to 100 patient numbers in the newest window, in first-seen order. */
  patientIdxs(): number[] {
    const from = Math.round(this.windowStart / this.shape.slide) % PANE_BITS;
    const base = this.seenFrom;
    const end = base + (this.data[SEEN_COUNT] as number);
    const out: number[] = [];
    for (let j = base; j < end && out.length < MAX_EVIDENCE_IDS; j++) {
      const v = this.data[j] as number;
      if (paneOf(v) >= from) out.push(Math.floor(v / PANE_BITS));
    }
    return out;
  }

  /** The newest (up to 100) event ids since the window was armed. */
  evidenceIds(): string[] {
    const evidence = this.extra === null ? null : this.extra.evidence;
    return evidence === null ? [] : evidence.slice();
  }
}
