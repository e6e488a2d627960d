import { MAX_EVIDENCE_IDS } from './alert.ts';
import type { PatientFacts } from './directory.ts';

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
 * patient, the newest pane it was seen in: a patient is in the window when
 * that pane is. Evidence keeps the newest 100 event ids.
 */
/** Up to this many patients a linear scan beats a Map; past it (bulk readers) the Map keeps adds O(1). */
const SCAN_LIMIT = 32;

export class SlidingAgg {
  /** Start of the newest pane, ms. */
  head = Number.NEGATIVE_INFINITY;
  private readonly paneStart: number[];
  private readonly paneCount: number[];
  private readonly paneRecords: number[];
  /** Parallel arrays: patient idx, start of the newest pane it was seen in, its id. */
  private readonly seenIdx: number[] = [];
  private readonly seenPane: number[] = [];
  private readonly seenId: string[] = [];
  /** Position of each patient in the parallel arrays, once they are too long to scan (a bulk reader). */
  private seenAt: Map<number, number> | null = null;
  private readonly evidence: string[] = [];
  private readonly evidencePane: number[] = [];

  constructor(
    private readonly panes: number,
    private readonly slide: number,
  ) {
    this.paneStart = new Array<number>(panes).fill(Number.NEGATIVE_INFINITY);
    this.paneCount = new Array<number>(panes).fill(0);
    this.paneRecords = new Array<number>(panes).fill(0);
  }

  /** Start of the newest window. */
  get windowStart(): number {
    return this.head - (this.panes - 1) * this.slide;
  }

  private slot(start: number): number {
    const n = Math.round(start / this.slide) % this.panes;
    return n < 0 ? n + this.panes : n;
  }

  /** Adds an event to the pane starting at `pane`; false when that pane already left the ring. */
  add(pane: number, records: number, eventId: string, patients: readonly PatientFacts[], from: number, to: number): boolean {
    if (pane > this.head) this.advance(pane);
    const s = this.slot(pane);
    if (this.paneStart[s] !== pane) return false;
    this.paneCount[s] = (this.paneCount[s] as number) + 1;
    this.paneRecords[s] = (this.paneRecords[s] as number) + records;
    const idx = this.seenIdx;
    const seen = this.seenPane;
    outer: for (let i = from; i < to; i++) {
      const p = patients[i] as PatientFacts;
      const at = this.seenAt;
      if (at !== null) {
        const j = at.get(p.idx);
        if (j !== undefined) {
          if ((seen[j] as number) < pane) seen[j] = pane;
          continue;
        }
        at.set(p.idx, idx.length);
      } else {
        for (let j = 0; j < idx.length; j++) {
          if (idx[j] === p.idx) {
            if ((seen[j] as number) < pane) seen[j] = pane;
            continue outer;
          }
        }
        if (idx.length >= SCAN_LIMIT) this.index();
        this.seenAt?.set(p.idx, idx.length);
      }
      idx.push(p.idx);
      seen.push(pane);
      this.seenId.push(p.id);
    }
    if (this.evidence.length >= MAX_EVIDENCE_IDS) {
      this.evidence.shift();
      this.evidencePane.shift();
    }
    this.evidence.push(eventId);
    this.evidencePane.push(pane);
    return true;
  }

  private advance(pane: number): void {
    const steps = this.head === Number.NEGATIVE_INFINITY ? this.panes : Math.min(this.panes, Math.round((pane - this.head) / this.slide));
    for (let k = steps - 1; k >= 0; k--) {
      const start = pane - k * this.slide;
      const s = this.slot(start);
      this.paneStart[s] = start;
      this.paneCount[s] = 0;
      this.paneRecords[s] = 0;
    }
    this.head = pane;
    // Forget patients no longer in the ring, so the lists stay as short as the window.
    const oldest = this.windowStart;
    if (this.seenIdx.length > 0) {
      let w = 0;
      for (let r = 0; r < this.seenIdx.length; r++) {
        if ((this.seenPane[r] as number) >= oldest) {
          this.seenIdx[w] = this.seenIdx[r] as number;
          this.seenPane[w] = this.seenPane[r] as number;
          this.seenId[w] = this.seenId[r] as string;
          w++;
        }
      }
      this.seenIdx.length = w;
      this.seenPane.length = w;
      this.seenId.length = w;
      this.seenAt = null;
      if (w > SCAN_LIMIT) this.index();
    }
  }

  private index(): void {
    const at = new Map<number, number>();
    for (let j = 0; j < this.seenIdx.length; j++) at.set(this.seenIdx[j] as number, j);
    this.seenAt = at;
  }

  count(): number {
    let n = 0;
    for (let s = 0; s < this.panes; s++) if ((this.paneStart[s] as number) >= this.windowStart) n += this.paneCount[s] as number;
    return n;
  }

  records(): number {
    let n = 0;
    for (let s = 0; s < this.panes; s++) if ((this.paneStart[s] as number) >= this.windowStart) n += this.paneRecords[s] as number;
    return n;
  }

  distinctPatients(): number {
    const from = this.windowStart;
    let n = 0;
    for (let j = 0; j < this.seenPane.length; j++) if ((this.seenPane[j] as number) >= from) n++;
    return n;
  }

  /** Up to 100 patient ids in the newest window, in first-seen order. */
  patientIds(): string[] {
    const from = this.windowStart;
    const out: string[] = [];
    for (let j = 0; j < this.seenPane.length && out.length < MAX_EVIDENCE_IDS; j++) if ((this.seenPane[j] as number) >= from) out.push(this.seenId[j] as string);
    return out;
  }

  /** The newest (up to 100) event ids in the newest window. */
  evidenceIds(): string[] {
    const from = this.windowStart;
    const out: string[] = [];
    for (let j = 0; j < this.evidence.length; j++) if ((this.evidencePane[j] as number) >= from) out.push(this.evidence[j] as string);
    return out;
  }
}
