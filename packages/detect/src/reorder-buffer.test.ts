import { describe, expect, it } from 'vitest';
import { ReorderBuffer } from './reorder-buffer.ts';

describe('ReorderBuffer', () => {
  it('pops what a stable sort by time would give, ties in arrival order', () => {
    // A fixed pseudo-random sequence (LCG) so the test is the same every run.
    let x = 12345;
    const next = (): number => (x = (x * 1103515245 + 12345) % 2 ** 31) % 50;
    const input = Array.from({ length: 2_000 }, (_, i) => ({ t: next(), i }));
    const buffer = new ReorderBuffer<{ t: number; i: number }>();
    for (const item of input) buffer.push(item.t, item);
    const out = [];
    while (buffer.size > 0) out.push(buffer.pop());
    expect(out).toEqual([...input].sort((a, b) => a.t - b.t || a.i - b.i));
    expect(buffer.pop()).toBeUndefined();
    expect(buffer.peekTime()).toBe(Number.POSITIVE_INFINITY);
  });
});
