import { MAX_EVIDENCE_IDS } from './alert.ts';
import type { Measure } from './rule-schema.ts';
import type { SlidingAgg } from './sliding-window.ts';

/** Distinct patients a window keeps in a Set before it switches to a bitmap (WindowAgg.patients). */
const SET_LIMIT = 256;

/**
 * One tumbling window of one key: running aggregates and the evidence an alert would cite. It ends at
 * start + the rule's window size (an `end` field would be 8 bytes and a 16-byte boxed double on every open window).
 */
export interface WindowAgg {
  readonly start: number;
  /** The key's next open window (a late event's window is still open beside the current one), in opening order. */
  next: WindowAgg | null;
  count: number;
  records: number;
  /**
   * Distinct patients (as PatientFacts.idx): a Set while small, then a bitmap over idx (an application's
   * daily window sees tens of thousands: a Set insert there costs ≈10% of the core in bench/detect.bench.ts,
   * the bitmap is one load and one store, and 25 KB for 200,000 patients against ≈1 MB for the Set).
   * One field for both forms (a second, null on nearly every window, would be 8 bytes). Null until the first
   * event, and again once an alert made it useless.
   */
  patients: Set<number> | Uint32Array | null;
  /** How many distinct patients (either form). */
  distinct: number;
  /**
   * The first 100 patient ids and event ids: min(distinct, 100) and min(count, 100) of them are set, the
   * arrays' lengths are their capacities (see putAt). Null until the first event, and again once an
   * alert made them useless.
   */
  patientIds: string[] | null;
  evidence: string[] | null;
  fired: boolean;
}

/** The ids of a window with none yet: shared, never written (putAt allocates the window's own). */
export const NO_IDS: string[] = [];

export function openWindow(start: number): WindowAgg {
  return { start, next: null, count: 0, records: 0, patients: null, distinct: 0, patientIds: null, evidence: null, fired: false };
}

/**
 * Stores `id` at `n` of a list whose length is its capacity, doubling it (from 2, up to 100) when full,
 * and returns the list. A JS push reserves 17 slots at the first id: 184 bytes for the one or two ids most
 * windows hold (heap snapshot of bench/detect.bench.ts: btg-abuse alone keeps a window open for one active
 * actor in eight), 64 like this.
 */
function putAt(list: string[], n: number, id: string): string[] {
  if (n < list.length) {
    list[n] = id;
    return list;
  }
  const grown = new Array<string>(Math.min(MAX_EVIDENCE_IDS, Math.max(2, n * 2))).fill('');
  for (let i = 0; i < n; i++) grown[i] = list[i] as string;
  grown[n] = id;
  return grown;
}

/**
 * Counts one event in the window: its records, its id as evidence, and its patients idxs[from, to)
 * (ids alongside) as distinct patients.
 */
export function countEvent(w: WindowAgg, records: number, eventId: string, idxs: readonly number[], ids: readonly string[], from: number, to: number): void {
  w.count++;
  w.records += records;
  if (w.evidence === null) {
    w.patients = new Set();
    w.patientIds = NO_IDS;
    w.evidence = NO_IDS;
  }
  for (let i = from; i < to; i++) {
    const idx = idxs[i] as number;
    const known = w.patients;
    if (known instanceof Uint32Array) {
      const bitmap = known;
      const word = idx >>> 5;
      const bit = 1 << (idx & 31);
      if (word < bitmap.length && ((bitmap[word] as number) & bit) !== 0) continue;
      const into = word < bitmap.length ? bitmap : growBitmap(w, word);
      into[word] = (into[word] as number) | bit;
    } else {
      const set = known as Set<number>;
      if (set.has(idx)) continue;
      set.add(idx);
      if (set.size > SET_LIMIT) toBitmap(w, set);
    }
    if (w.distinct < MAX_EVIDENCE_IDS) w.patientIds = putAt(w.patientIds as string[], w.distinct, ids[i] as string);
    w.distinct++;
  }
  // count was incremented above: this event's id goes at count − 1.
  if (w.count <= MAX_EVIDENCE_IDS) w.evidence = putAt(w.evidence as string[], w.count - 1, eventId);
}

/** Drops what only an alert would cite (a rule that stops counting once its window fired). */
export function dropEvidence(w: WindowAgg): void {
  w.patients = null;
  w.distinct = 0;
  w.patientIds = null;
  w.evidence = null;
}

/** The patient ids an alert cites: the first 100 distinct. */
export function citedPatients(w: WindowAgg): string[] {
  return (w.patientIds ?? NO_IDS).slice(0, Math.min(w.distinct, MAX_EVIDENCE_IDS));
}

/** The event ids an alert cites: the first 100. */
export function citedEvents(w: WindowAgg): string[] {
  return (w.evidence ?? NO_IDS).slice(0, Math.min(w.count, MAX_EVIDENCE_IDS));
}

function toBitmap(w: WindowAgg, set: Set<number>): void {
  let max = 0;
  for (const idx of set) if (idx > max) max = idx;
  const bitmap = new Uint32Array((max >>> 5) + 1 + 64);
  for (const idx of set) bitmap[idx >>> 5] = (bitmap[idx >>> 5] as number) | (1 << (idx & 31));
  w.patients = bitmap;
}

/** The window's bitmap grown to hold `word` (by half again, so growth is amortised). */
function growBitmap(w: WindowAgg, word: number): Uint32Array {
  const old = w.patients as Uint32Array;
  const grown = new Uint32Array(Math.max(word + 1, old.length + (old.length >>> 1)));
  grown.set(old);
  w.patients = grown;
  return grown;
}

/** The window's value of the rule's measure. */
export function windowValue(w: WindowAgg, measure: Measure): number {
  switch (measure) {
    case 'events':
      return w.count;
    case 'records':
      return w.records;
    case 'distinct-patients':
      return w.distinct;
  }
}

/** The newest sliding window's value of the rule's measure. */
export function ringValue(ring: SlidingAgg, measure: Measure): number {
  return measure === 'events' ? ring.count() : measure === 'records' ? ring.records() : ring.distinctPatients();
}
