import type { ClickHouseClient } from '@clickhouse/client';

/**
 * What the API's queries need from a store: a client and the database that
 * holds every chartwatch table. Table names are always qualified, because
 * embedded chDB ignores the client's `database` setting.
 */
export interface ApiDb {
  readonly client: ClickHouseClient;
  readonly database: string;
  /** Set when the schema is the cluster variant: migrations run their statements in cluster form. */
  readonly cluster?: string | undefined;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** `db`.`table` for a table name written in this folder and a database name the store config already checked. */
export function table(db: ApiDb, name: string): string {
  if (!IDENTIFIER.test(db.database) || !IDENTIFIER.test(name)) throw new Error(`unsafe identifier ${db.database}.${name}`);
  return `\`${db.database}\`.\`${name}\``;
}

/**
 * Times cross the boundary as the store's do (clickhouse-time.ts): written as
 * 'YYYY-MM-DD hh:mm:ss.sss', read back as epoch milliseconds with `ms(col)`,
 * passed as parameters as epoch milliseconds with `msParam(name)`; none of
 * that depends on session settings.
 */
export { toClickHouseTime as clickHouseFromIso, fromEpochMillis as isoFromMillis } from '../clickhouse-time.ts';

/**
 * SELECT expression: a DateTime64 column as epoch milliseconds, named
 * `<column>_ms` (an alias equal to the column name would shadow the column
 * in WHERE).
 */
export function ms(column: string): string {
  return `toUnixTimestamp64Milli(${column}) AS ${column}_ms`;
}

/** SQL for a DateTime64(3, 'UTC') parameter passed as epoch milliseconds (see `millis`). */
export function msParam(name: string): string {
  return `fromUnixTimestamp64Milli({${name}:Int64}, 'UTC')`;
}

/** ISO-8601 to epoch milliseconds for an `msParam` parameter. */
export function millis(iso: string): number {
  return Date.parse(iso);
}

export function nullableIsoFromMillis(value: number | string | null): string | null {
  return value === null ? null : new Date(Number(value)).toISOString();
}

export async function queryRows<T>(db: ApiDb, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await db.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}
