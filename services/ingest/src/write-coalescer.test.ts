import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '@chartwatch/event';
import { coalesceWrites } from './write-coalescer.ts';

const ev = (id: string): AccessEvent => ({ eventId: id }) as AccessEvent;

describe('coalesceWrites', () => {
  it('merges writes made while one is in flight, up to the bound, and settles each caller', async () => {
    const inserts: string[][] = [];
    let release: () => void = () => {};
    const sink = coalesceWrites(
      {
        async writeEvents(events) {
          inserts.push(events.map((e) => e.eventId));
          if (inserts.length === 1) await new Promise<void>((r) => (release = r));
        },
      },
      3,
    );
    const first = sink.writeEvents([ev('a')]);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const rest = [sink.writeEvents([ev('b')]), sink.writeEvents([ev('c'), ev('d')]), sink.writeEvents([ev('e')])];
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
      100,
    );
    const results = await Promise.allSettled([sink.writeEvents([ev('a')]), sink.writeEvents([ev('b')])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(sink.writeEvents([ev('c')])).resolves.toBeUndefined();
  });
});
