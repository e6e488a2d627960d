import type { Measure } from './rule-schema.ts';

/**
 * The measure of one key over every event that passes a rule's `match`
 * (its conditions ignored), in tumbling windows of the rule's window size:
 * the `self-match` baseline, e.g. how many patients a user reads in four
 * hours at any hour, to judge how many they read after hours.
 *
 * Every active user has one, so it is a handful of numbers: distinct
 * patients are estimated by linear counting over a 128-bit bitmap instead
 * of a set. For the volumes a baseline sees (tens of
 * patients) the estimate is within a few percent, and it never needs more
 * memory however many patients are read.
 *
 * The tracker of one key is matchFields(measure) doubles at `at` in its runner's key rows
 * (key-table.ts): start of the window being counted (-Infinity when none), events, then what the
 * measure needs: records, or the bitmap as four 32-bit words. In a Float64Array the words need no 2^30
 * limit (an object field above it becomes a pointer to a boxed double) and the start no box: in the key
 * state object they would be eleven fields and a boxed double, 104 bytes a key on a 64-bit heap, against
 * 48 here for distinct patients (heap snapshot of bench/detect.bench.ts; every active user has a tracker).
 */
const START = 0;
const COUNT = 1;
/** Records (measure records) or the first bitmap word (distinct-patients). */
const MORE = 2;

/** Numbers a tracker takes in its row. */
export function matchFields(measure: Measure): number {
  return measure === 'records' ? 3 : measure === 'distinct-patients' ? 6 : 2;
}

/** Start of the window being counted, -Infinity when none. */
export function matchStart(rows: Float64Array, at: number): number {
  return rows[at + START] as number;
}

export function resetMatch(rows: Float64Array, at: number, measure: Measure): void {
  rows[at + START] = Number.NEGATIVE_INFINITY;
  rows.fill(0, at + COUNT, at + matchFields(measure));
}

/**
 * Adds an event to the window starting at `start`. When the event opens a
 * later window, returns the finished window's value (its start was
 * `matchStart` before the call), else -1. Events of an earlier window are
 * ignored.
 */
export function addMatch(rows: Float64Array, at: number, measure: Measure, start: number, records: number, patients: readonly number[]): number {
  let finished = -1;
  const current = rows[at + START] as number;
  if (start > current) {
    if (current !== Number.NEGATIVE_INFINITY) finished = matchValue(rows, at, measure);
    rows[at + START] = start;
    rows.fill(0, at + COUNT, at + matchFields(measure));
  } else if (start < current) {
    return -1;
  }
  rows[at + COUNT] = (rows[at + COUNT] as number) + 1;
  if (measure === 'records') rows[at + MORE] = (rows[at + MORE] as number) + records;
  else if (measure === 'distinct-patients') {
    for (let i = 0; i < patients.length; i++) {
      // Multiplicative hash of the patient number to one of 128 bits (only how many are set is read).
      const h = Math.imul((patients[i] as number) + 1, 0x9e3779b1) >>> 25;
      const w = at + MORE + (h >>> 5);
      rows[w] = (rows[w] as number) | (1 << (h & 31));
    }
  }
  return finished;
}

export function matchValue(rows: Float64Array, at: number, measure: Measure): number {
  const count = rows[at + COUNT] as number;
  if (measure === 'events') return count;
  if (measure === 'records') return rows[at + MORE] as number;
  const w = at + MORE;
  const set = popcount(rows[w] as number) + popcount(rows[w + 1] as number) + popcount(rows[w + 2] as number) + popcount(rows[w + 3] as number);
  if (set >= 128) return Math.max(count, 128 * Math.log(128));
  // Linear counting: n ≈ −m ln(empty / m), never more than the events seen.
  return Math.min(count, Math.round(-128 * Math.log((128 - set) / 128)));
}

/** Set bits of a 32-bit word (any sign: the arithmetic wraps like the bits). */
function popcount(x: number): number {
  let v = (x >>> 0) - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}
