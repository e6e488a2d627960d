import type { Logger } from '@chartwatch/logger';
import type { ApiMetrics } from './metrics.ts';
import type { ApiAuditRecord, ApiDb } from '@chartwatch/store';
import { insertApiAudit } from '@chartwatch/store';

export interface AuditTrailOptions {
  db: ApiDb;
  logger: Logger;
  metrics: ApiMetrics;
  /** Rows per insert; a full batch is written at once. */
  batchSize: number;
  /** Longest a row waits before it is written. */
  flushMs: number;
}

/**
 * The API's own audit trail (who read which patient's data, when, from
 * where), written to ClickHouse in batches: one insert per request would
 * make one part per request. Bounded: if ClickHouse stays down, rows beyond
 * 20 batches are dropped oldest-first and counted
 * (chartwatch_api_audit_rows_total{outcome="dropped"}), and each failure is
 * logged at error level.
 */
export class AuditTrail {
  private pending: ApiAuditRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private readonly maxPending: number;

  constructor(private readonly o: AuditTrailOptions) {
    this.maxPending = o.batchSize * 20;
  }

  record(row: ApiAuditRecord): void {
    this.pending.push(row);
    if (this.pending.length > this.maxPending) {
      const dropped = this.pending.length - this.maxPending;
      this.pending.splice(0, dropped);
      this.o.metrics.auditRows.inc({ outcome: 'dropped' }, dropped);
      this.o.logger.error({ dropped }, 'API audit rows dropped: the audit table is not accepting writes');
    }
    if (this.pending.length >= this.o.batchSize) void this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(() => void this.flush(), this.o.flushMs);
      this.timer.unref();
    }
  }

  /** Writes everything recorded so far; resolves when it is in ClickHouse (or the attempt failed and was logged). */
  flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // Chained so batches are written in order and a flush waits for the ones before it.
    this.writing = this.writing.then(async () => {
      const batch = this.pending;
      if (batch.length === 0) return;
      this.pending = [];
      try {
        await insertApiAudit(this.o.db, batch);
        this.o.metrics.auditRows.inc({ outcome: 'written' }, batch.length);
      } catch (err) {
        this.o.metrics.auditRows.inc({ outcome: 'failed' }, batch.length);
        this.o.logger.error({ err, rows: batch.length }, 'API audit rows not written; kept for the next flush');
        this.pending = [...batch, ...this.pending].slice(-this.maxPending);
      }
    });
    return this.writing;
  }
}
