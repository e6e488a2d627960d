import { ChartwatchError } from '@chartwatch/errors';
import { fromEpochMillis, toClickHouseTime } from './clickhouse-time.ts';
import type { QueryContext } from './query-context.ts';
import { queryRows } from './query-context.ts';

/**
 * A dead letter the DLQ topic would not take, kept in ClickHouse instead:
 * the reason headers, where it came from, and a reduction of its bytes (a
 * SHA-256 of the whole value and its first bytes), so a person can find the
 * original at its source offset while the topic retains it.
 */
export interface StoredDeadLetter {
  deadAt: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  key: string | null;
  tombstone: boolean;
  reason: string;
  field: string;
  /** Every header the dead letter carried (the source's and the cw-dlq-* ones). */
  headers: Record<string, string>;
  originalBytes: number;
  sha256: string;
  prefixBase64: string;
  /** Why the DLQ topic refused it, as the client said. */
  dlqError: string;
}

interface DeadLetterRow {
  dead_at: string;
  source_topic: string;
  source_partition: number;
  source_offset: string;
  message_key: string | null;
  tombstone: boolean;
  reason: string;
  field: string;
  headers: string;
  original_bytes: number | string;
  sha256: string;
  prefix_base64: string;
  dlq_error: string;
}

/** Writes dead letters the DLQ topic refused (idempotent per source offset once merged; readers use FINAL). */
export async function writeDeadLetters(ctx: QueryContext, letters: readonly StoredDeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  const values = letters.map((l) => ({
    dead_at: toClickHouseTime(l.deadAt),
    source_topic: l.sourceTopic,
    source_partition: l.sourcePartition,
    source_offset: l.sourceOffset,
    message_key: l.key,
    tombstone: l.tombstone,
    reason: l.reason,
    field: l.field,
    headers: JSON.stringify(l.headers),
    original_bytes: l.originalBytes,
    sha256: l.sha256,
    prefix_base64: l.prefixBase64,
    dlq_error: l.dlqError,
  }));
  try {
    await ctx.client.insert({ table: `${ctx.db}.dead_letters`, values, format: 'JSONEachRow' });
  } catch (err) {
    throw new ChartwatchError('CW_ERR_STORE', `writing ${letters.length} dead letters failed: ${(err as Error).message}`, { cause: err });
  }
}

/** Dead letters kept in ClickHouse, oldest source offset first (optionally of one source topic). */
export async function deadLetters(ctx: QueryContext, sourceTopic?: string): Promise<StoredDeadLetter[]> {
  const where = sourceTopic === undefined ? '' : 'WHERE source_topic = {topic:String}';
  const rows = await queryRows<DeadLetterRow & { dead_at_ms: number | string }>(
    ctx,
    `SELECT *, toUnixTimestamp64Milli(dead_at) AS dead_at_ms FROM ${ctx.db}.dead_letters FINAL ${where}
     ORDER BY source_topic, source_partition, source_offset`,
    sourceTopic === undefined ? {} : { topic: sourceTopic },
  );
  return rows.map((r) => ({
    deadAt: fromEpochMillis(r.dead_at_ms),
    sourceTopic: r.source_topic,
    sourcePartition: Number(r.source_partition),
    sourceOffset: String(r.source_offset),
    key: r.message_key,
    tombstone: Boolean(r.tombstone),
    reason: r.reason,
    field: r.field,
    headers: JSON.parse(r.headers) as Record<string, string>,
    originalBytes: Number(r.original_bytes),
    sha256: r.sha256,
    prefixBase64: r.prefix_base64,
    dlqError: r.dlq_error,
  }));
}
