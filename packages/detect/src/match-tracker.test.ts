import { describe, expect, it } from 'vitest';
import { addMatch, matchFields, matchStart, matchValue, resetMatch } from './match-tracker.ts';

describe('self-match tracker in a row of doubles', () => {
  it('takes only what its measure reads', () => {
    expect(matchFields('events')).toBe(2);
    expect(matchFields('records')).toBe(3);
    expect(matchFields('distinct-patients')).toBe(6);
  });

  it('counts distinct patients of a window and hands back the finished one, leaving its neighbours alone', () => {
    const rows = new Float64Array(1 + matchFields('distinct-patients') + 1).fill(7);
    resetMatch(rows, 1, 'distinct-patients');
    expect(matchStart(rows, 1)).toBe(Number.NEGATIVE_INFINITY);
    const patients = Array.from({ length: 40 }, (_, i) => i * 3);
    // One read a patient, twice over: 80 events, 40 patients.
    for (let round = 0; round < 2; round++) for (const p of patients) expect(addMatch(rows, 1, 'distinct-patients', 1000, 1, [p])).toBe(-1);
    const estimate = matchValue(rows, 1, 'distinct-patients');
    // Linear counting over the 128 hashed bits (the estimate alerts depend on: it must not change with the layout).
    const bits = new Set(patients.map((p) => Math.imul(p + 1, 0x9e3779b1) >>> 25)).size;
    expect(estimate).toBe(Math.round(-128 * Math.log((128 - bits) / 128)));
    expect(Math.abs(estimate - 40)).toBeLessThanOrEqual(10);
    expect(matchValue(rows, 1, 'events')).toBe(80);
    // Earlier windows are ignored, a later one returns the finished value.
    expect(addMatch(rows, 1, 'distinct-patients', 500, 1, [1])).toBe(-1);
    expect(addMatch(rows, 1, 'distinct-patients', 2000, 1, [1])).toBe(estimate);
    expect(matchStart(rows, 1)).toBe(2000);
    expect(matchValue(rows, 1, 'distinct-patients')).toBe(1);
    expect(rows[0]).toBe(7);
    expect(rows[rows.length - 1]).toBe(7);
  });

  it('sums records for a records measure', () => {
    const rows = new Float64Array(matchFields('records'));
    resetMatch(rows, 0, 'records');
    addMatch(rows, 0, 'records', 0, 5, []);
    addMatch(rows, 0, 'records', 0, 7, []);
    expect(matchValue(rows, 0, 'records')).toBe(12);
    expect(matchValue(rows, 0, 'events')).toBe(2);
  });
});
