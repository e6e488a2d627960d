import { randomUUID } from 'node:crypto';
import type { Logger } from '@chartwatch/logger';
import type { ApiMetrics } from './metrics.ts';
import type { ApiAuditRecord, ApiDb, ChainedAuditRecord } from '@chartwatch/store';
import { auditRowHash, insertApiAudit, latestApiAuditHash } from '@chartwatch/store';

export interface AuditTrailOptions {
  db: ApiDb;
  logger: Logger;
  metrics: ApiMetrics;
  /** Most rows in one insert; more waiting go in the next. */
  batchSize: number;
  /** This writer's chain id (default a random UUID: one chain per process). */
  chainId?: string;
}

/**
 * The API's own audit trail (who read which patient's data, when, from
 * where), written to ClickHouse BEFORE the response leaves: `record()`
 * resolves once the row is stored, and rejects if it could not be, so the
 * caller answers 503 instead of sending the data unaudited. A response that
 * reached its client therefore has its row even after kill -9.
 *
 * Rows are group-committed: while one insert is in flight, the rows of the
 * requests arriving meanwhile wait and go in the next insert together, so
 * under load the trail costs one insert per round trip, not per request
 * (one part per request would swamp ClickHouse's merges), and alone a row
 * waits for nothing.
 *
 * Each row is chained (auditRowHash): this writer numbers its rows 0, 1, 2…
 * and hashes each with the previous row's hash, beginning after the newest
 * row in the table. Rows are numbered when their insert starts and the
 * inserts run one at a time, so the chain is the insert order; a failed
 * insert gives its numbers back.
 */
export class AuditTrail {
  private pending: { row: ApiAuditRecord; done: (err?: unknown) => void }[] = [];
  private writing: Promise<void> | null = null;
  private readonly chainId: string;
  private seq = 0;
  /** The chain's last hash; null until read from the table on the first write. */
  private lastHash: string | null = null;

  constructor(private readonly o: AuditTrailOptions) {
    this.chainId = o.chainId ?? randomUUID();
  }

  /** Resolves when the row is stored; rejects when it could not be (the error is logged and counted here). */
  record(row: ApiAuditRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ row, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (this.writing === null) this.writing = this.drain();
    });
  }

  /** Resolves when every row recorded so far has been written (or refused). */
  async flush(): Promise<void> {
    while (this.writing !== null) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.o.batchSize);
        await this.write(batch);
      }
    } finally {
      this.writing = null;
    }
  }

  private async write(batch: { row: ApiAuditRecord; done: (err?: unknown) => void }[]): Promise<void> {
    const seqBefore = this.seq;
    const hashBefore = this.lastHash;
    try {
      if (this.lastHash === null) this.lastHash = await latestApiAuditHash(this.o.db);
      const chained: ChainedAuditRecord[] = [];
      for (const { row } of batch) {
        const link = { chainId: this.chainId, seq: this.seq, prevHash: this.lastHash };
        const hash = auditRowHash({ ...row, ...link });
        chained.push({ ...row, ...link, hash });
        this.seq += 1;
        this.lastHash = hash;
      }
      await insertApiAudit(this.o.db, chained);
      this.o.metrics.auditRows.inc({ outcome: 'written' }, batch.length);
      for (const p of batch) p.done();
    } catch (err) {
      this.seq = seqBefore;
      this.lastHash = hashBefore;
      this.o.metrics.auditRows.inc({ outcome: 'failed' }, batch.length);
      this.o.logger.error({ err, rows: batch.length }, 'API audit rows not written: their responses are refused');
      for (const p of batch) p.done(err ?? new Error('audit write failed'));
    }
  }
}
