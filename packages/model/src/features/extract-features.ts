import type { AccessEvent } from '@chartwatch/event';
import type { FeatureAccumulatorOptions } from './feature-accumulator.ts';
import { FeatureAccumulator } from './feature-accumulator.ts';
import type { FeatureRow } from './feature-row.ts';

/**
 * Every row of a finite history: events fed in the order given (event time,
 * then event id, as the store reads them back; sortForFeatures() puts a file
 * in that order), every window closed at the end.
 */
export function extractFeatures(events: Iterable<AccessEvent>, options: FeatureAccumulatorOptions): FeatureRow[] {
  const acc = new FeatureAccumulator(options);
  const rows: FeatureRow[] = [];
  for (const e of events) for (const r of acc.add(e)) rows.push(r);
  for (const r of acc.flush()) rows.push(r);
  return rows;
}

/** extractFeatures over an async source, e.g. the store's eventsInRange(). */
export async function extractFeaturesFrom(events: AsyncIterable<AccessEvent>, options: FeatureAccumulatorOptions): Promise<FeatureRow[]> {
  const acc = new FeatureAccumulator(options);
  const rows: FeatureRow[] = [];
  for await (const e of events) for (const r of acc.add(e)) rows.push(r);
  for (const r of acc.flush()) rows.push(r);
  return rows;
}

/** Event time, then event id: the order ClickHouse reads history back in, so a file and the store give the same rows. */
export function sortForFeatures(events: AccessEvent[]): AccessEvent[] {
  const times = new Map<AccessEvent, number>();
  for (const e of events) times.set(e, Date.parse(e.time));
  return events.sort((a, b) => (times.get(a) as number) - (times.get(b) as number) || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
}
