import { ReorderBuffer, ReplayOrderError } from '@chartwatch/detect';
import type { AccessEvent, ParseFailure } from '@chartwatch/event';
import type { LineResult } from './input-stream.ts';

/** What was read besides the events: the invalid records, for the summary and refuseIfNothingValid. */
export interface ReadTally {
  valid: number;
  invalid: number;
  firstFailure: ParseFailure | undefined;
}

/**
 * Valid events of a streamed input in the order training reads history
 * back from ClickHouse (event time, then event id: sortForFeatures), through
 * a reorder buffer of `windowMs` of event time instead of a sort of the
 * whole file. Events of one millisecond leave the buffer together, sorted
 * by id. An event further behind than the window stops the read with the
 * same message replay gives.
 */
export async function* inFeatureOrder(results: AsyncIterable<LineResult>, windowMs: number, tally: ReadTally): AsyncGenerator<AccessEvent, void, undefined> {
  const buffer = new ReorderBuffer<AccessEvent>();
  let newest = Number.NEGATIVE_INFINITY;
  let released = Number.NEGATIVE_INFINITY;
  function* release(before: number): Generator<AccessEvent, void, undefined> {
    while (buffer.peekTime() < before) {
      released = buffer.peekTime();
      const same: AccessEvent[] = [];
      while (buffer.peekTime() === released) same.push(buffer.pop() as AccessEvent);
      if (same.length > 1) same.sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
      yield* same;
    }
  }
  for await (const { result, line } of results) {
    if (!result.ok) {
      tally.invalid++;
      tally.firstFailure ??= result;
      continue;
    }
    tally.valid++;
    const t = Date.parse(result.event.time);
    // An equal time is out of reach too: its millisecond has left the buffer, sorted without it.
    if (t <= released) throw new ReplayOrderError(result.event.eventId, line, released - t, windowMs);
    if (t > newest) newest = t;
    buffer.push(t, result.event);
    yield* release(newest - windowMs);
  }
  yield* release(Number.POSITIVE_INFINITY);
}
