import { describe, expect, it } from 'vitest';
import { foldHistory, lastDay, spliced, valuesBefore } from './baseline.ts';

describe('foldHistory on one run of a shared array', () => {
  it('keeps the day peak in place, without a new array', () => {
    // [n, own pairs (n numbers), self-match pairs]
    const list = [2, 10, 5, 7, 100];
    const same = foldHistory(list, 1, 3, 10, 8, 28);
    expect(same).toBe(list);
    expect(list).toEqual([2, 10, 8, 7, 100]);
    expect(foldHistory(list, 1, 3, 10, 4, 28)).toEqual([2, 10, 8, 7, 100]);
  });

  it('adds a day at the end of its run and leaves the other run alone', () => {
    const list = [2, 10, 5, 7, 100];
    const grown = foldHistory(list, 1, 3, 11, 6, 28);
    expect(grown).toEqual([2, 10, 5, 11, 6, 7, 100]);
    expect(grown).toHaveLength(7);
    expect(foldHistory(grown, 5, 7, 7, 101, 28)).toBe(grown);
    expect(foldHistory(grown, 5, 7, 8, 4, 28)).toEqual([2, 10, 5, 11, 6, 7, 101, 8, 4]);
  });

  it('puts a late day in order and drops days older than the span', () => {
    const list = [0, 20, 1, 22, 3];
    expect(foldHistory(list, 1, 5, 21, 9, 28)).toEqual([0, 20, 1, 21, 9, 22, 3]);
    expect(foldHistory(list, 1, 5, 40, 2, 5)).toEqual([0, 40, 2]);
    // At most historyDays days, the oldest go first.
    expect(foldHistory([1, 2, 3, 4], 0, 4, 5, 6, 2)).toEqual([3, 4, 5, 6]);
  });

  it('reads a run: values before a day, its last day', () => {
    const list = [4, 10, 1, 11, 2, 8, 50];
    const out: number[] = [];
    valuesBefore(list, 1, 5, 12, 28, out);
    expect(out).toEqual([1, 2]);
    expect(lastDay(list, 1, 5)).toBe(11);
    expect(lastDay(list, 5, 5)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('splices exactly', () => {
    expect(spliced([1, 2, 3, 4, 5], 1, 2)).toEqual([1, 4, 5]);
    expect(spliced([1, 2, 3], 3, 0, 7, 8)).toEqual([1, 2, 3, 7, 8]);
  });
});
