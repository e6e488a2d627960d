import { describe, expect, it } from 'vitest';
import { BoundedIdSet } from './bounded-id-set.ts';
import { SeenEvents } from './seen-events.ts';

describe('BoundedIdSet', () => {
  it('forgets the oldest ids beyond its capacity', () => {
    const s = new BoundedIdSet(3);
    for (const id of ['a', 'b', 'c', 'a', 'd']) s.add(id);
    expect(s.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].filter((id) => s.has(id))).toEqual(['b', 'c', 'd']);
    expect(s.delete('c')).toBe(true);
    expect(s.delete('c')).toBe(false);
    expect(() => new BoundedIdSet(0)).toThrow(RangeError);
  });
});

describe('SeenEvents', () => {
  it('keeps ids at or after the watermark and prunes those behind it', () => {
    const s = new SeenEvents(100);
    s.add('e1', 1_000);
    s.add('e2', 2_000);
    s.add('e3', 3_000);
    s.prune(2_000);
    expect(['e1', 'e2', 'e3'].filter((id) => s.has(id))).toEqual(['e2', 'e3']);
    s.prune(10_000);
    expect(s.size).toBe(0);
  });

  it('an out-of-order entry waits behind a newer one, and the capacity still bounds the set', () => {
    const s = new SeenEvents(3);
    s.add('new', 5_000);
    s.add('old', 1_000);
    s.prune(2_000);
    expect(s.has('old')).toBe(true);
    for (const id of ['x', 'y', 'z']) s.add(id, 6_000);
    expect(s.size).toBe(3);
    expect(s.has('new')).toBe(false);
  });
});
