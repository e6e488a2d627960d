import type { Alert } from '@chartwatch/detect';
import type { AlertRow } from './alert-row.ts';
import { alertToRow } from './alert-row.ts';
import type { BatchWriterOptions } from './batch-writer.ts';
import { BatchInserter } from './batch-writer.ts';
import type { ClickHouseConnection } from './connection.ts';
import { quoteIdentifier } from './connection.ts';

/** Writes alerts; idempotent on alertId, as EventWriter is on eventId. */
export class AlertWriter {
  private readonly inserter: BatchInserter<AlertRow>;

  constructor(connection: ClickHouseConnection, options: BatchWriterOptions = {}) {
    this.inserter = new BatchInserter(connection.insertClient, connection.mode, `${quoteIdentifier(connection.database)}.alerts`, 'alerts', options);
  }

  /**
   * An alert can be written again with more evidence under the same id, so
   * the dedup token hashes whole rows: only a true repeat is dropped, and an
   * update replaces the earlier row (ReplacingMergeTree keeps the last).
   */
  async write(alerts: readonly Alert[]): Promise<void> {
    if (alerts.length === 0) return;
    await this.inserter.insert(alerts.map(alertToRow), (row) => JSON.stringify(row));
  }
}
