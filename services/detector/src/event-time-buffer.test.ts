import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '@chartwatch/event';
import { EventTimeBuffer } from './event-time-buffer.ts';
import type { HeldEvent } from './event-time-buffer.ts';

const MIN = 60_000;
const T0 = Date.parse('2026-03-02T08:00:00.000Z');

function held(id: string, minutes: number, partition = 0, offset: number | null = null): HeldEvent {
  return { event: { eventId: id, time: new Date(T0 + minutes * MIN).toISOString() } as AccessEvent, t: T0 + minutes * MIN, partition, offset: offset === null ? null : BigInt(offset) };
}

const ids = (list: readonly HeldEvent[]): string[] => list.map((h) => h.event.eventId);
const wall = T0 + 10 * 24 * 60 * MIN;

describe('EventTimeBuffer', () => {
  it('releases in event-time order (ties by event id) once events are holdMs behind the newest', () => {
    const b = new EventTimeBuffer({ holdMs: 30 * MIN, maxFutureMs: 15 * MIN, maxEvents: 1_000 });
    // Two partitions interleaved out of order, as a backlog worked through side by side delivers them.
    for (const h of [held('b', 50), held('a', 0), held('d', 10), held('c', 10), held('e', 60)]) b.add(h, wall);
    expect(ids(b.release(wall))).toEqual(['a', 'c', 'd']);
    expect(ids(b.releaseAll(wall))).toEqual(['b', 'e']);
    expect(b.size).toBe(0);
  });

  it('an event dated ahead of the wall clock does not move the newest time and waits until its time comes', () => {
    const now = T0 + 60 * MIN;
    const b = new EventTimeBuffer({ holdMs: 0, maxFutureMs: 15 * MIN, maxEvents: 1_000 });
    expect(b.add(held('ahead', 60 + 45 * 60), now)).toBe('future');
    expect(b.add(held('x', 1), now)).toBe(true);
    expect(b.add(held('y', 2), now)).toBe(true);
    expect(b.newest).toBe(T0 + 2 * MIN);
    expect(ids(b.releaseAll(now))).toEqual(['x', 'y']);
    expect(b.futureSize).toBe(1);
    expect(ids(b.releaseAll(T0 + (60 + 45 * 60) * MIN))).toEqual(['ahead']);
  });

  it('holds each id once, and bounds what it holds by releasing the oldest', () => {
    const b = new EventTimeBuffer({ holdMs: 1_000 * MIN, maxFutureMs: 15 * MIN, maxEvents: 2 });
    expect(b.add(held('a', 1), wall)).toBe(true);
    expect(b.add(held('a', 1), wall)).toBe(false);
    b.add(held('b', 2), wall);
    b.add(held('c', 3), wall);
    expect(ids(b.release(wall))).toEqual(['a']);
  });

  it('knows the lowest offset of a partition still held, so a commit never passes it', () => {
    const b = new EventTimeBuffer({ holdMs: 5 * MIN, maxFutureMs: 15 * MIN, maxEvents: 1_000 });
    b.add(held('p0-late', 30, 0, 10), wall);
    b.add(held('p0-early', 0, 0, 11), wall);
    b.add(held('p1', 1, 1, 4), wall);
    expect(b.lowestHeldOffset(0)).toBe(10n);
    expect(ids(b.release(wall))).toEqual(['p0-early', 'p1']);
    expect(b.lowestHeldOffset(0)).toBe(10n);
    expect(b.lowestHeldOffset(1)).toBeNull();
    b.releaseAll(wall);
    expect(b.lowestHeldOffset(0)).toBeNull();
  });
});
