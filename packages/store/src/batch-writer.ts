import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { ChartwatchError } from '@chartwatch/errors';
import type { StoreMode } from './connection.ts';

/**
 * A batch's dedup token is a hash of its ids, sorted: a redelivery of the
 * same events (the consumer crashed after the insert, before the offset
 * commit) carries the same token, and ClickHouse drops the repeat block
 * before it becomes a part. ReplacingMergeTree is the second line: a
 * redelivery cut into different batches gets new tokens and collapses at
 * merge time / under FINAL instead.
 */
export function dedupToken(kind: string, keys: readonly string[]): string {
  const hash = createHash('sha256');
  for (const key of [...keys].sort()) hash.update(key).update('\n');
  return `cw-${kind}-${keys.length}-${hash.digest('hex')}`;
}

export const DEFAULT_MAX_ROWS_PER_INSERT = 10_000;

export interface BatchWriterOptions {
  /** Rows per INSERT; a larger write is split, each part with its own token. Default 10,000. */
  maxRowsPerInsert?: number;
}

/**
 * Inserts rows with JSONEachRow and a dedup token. In embedded mode the
 * token is a connection-level SET (see ClickHouseConnection.insertClient), so
 * inserts on that connection run one after another: two interleaved
 * SET/INSERT pairs could otherwise swap tokens.
 */
export class BatchInserter<Row> {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly maxRows: number;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly mode: StoreMode,
    private readonly table: string,
    private readonly kind: string,
    options: BatchWriterOptions = {},
  ) {
    this.maxRows = options.maxRowsPerInsert ?? DEFAULT_MAX_ROWS_PER_INSERT;
    if (!Number.isInteger(this.maxRows) || this.maxRows < 1) {
      throw new ChartwatchError('CW_ERR_STORE', `maxRowsPerInsert must be a whole number of at least 1, got ${this.maxRows}`);
    }
  }

  /** `tokenKeyOf` names what makes a row the same row again: its id when ids are content-derived. */
  async insert(rows: readonly Row[], tokenKeyOf: (row: Row) => string): Promise<void> {
    for (let start = 0; start < rows.length; start += this.maxRows) {
      const part = rows.slice(start, start + this.maxRows);
      const token = dedupToken(this.kind, part.map(tokenKeyOf));
      await this.serially(() => this.insertPart(part, token));
    }
  }

  private async insertPart(rows: Row[], token: string): Promise<void> {
    try {
      await this.client.insert({
        table: this.table,
        values: rows,
        format: 'JSONEachRow',
        clickhouse_settings: {
          // chDB (like ClickHouse 24.x+ servers configured so) defaults to async_insert = 1: every insert
          // then waits for the server's buffer flush (50-200 ms) and, with async_insert_deduplicate = 0,
          // ignores the token below. Writers here already send batches, so they insert synchronously:
          // 0.55-0.77 of the wall time per batch for the same CPU (bench/store-write.bench.ts,
          // docs/performance.md "The store alone").
          async_insert: 0,
          insert_deduplicate: 1,
          insert_deduplication_token: token,
          // Dependent tables (patient_access) get the token too, so their copy of a repeated block is dropped as well.
          deduplicate_blocks_in_dependent_materialized_views: 1,
        },
      });
    } catch (err) {
      throw new ChartwatchError('CW_ERR_STORE', `insert of ${rows.length} rows into ${this.table} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    if (this.mode === 'server') return task();
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
