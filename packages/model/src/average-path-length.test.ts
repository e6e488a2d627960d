import { describe, expect, it } from 'vitest';
import { averagePathLength, heightLimit } from './average-path-length.ts';

describe('averagePathLength c(n)', () => {
  it('matches the closed form of Liu, Ting and Zhou', () => {
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    // 2 (ln 2 + γ) - 4/3
    expect(averagePathLength(3)).toBeCloseTo(1.2073921, 6);
    expect(averagePathLength(256)).toBeCloseTo(10.2447709, 6);
  });

  it('grows like 2 ln n', () => {
    expect(averagePathLength(1_000_000) / (2 * Math.log(1_000_000))).toBeGreaterThan(0.95);
    expect(averagePathLength(1_000_000) / (2 * Math.log(1_000_000))).toBeLessThan(1.05);
  });
});

describe('heightLimit', () => {
  it('is ⌈log2 ψ⌉ and at least 1', () => {
    expect(heightLimit(256)).toBe(8);
    expect(heightLimit(257)).toBe(9);
    expect(heightLimit(100)).toBe(7);
    expect(heightLimit(2)).toBe(1);
    expect(heightLimit(1)).toBe(1);
  });
});
