import type { AccessEvent } from '@chartwatch/event';
import type { EventSink } from './app.ts';

/** A sink that also hears how many bytes a write carries, to size its inserts by bytes. */
export interface SizedEventSink {
  writeEvents(events: readonly AccessEvent[], bytes: number): Promise<void>;
}

export interface CoalesceOptions {
  /** An insert is sent once the writes waiting for it carry this many bytes (one write larger than this goes alone). */
  maxBytes: number;
  /** …or once the oldest waiting write has waited this long. */
  maxDelayMs: number;
  /** Told of every insert that succeeded: its events and how long ClickHouse took (the metrics' insert figures). */
  onInsert?: (events: number, ms: number) => void;
}

interface Waiter {
  events: readonly AccessEvent[];
  bytes: number;
  /** performance.now() when the write arrived. */
  at: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Merges writes into inserts sized by bytes and time, not by message count.
 * An insert into ClickHouse (chDB especially) costs a fixed amount on top of
 * its rows, so the sub-batches of every partition (and the several in flight
 * per partition, see app.ts) are worth one insert, not one each. One insert
 * runs at a time; writes arriving meanwhile wait for the next one, which is
 * sent as soon as it holds `maxBytes` or its oldest write waited
 * `maxDelayMs`. Every caller's promise settles with the insert that carried
 * its events, so a caller still commits only what ClickHouse accepted; on
 * failure every caller of that insert retries on its own, and the retries
 * merge again. bench/ingest.bench.ts shows the store's share of the time.
 */
export function coalesceWrites(sink: EventSink, options: CoalesceOptions): SizedEventSink {
  const queue: Waiter[] = [];
  let queuedBytes = 0;
  let flushing = false;
  let wake: (() => void) | undefined;

  function waitForFill(): Promise<void> {
    const oldest = queue[0];
    const remainingMs = oldest === undefined ? 0 : oldest.at + options.maxDelayMs - performance.now();
    if (queuedBytes >= options.maxBytes || remainingMs <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, remainingMs);
      function done(): void {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  async function flush(): Promise<void> {
    flushing = true;
    while (queue.length > 0) {
      await waitForFill();
      const take: Waiter[] = [];
      let size = 0;
      while (queue.length > 0 && (take.length === 0 || size + (queue[0] as Waiter).bytes <= options.maxBytes)) {
        const next = queue.shift() as Waiter;
        take.push(next);
        size += next.bytes;
      }
      queuedBytes -= size;
      const events = take.length === 1 ? (take[0] as Waiter).events : take.flatMap((w) => w.events);
      try {
        const t = performance.now();
        await sink.writeEvents(events);
        options.onInsert?.(events.length, performance.now() - t);
        for (const w of take) w.resolve();
      } catch (err) {
        for (const w of take) w.reject(err);
      }
    }
    flushing = false;
  }

  return {
    writeEvents(events: readonly AccessEvent[], bytes: number): Promise<void> {
      if (events.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ events, bytes, at: performance.now(), resolve, reject });
        queuedBytes += bytes;
        if (queuedBytes >= options.maxBytes) wake?.();
        if (!flushing) void flush();
      });
    },
  };
}
