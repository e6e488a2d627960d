import type { Measure } from './rule-schema.ts';

/**
 * The measure of one key over every event that passes a rule's `match`
 * (its conditions ignored), in tumbling windows of the rule's window size:
 * the `self-match` baseline, e.g. how many patients a user reads in four
 * hours at any hour, to judge how many they read after hours.
 *
 * Every active user has one, so it is a handful of numbers: distinct
 * patients are estimated by linear counting over a 128-bit bitmap (eight
 * 16-bit words) instead of a set. For the volumes a baseline sees (tens of
 * patients) the estimate is within a few percent, and it never needs more
 * memory however many patients are read.
 */
export interface MatchCounts {
  /** Start of the window being counted; -Infinity when none (no tracker). */
  matchStart: number;
  matchCount: number;
  matchRecords: number;
  /**
   * The bitmap, 16 bits a word: V8 keeps an integer field in the object itself only below 2^30, so
   * 32-bit words (bit 31 set is a negative int32, bit 30 past the limit) made every key's words
   * pointers to boxed doubles: 48 bytes more a key and a cache miss an event.
   */
  mb0: number;
  mb1: number;
  mb2: number;
  mb3: number;
  mb4: number;
  mb5: number;
  mb6: number;
  mb7: number;
}

/**
 * The tracker's numbers live in the key state itself (rule-runner.ts KeyState), not in an object of
 * their own: every active user has one, and an object with its header, its pointer and two boxed
 * doubles was ≈120 bytes an actor (bench/detect.bench.ts, bytes per active actor).
 */
export function resetMatch(s: MatchCounts): void {
  s.matchStart = Number.NEGATIVE_INFINITY;
  s.matchCount = 0;
  s.matchRecords = 0;
  s.mb0 = s.mb1 = s.mb2 = s.mb3 = s.mb4 = s.mb5 = s.mb6 = s.mb7 = 0;
}

/**
 * Adds an event to the window starting at `start`. When the event opens a
 * later window, returns the finished window's value (its start was
 * `s.matchStart` before the call), else -1. Events of an earlier window are
 * ignored.
 */
export function addMatch(s: MatchCounts, measure: Measure, start: number, records: number, patients: readonly number[]): number {
  let finished = -1;
  if (start > s.matchStart) {
    if (s.matchStart !== Number.NEGATIVE_INFINITY) finished = matchValue(s, measure);
    s.matchStart = start;
    s.matchCount = 0;
    s.matchRecords = 0;
    s.mb0 = s.mb1 = s.mb2 = s.mb3 = s.mb4 = s.mb5 = s.mb6 = s.mb7 = 0;
  } else if (start < s.matchStart) {
    return -1;
  }
  s.matchCount++;
  s.matchRecords += records;
  if (measure === 'distinct-patients') {
    for (let i = 0; i < patients.length; i++) {
      // Multiplicative hash of the patient number to one of 128 bits.
      const h = Math.imul((patients[i] as number) + 1, 0x9e3779b1) >>> 25;
      const bit = 1 << (h & 15);
      switch (h >>> 4) {
        case 0: s.mb0 |= bit; break;
        case 1: s.mb1 |= bit; break;
        case 2: s.mb2 |= bit; break;
        case 3: s.mb3 |= bit; break;
        case 4: s.mb4 |= bit; break;
        case 5: s.mb5 |= bit; break;
        case 6: s.mb6 |= bit; break;
        default: s.mb7 |= bit; break;
      }
    }
  }
  return finished;
}

export function matchValue(s: MatchCounts, measure: Measure): number {
  if (measure === 'events') return s.matchCount;
  if (measure === 'records') return s.matchRecords;
  const set = popcount(s.mb0) + popcount(s.mb1) + popcount(s.mb2) + popcount(s.mb3) + popcount(s.mb4) + popcount(s.mb5) + popcount(s.mb6) + popcount(s.mb7);
  if (set >= 128) return Math.max(s.matchCount, 128 * Math.log(128));
  // Linear counting: n ≈ −m ln(empty / m), never more than the events seen.
  return Math.min(s.matchCount, Math.round(-128 * Math.log((128 - set) / 128)));
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}
