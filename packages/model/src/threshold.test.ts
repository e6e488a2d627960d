import { describe, expect, it } from 'vitest';
import { chooseThreshold } from './threshold.ts';

const above = (scores: Float64Array, t: number): number => scores.filter((s) => s > t).length;

describe('chooseThreshold', () => {
  const scores = Float64Array.from({ length: 1000 }, (_, i) => (i + 0.5) / 1000);

  it('lets exactly the budget through when scores are distinct', () => {
    // 2 per 1000 over 1000 actor-days: 2 rows
    const t = chooseThreshold(scores, 1000, 2);
    expect(above(scores, t)).toBe(2);
    expect(t).toBe(0.9975);
  });

  it('scales the budget with actor-days and rounds down', () => {
    expect(above(scores, chooseThreshold(scores, 5000, 3))).toBe(15);
    expect(above(scores, chooseThreshold(scores, 1000, 2.9))).toBe(2);
  });

  it('never exceeds the budget when scores tie at the cut-off', () => {
    const tied = Float64Array.from([0.9, 0.8, 0.8, 0.8, 0.1]);
    const t = chooseThreshold(tied, 1000, 2);
    expect(t).toBe(0.8);
    expect(above(tied, t)).toBe(1);
  });

  it('lets nothing through with no budget, everything when the budget covers all', () => {
    expect(above(scores, chooseThreshold(scores, 1000, 0))).toBe(0);
    expect(chooseThreshold(scores, 1_000_000, 5)).toBe(-Infinity);
    expect(chooseThreshold(new Float64Array(0), 10, 1)).toBe(-Infinity);
  });

  it('does not reorder the caller’s scores', () => {
    const s = Float64Array.from([0.3, 0.9, 0.1]);
    chooseThreshold(s, 1000, 1);
    expect(Array.from(s)).toEqual([0.3, 0.9, 0.1]);
  });

  it('refuses NaN and negative or non-finite arguments', () => {
    expect(() => chooseThreshold(Float64Array.from([0.2, Number.NaN]), 10, 1)).toThrow(/NaN/);
    expect(() => chooseThreshold(scores, -1, 1)).toThrow(/actorDays/);
    expect(() => chooseThreshold(scores, 10, Infinity)).toThrow(/budgetPer1000/);
  });
});
