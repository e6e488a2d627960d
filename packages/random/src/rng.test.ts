import { describe, expect, it } from 'vitest';
import { deriveSeed } from './mulberry32.ts';
import { Rng } from './rng.ts';

describe('Rng', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const seqA = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(seqA);
    for (const v of seqA) expect(v >= 0 && v < 1).toBe(true);
  });

  it('derives independent streams from labels, sensitive to label boundaries', () => {
    expect(deriveSeed(7, 'day', 3)).toBe(deriveSeed(7, 'day', 3));
    expect(deriveSeed(7, 'day', 3)).not.toBe(deriveSeed(7, 'day', 4));
    expect(deriveSeed(7, 'ab', 'c')).not.toBe(deriveSeed(7, 'a', 'bc'));
    expect(deriveSeed(7, 'x')).not.toBe(deriveSeed(8, 'x'));
  });

  it('keeps int, sample and weighted choices in range', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 1000; i++) {
      const n = rng.int(3, 5);
      expect(n >= 3 && n <= 5 && Number.isInteger(n)).toBe(true);
    }
    const items = Array.from({ length: 1000 }, (_, i) => i);
    for (const k of [1, 10, 300, 999, 1000, 1500]) {
      const picked = rng.sample(items, k);
      expect(picked.length).toBe(Math.min(k, items.length));
      expect(new Set(picked).size).toBe(picked.length);
    }
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[rng.weightedIndex([1, 0, 2])]! += 1;
    expect(counts[1]).toBe(0);
    expect(counts[2]! > counts[0]!).toBe(true);
  });
});
