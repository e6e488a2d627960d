import type { AccessEvent } from '@chartwatch/event';
import type { EventSink } from './app.ts';

interface Waiter {
  events: readonly AccessEvent[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Merges writes that arrive while another is in flight into one insert.
 * An insert into ClickHouse (chDB especially) costs a fixed amount on top
 * of its rows, so when several partitions are worked on at once their
 * sub-batches are worth one insert, not one each: bench/ingest.bench.ts
 * shows the store's share of the time. Every caller's promise settles with
 * the insert that carried its events, so a caller still commits only what
 * ClickHouse accepted; on failure every caller of that insert retries on
 * its own, and the retries merge again. At most `maxEvents` per insert.
 */
export function coalesceWrites(sink: EventSink, maxEvents: number): EventSink {
  const queue: Waiter[] = [];
  let flushing = false;

  async function flush(): Promise<void> {
    flushing = true;
    // Let callers that are one tick behind (other partitions' handlers) join this insert.
    await new Promise((resolve) => setImmediate(resolve));
    while (queue.length > 0) {
      const take: Waiter[] = [];
      let size = 0;
      while (queue.length > 0 && (take.length === 0 || size + (queue[0] as Waiter).events.length <= maxEvents)) {
        const next = queue.shift() as Waiter;
        take.push(next);
        size += next.events.length;
      }
      const events = take.length === 1 ? (take[0] as Waiter).events : take.flatMap((w) => w.events);
      try {
        await sink.writeEvents(events);
        for (const w of take) w.resolve();
      } catch (err) {
        for (const w of take) w.reject(err);
      }
    }
    flushing = false;
  }

  return {
    writeEvents(events: readonly AccessEvent[]): Promise<void> {
      if (events.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ events, resolve, reject });
        if (!flushing) void flush();
      });
    },
  };
}
