import type { AccessEvent } from '@chartwatch/event';
import type { BatchWriterOptions } from './batch-writer.ts';
import { BatchInserter } from './batch-writer.ts';
import type { ClickHouseConnection } from './connection.ts';
import { quoteIdentifier } from './connection.ts';
import type { AccessEventRow } from './event-row.ts';
import { accessEventToRow } from './event-row.ts';

/**
 * Writes AccessEvents to access_events (and, through the materialized view,
 * patient_access). Idempotent: writing the same events again adds no visible
 * row. Events are expected to be valid AccessEvents (the ingest parser
 * checked them); they are not validated again here.
 */
export class EventWriter {
  private readonly inserter: BatchInserter<AccessEventRow>;

  constructor(connection: ClickHouseConnection, options: BatchWriterOptions = {}) {
    this.inserter = new BatchInserter(
      connection.insertClient,
      connection.mode,
      `${quoteIdentifier(connection.database)}.access_events`,
      'events',
      options,
    );
  }

  /** Resolves once ClickHouse accepted every event: only then may a consumer commit its offsets. */
  async write(events: readonly AccessEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.inserter.insert(events.map(accessEventToRow), (row) => row.event_id);
  }
}
