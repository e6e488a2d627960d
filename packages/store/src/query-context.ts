import type { ClickHouseClient } from '@clickhouse/client';
import { ChartwatchError } from '@chartwatch/errors';

/**
 * What every read needs. Values travel as query parameters; only the
 * database name (checked against [A-Za-z0-9_] at configuration) is spliced.
 */
export interface QueryContext {
  client: ClickHouseClient;
  /** Backticked database name. */
  db: string;
}

export async function queryRows<T>(ctx: QueryContext, query: string, params: Record<string, unknown>): Promise<T[]> {
  try {
    const rs = await ctx.client.query({ query, query_params: params, format: 'JSONEachRow' });
    return await rs.json<T>();
  } catch (err) {
    throw new ChartwatchError('CW_ERR_STORE', `query failed: ${(err as Error).message}`, { cause: err });
  }
}
