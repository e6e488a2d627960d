import type { Measure } from './rule-schema.ts';

/**
 * The measure of one key over every event that passes a rule's `match`
 * (its conditions ignored), in tumbling windows of the rule's window size:
 * the `self-match` baseline, e.g. how many patients a user reads in four
 * hours at any hour, to judge how many they read after hours.
 *
 * Every active user has one, so it is a handful of numbers: distinct
 * patients are estimated by linear counting over a 128-bit bitmap (four
 * 32-bit words) instead of a set. For the volumes a baseline sees (tens of
 * patients) the estimate is within a few percent, and it never needs more
 * memory however many patients are read.
 */
export class MatchTracker {
  start = Number.NEGATIVE_INFINITY;
  /** Start of the window that `add` last finished. */
  finishedStart = Number.NEGATIVE_INFINITY;
  private count = 0;
  private records = 0;
  private b0 = 0;
  private b1 = 0;
  private b2 = 0;
  private b3 = 0;

  constructor(private readonly measure: Measure) {}

  /**
   * Adds an event to the window starting at `start`. When the event opens a
   * later window, returns the finished window's value (its start in
   * `finishedStart`), else -1. Events of an earlier window are ignored.
   */
  add(start: number, records: number, patients: readonly number[]): number {
    let finished = -1;
    if (start > this.start) {
      if (this.start !== Number.NEGATIVE_INFINITY) {
        finished = this.value();
        this.finishedStart = this.start;
      }
      this.start = start;
      this.count = 0;
      this.records = 0;
      this.b0 = this.b1 = this.b2 = this.b3 = 0;
    } else if (start < this.start) {
      return -1;
    }
    this.count++;
    this.records += records;
    if (this.measure === 'distinct-patients') {
      for (let i = 0; i < patients.length; i++) {
        // Multiplicative hash of the patient number to one of 128 bits.
        const h = Math.imul((patients[i] as number) + 1, 0x9e3779b1) >>> 25;
        const bit = 1 << (h & 31);
        switch (h >>> 5) {
          case 0: this.b0 |= bit; break;
          case 1: this.b1 |= bit; break;
          case 2: this.b2 |= bit; break;
          default: this.b3 |= bit; break;
        }
      }
    }
    return finished;
  }

  value(): number {
    if (this.measure === 'events') return this.count;
    if (this.measure === 'records') return this.records;
    const set = popcount(this.b0) + popcount(this.b1) + popcount(this.b2) + popcount(this.b3);
    if (set >= 128) return Math.max(this.count, 128 * Math.log(128));
    // Linear counting: n ≈ −m ln(empty / m), never more than the events seen.
    return Math.min(this.count, Math.round(-128 * Math.log((128 - set) / 128)));
  }
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}
