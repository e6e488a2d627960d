import { partitionForKey } from '@chartwatch/bus';
import type { AccessEvent } from '@chartwatch/event';

/**
 * Where a detector rebuilds a partition's window state from: the stored
 * events of the actors whose key maps to that partition, in event-time
 * order. Ingest stores every event in ClickHouse before it publishes it, so
 * the store holds at least everything the partition ever delivered.
 */
export interface HistorySource {
  eventsOfPartition(partition: number, partitions: number, from: string, to: string): AsyncIterable<AccessEvent>;
}

/** The part of @chartwatch/store's Store this source reads. */
export interface EventHistoryStore {
  eventsInRange(from: string, to: string, options?: { pageSize?: number }): AsyncGenerator<AccessEvent, void, undefined>;
}

/**
 * History read from ClickHouse. The store has no query for "the actors of
 * one partition" (it would need the distinct actor ids of a range, then
 * eventsForActors), so this pages through every event of the range and keeps
 * those whose actor id hashes to the partition with Kafka's partitioner.
 * Correct, and cheap at the sizes the tests and the embedded mode see; on a
 * large hospital the scan is the cost of a rebuild, see the README.
 */
export function storeHistory(store: EventHistoryStore, options: { pageSize?: number } = {}): HistorySource {
  return {
    async *eventsOfPartition(partition, partitions, from, to) {
      for await (const event of store.eventsInRange(from, to, options)) {
        if (partitionForKey(event.actor.id, partitions) === partition) yield event;
      }
    },
  };
}
