import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '@chartwatch/event';
import { coalesceWrites } from './write-coalescer.ts';

const ev = (id: string): AccessEvent => ({ eventId: id }) as AccessEvent;

describe('coalesceWrites', () => {
  it('merges writes made while one is in flight, up to the byte bound, and settles each caller', async () => {
    const inserts: string[][] = [];
    let release: () => void = () => {};
    const sink = coalesceWrites(
      {
        async writeEvents(events) {
          inserts.push(events.map((e) => e.eventId));
          if (inserts.length === 1) await new Promise<void>((r) => (release = r));
        },
      },
      { maxBytes: 300, maxDelayMs: 0 },
    );
    const first = sink.writeEvents([ev('a')], 100);
    await new Promise((r) => setTimeout(r, 5));
    const rest = [sink.writeEvents([ev('b')], 100), sink.writeEvents([ev('c'), ev('d')], 200), sink.writeEvents([ev('e')], 100)];
    release();
    await Promise.all([first, ...rest]);
    expect(inserts).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
  });

  it('rejects every caller of a failed insert, and later writes go through', async () => {
    let fail = true;
    const sink = coalesceWrites(
      {
        async writeEvents() {
          if (fail) throw new Error('clickhouse down');
        },
      },
      { maxBytes: 1_000, maxDelayMs: 0 },
    );
    const results = await Promise.allSettled([sink.writeEvents([ev('a')], 10), sink.writeEvents([ev('b')], 10)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(sink.writeEvents([ev('c')], 10)).resolves.toBeUndefined();
  });

  it('holds a small insert until its delay has passed, and sends a full one at once', async () => {
    const inserts: string[][] = [];
    const sink = coalesceWrites({ writeEvents: async (events) => void inserts.push(events.map((e) => e.eventId)) }, { maxBytes: 100, maxDelayMs: 60_000 });
    const small = sink.writeEvents([ev('a')], 40);
    await new Promise((r) => setTimeout(r, 5));
    expect(inserts).toEqual([]);
    // Filling the insert wakes it without waiting for the delay.
    await Promise.all([small, sink.writeEvents([ev('b')], 60)]);
    expect(inserts).toEqual([['a', 'b']]);
  });
});
