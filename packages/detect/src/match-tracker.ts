import type { PatientFacts } from './directory.ts';
import type { Measure } from './rule-schema.ts';

/** Up to this many patients a scan of a small array beats a Set. */
const SCAN_LIMIT = 64;

/**
 * The measure of one key over every event that passes a rule's `match`
 * (its conditions ignored), in tumbling windows of the rule's window size:
 * the `self-match` baseline, e.g. how many patients a user reads in four
 * hours at any hour, to judge how many they read after hours. Kept lean
 * (numbers only, no evidence): every active user has one.
 */
export class MatchTracker {
  start = Number.NEGATIVE_INFINITY;
  private count = 0;
  private records = 0;
  private seen: number[] = [];
  private seenSet: Set<number> | null = null;

  constructor(private readonly measure: Measure) {}

  /**
   * Adds an event to the window starting at `start`. When the event opens a
   * later window, returns the finished window's value (and its start in
   * `finishedStart`), else -1. Events of an earlier window are ignored.
   */
  add(start: number, records: number, patients: readonly PatientFacts[]): number {
    let finished = -1;
    if (start > this.start) {
      finished = this.start === Number.NEGATIVE_INFINITY ? -1 : this.value();
      this.finishedStart = this.start;
      this.start = start;
      this.count = 0;
      this.records = 0;
      this.seen.length = 0;
      this.seenSet = null;
    } else if (start < this.start) {
      return -1;
    }
    this.count++;
    this.records += records;
    if (this.measure === 'distinct-patients') {
      for (let i = 0; i < patients.length; i++) this.addPatient((patients[i] as PatientFacts).idx);
    }
    return finished;
  }

  finishedStart = Number.NEGATIVE_INFINITY;

  value(): number {
    if (this.measure === 'events') return this.count;
    if (this.measure === 'records') return this.records;
    return this.seenSet === null ? this.seen.length : this.seenSet.size;
  }

  private addPatient(idx: number): void {
    if (this.seenSet !== null) {
      this.seenSet.add(idx);
      return;
    }
    const seen = this.seen;
    for (let j = 0; j < seen.length; j++) if (seen[j] === idx) return;
    if (seen.length >= SCAN_LIMIT) {
      this.seenSet = new Set(seen);
      this.seenSet.add(idx);
      return;
    }
    seen.push(idx);
  }
}
